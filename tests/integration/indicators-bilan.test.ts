// The biennial bilan: values per year against the SPASER's targets, gaps, trend and benchmark position, a
// narrative per axis; DOCX and PDF carry the same content; saved as a SPASER version (kind 'bilan').
import mammoth from 'mammoth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { asService, type Database } from '../../src/lib/server/db';
import { buildBilanData, getBilan, listBilans, saveBilan } from '../../src/lib/server/indicators/bilan';
import { renderBilanDocx, renderBilanPdf } from '../../src/lib/server/indicators/bilan-render';
import { listCatalogue, saveValue } from '../../src/lib/server/indicators/service';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { changeLiveDoc } from '../../src/lib/server/spaser/live';
import { projectDocument } from '../../src/lib/server/spaser/projection';
import { listVersions } from '../../src/lib/server/spaser/versions';
import { buildTemplate } from '../../src/lib/spaser/templates';
import { importContent } from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, type TestUser } from '../helpers/factories';

async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdf = await getDocument({ data: bytes, useSystemFonts: false }).promise;
	let out = '';
	for (let p = 1; p <= pdf.numPages; p++) {
		const page = await pdf.getPage(p);
		const content = await page.getTextContent();
		out += content.items.map((i) => ('str' in i ? i.str : '')).join(' ') + '\n';
	}
	return out;
}

describe.each(engines)('SPASER bilan (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let viewer: TestUser;
	let outsider: TestUser;
	let orgId: string;
	let docId: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		viewer = await createUser(db);
		outsider = await createUser(db);
		orgId = (await createOrg(db, admin, { name: 'Agglomération du bilan', kind: 'communaute_agglomeration' })).id;
		await addMember(db, orgId, viewer, 'viewer');
		await createOrg(db, outsider, 'Voisine');
		const doc = await createSpaserRecord(db, admin, {
			orgIds: [orgId],
			leadOrgId: orgId,
			title: 'SPASER 2024-2027',
			periodStart: 2024,
			periodEnd: 2027,
			templateKey: 'cinq_axes'
		});
		docId = doc.id;
		const live = await changeLiveDoc(db, docId, (d) =>
			importContent(d, buildTemplate('cinq_axes', { periodStart: 2024, periodEnd: 2027 }))
		);
		await projectDocument(db, docId, live);
		const cat = await listCatalogue(db, admin);
		const env = cat.find((d) => d.code === 'CAN-ENV-01')!;
		await saveValue(db, admin, orgId, { indicatorId: env.id, year: 2024, value: 48 });
		await saveValue(db, admin, orgId, { indicatorId: env.id, year: 2025, value: 63.5 });
	});
	afterAll(async () => db?.close());

	it('computes values, targets, gaps and trend per target, grouped by axis', async () => {
		const [t] = await asService(db, 'test: target', (tx) =>
			tx.query<{ value: string; year: number; milestones: { year: number; value: number }[] }>(
				`select value::text, year, milestones from public.spaser_targets where document_id = $1 and indicator_code = 'CAN-ENV-01'`,
				[docId]
			)
		);
		const data = await buildBilanData(db, viewer, { documentId: docId, orgId, yearFrom: 2024, yearTo: 2025 });
		expect(data.axes.length).toBeGreaterThanOrEqual(3);
		const row = data.rows.find((r) => r.code === 'CAN-ENV-01')!;
		expect(row.axisTitle).toMatch(/^1\. /);
		const targetFor = (y: number) =>
			t.milestones.find((m) => m.year === y)?.value ?? (t.year === y ? Number(t.value) : null);
		const gapFor = (v: number, y: number) => (targetFor(y) === null ? null : Math.round((v - targetFor(y)!) * 10) / 10);
		expect(row.years).toEqual([
			{ year: 2024, value: 48, target: targetFor(2024), gap: gapFor(48, 2024) },
			{ year: 2025, value: 63.5, target: targetFor(2025), gap: gapFor(63.5, 2025) }
		]);
		expect(row.years.some((y) => y.target !== null)).toBe(true);
		expect(row.trend).toBe('hausse');
		expect(row.finalTarget).toEqual({ year: t.year, value: Number(t.value) });
		// no network: no benchmark position
		expect(row.benchmark).toBeNull();
		await expect(
			buildBilanData(db, outsider, { documentId: docId, orgId, yearFrom: 2024, yearTo: 2025 })
		).rejects.toMatchObject({ status: 404 });
		await expect(
			buildBilanData(db, admin, { documentId: docId, orgId, yearFrom: 2025, yearTo: 2024 })
		).rejects.toMatchObject({ status: 400 });
	});

	it('renders the same content in DOCX and PDF, with the narrative of each axis', async () => {
		const first = (await buildBilanData(db, admin, { documentId: docId, orgId, yearFrom: 2024, yearTo: 2025 })).axes[0];
		const data = await buildBilanData(db, admin, {
			documentId: docId,
			orgId,
			yearFrom: 2024,
			yearTo: 2025,
			narratives: { [first.id]: 'Généralisation des clauses environnementales : objectif « 100 % » en vue.' }
		});
		const docx = (await mammoth.extractRawText({ buffer: await renderBilanDocx(data) })).value;
		const pdf = await pdfText(await renderBilanPdf(data));
		for (const text of [docx, pdf]) {
			expect(text).toContain('Bilan du SPASER 2024-2025');
			expect(text).toContain('Généralisation des clauses environnementales');
			expect(text).toMatch(/CAN-ENV-01/);
			expect(text).toMatch(/63,5/);
			expect(text).toMatch(/En hausse/);
		}
	});

	it('is saved as a SPASER version of kind bilan, by writers only', async () => {
		const data = await buildBilanData(db, admin, { documentId: docId, orgId, yearFrom: 2024, yearTo: 2025 });
		await expect(saveBilan(db, viewer, data)).rejects.toMatchObject({ status: 403 });
		const saved = await saveBilan(db, admin, data);
		const versions = await listVersions(db, admin, docId);
		expect(versions.find((v) => v.id === saved.versionId)).toMatchObject({
			kind: 'bilan',
			name: 'Bilan 2024-2025',
			published_at: null
		});
		const list = await listBilans(db, viewer, docId, orgId);
		expect(list.map((b) => b.id)).toEqual([saved.bilanId]);
		expect((await getBilan(db, viewer, saved.bilanId)).data.rows.length).toBe(data.rows.length);
		await expect(getBilan(db, outsider, saved.bilanId)).rejects.toMatchObject({ status: 404 });
	});
});
