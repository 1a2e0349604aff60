import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ExcelJS from 'exceljs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { loadDemoData } from '../../src/lib/server/demo';
import { certificatesPdf, emargementPdf, winAnsi } from '../../src/lib/server/events/pdf';
import { checkinList, eventForCertificates, getSession } from '../../src/lib/server/events/attendance';
import { getEvent } from '../../src/lib/server/events/events';
import { networkFigures, ORG_COLUMNS, orgRowsForExport, toCsv, toXlsx } from '../../src/lib/server/events/figures';
import { AppError } from '../../src/lib/server/kit/errors';
import { EVENT_KINDS } from '../../src/lib/events/labels';
import { engines, openTestDb } from '../helpers/engines';

const ANIMATRICE = { id: 'de000000-0000-4000-8000-000000000002', email: 'animatrice@demo.spaser.test' };
const ADMIN = { id: 'de000000-0000-4000-8000-000000000003', email: 'admin@demo.spaser.test' };
const REDACTEUR = { id: 'de000000-0000-4000-8000-000000000004', email: 'redacteur@demo.spaser.test' };
const FORUM = 'de000000-0000-4000-8e06-000000000001';
const ADMIN_REG = 'de000000-0000-4000-8e06-000000000301';
const ATELIER_A = 'de000000-0000-4000-8e06-000000000203';

const FONTS = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';

/** Text of each page of a PDF. */
async function pdfPages(bytes: Uint8Array): Promise<string[]> {
	const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, standardFontDataUrl: FONTS })
		.promise;
	const pages: string[] = [];
	for (let i = 1; i <= doc.numPages; i++) {
		const content = await (await doc.getPage(i)).getTextContent();
		pages.push(
			content.items
				.map((it) => ('str' in it ? it.str : ''))
				.join(' ')
				.replace(/\s+/g, ' ')
		);
	}
	await doc.destroy();
	return pages;
}

describe('winAnsi', () => {
	it('replaces what standard PDF fonts cannot encode', () => {
		expect(winAnsi('9\u202fh\u202f30 – « œuvre » → ok')).toBe('9\u00a0h\u00a030 – « œuvre » ? ok');
	});
});

describe.each(engines)('events PDF and exports (%s)', (kind) => {
	let db: Database;
	beforeAll(async () => {
		db = await openTestDb(kind);
		await loadDemoData(db);
	}, 120_000);
	afterAll(async () => {
		await db?.close();
	});

	async function certificates(actor: typeof ADMIN, registrationId?: string) {
		const data = await eventForCertificates(db, actor, FORUM, registrationId);
		const e = data.event;
		return certificatesPdf({
			eventTitle: e.title,
			eventKind: EVENT_KINDS[e.kind],
			organiser: e.organiser_name,
			starts_at: e.starts_at,
			ends_at: e.ends_at,
			place: e.place,
			people: data.rows
		});
	}

	it("a participant's attestation names them, their collectivité, the event and the hours attended", async () => {
		const [page, ...rest] = await pdfPages(await certificates(ADMIN, ADMIN_REG));
		expect(rest).toEqual([]);
		expect(page).toContain('Attestation de présence');
		expect(page).toContain('Sandrine Aurelhac');
		expect(page).toContain("Agglomération du Val d'Aurence");
		expect(page).toContain("Tour de France de l'achat responsable");
		// Plenary 1 h 30 + round table 1 h 15 + workshops A and E (1 h each).
		expect(page).toContain('Durée de présence : 4 h 45'); // pdf.js reads no-break spaces as spaces
		expect(page).toContain("Atelier A : clause d'insertion");
		expect(page).toContain('Atelier E : suivre les indicateurs');
		expect(page).not.toContain('Atelier B');
	});

	it('in bulk for the organiser: one page per person present; nobody else may download them all', async () => {
		const pages = await pdfPages(await certificates(ANIMATRICE));
		expect(pages).toHaveLength(7);
		expect(pages.some((p) => p.includes('Hugo Daubèze'))).toBe(false); // registered but absent
		const err = await eventForCertificates(db, REDACTEUR, FORUM).catch((e) => e);
		expect(err).toBeInstanceOf(AppError);
	});

	it('the émargement sheet lists the people expected at a workshop, with recorded presence', async () => {
		const s = await getSession(db, ANIMATRICE, ATELIER_A);
		const d = await getEvent(db, ANIMATRICE, FORUM);
		const people = await checkinList(db, ANIMATRICE, ATELIER_A);
		const [page] = await pdfPages(
			await emargementPdf({
				eventTitle: d.event.title,
				organiser: d.event.organiser_name,
				place: d.event.place,
				session: s,
				people
			})
		);
		expect(page).toContain("Feuille d'émargement");
		expect(page).toContain("Atelier A : clause d'insertion, calibrer les heures");
		expect(page).toContain('Participants attendus : 3');
		for (const name of ['Sandrine Aurelhac', 'Nadia Cazalbou', 'Hugo Daubèze']) expect(page).toContain(name);
		expect(page).toContain('Signature');
		expect(page).toMatch(/Présence enregistrée à 14\s?h\s?05/);
	});

	it('exports the network figures as CSV and XLSX', async () => {
		const year = new Date(Date.now() - 42 * 86_400_000).getFullYear();
		const net = await networkFigures(db, ANIMATRICE, 'de000000-0000-4000-8002-000000000001', year);
		const rows = orgRowsForExport(net.orgs);
		const csv = toCsv(ORG_COLUMNS, rows);
		expect(csv.startsWith('\ufeffCollectivité;Personnes formées;')).toBe(true);
		expect(csv).toContain("Agglomération du Val d'Aurence;2;9,5;6;33,3");
		const wb = new ExcelJS.Workbook();
		await wb.xlsx.load((await toXlsx([{ name: 'Collectivités', header: ORG_COLUMNS, rows }])).buffer as ArrayBuffer);
		const ws = wb.getWorksheet('Collectivités')!;
		const values = ws
			.getSheetValues()
			.filter(Boolean)
			.map((r) => (r as unknown[]).slice(1));
		expect(values[0]).toEqual(ORG_COLUMNS);
		expect(values).toContainEqual(["Agglomération du Val d'Aurence", 2, 9.5, 6, 33.3]);
	});
});
