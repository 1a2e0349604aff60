// Issue 14, item 2: one small crafted file took the whole server down for every tenant. A 96 KB DOCX sent to
// POST /api/v1/spasers/import-document/preview with a read token (now: write token and importer only) blocked the process for 13–21 s using ~2 GB; a
// 714 KB one killed it (« JavaScript heap out of memory »); resource attachments ran the same extraction before
// checking rights (403 after 24 s). Now: rights first, every container bounded before it is parsed (limits.ts),
// conversions in a worker thread with a heap and a time limit (worker-pool.ts), and a hostile file fails its own
// request with a French 413/422 while the others are answered.
import { strToU8 } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import type { Database } from '../../src/lib/server/db';
import { importDecp } from '../../src/lib/server/decp/service';
import { AppError } from '../../src/lib/server/kit/errors';
import { inspectZip } from '../../src/lib/server/files/limits';
import { poolStats } from '../../src/lib/server/files/worker-pool';
import { prepareAttachments } from '../../src/lib/server/guichet/attachments';
import { importValues } from '../../src/lib/server/indicators/import';
import { setLogo } from '../../src/lib/server/organisations/service';
import { importResourceFile } from '../../src/lib/server/resources/io';
import { addAttachment } from '../../src/lib/server/resources/attachments';
import { createResource } from '../../src/lib/server/resources/editing';
import { analyseImport, createImportDraft } from '../../src/lib/server/spaser/import';
import { importSpaserJsonFile } from '../../src/lib/server/spaser/import-json';
import { resourceInput } from '../../src/lib/server/resources/input';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, type TestUser } from '../helpers/factories';
import * as H from '../helpers/hostile-files';

/** The attack's two sizes: ~96 KB (ratio-hidden bomb of a million paragraphs) and ~714 KB (varied text). */
const SMALL = H.docxParagraphBomb(900_000);
const LARGE = H.docxParagraphBomb(104_000, true);

/** Every class of hostile office container, with a label for the messages. */
const DOCX_BOMBS: [string, Uint8Array][] = [
	['a million repeated paragraphs (~96 KB)', SMALL],
	['104 000 varied paragraphs (~714 KB, ordinary ratio)', LARGE],
	['62 000 varied paragraphs (~430 KB, fewer elements than the bound)', H.docxParagraphBomb(62_000, true)],
	['200 MB of zeros', H.docxZeros(200)],
	['an entry whose declared size lies', H.docxLyingSize(60)],
	['overlapping entries', H.docxOverlapping()],
	['5 000 entries', H.docxManyEntries(5000)],
	['archives nested in archives', H.docxNested()],
	['10 000 nested elements', H.docxDeep(10_000)],
	['an entity expansion', H.docxEntities()]
];
const XLSX_BOMBS: [string, Uint8Array][] = [
	['500 000 cells', H.xlsxCells(500_000)],
	['500 000 shared strings', H.xlsxSharedStrings(500_000)],
	['200 MB of blanks', H.xlsxZeros(200)]
];
const XML_BOMBS: [string, Uint8Array][] = [
	['100 000 nested elements', H.xmlDeep(100_000)],
	['100 000 attributes on one element', H.xmlAttributes(100_000)],
	['1.2 million elements', H.xmlManyElements(1_200_000)],
	['an entity expansion', H.xmlEntities()]
];

const clause = () =>
	resourceInput.parse({
		kind: 'clause',
		title: 'Clause d’insertion par l’activité économique',
		summary: 'Heures d’insertion réservées aux personnes éloignées de l’emploi.',
		body: 'Le titulaire réserve une part des heures travaillées à des personnes éloignées de l’emploi.',
		family: 'sociale',
		mechanism: 'condition_execution',
		segments: ['services.nettoyage'],
		cpvCodes: ['90910000-9']
	});

/** The promise is refused with a French 413/422 (never a 500, never a success). */
async function hostile(p: Promise<unknown>, label: string): Promise<AppError> {
	let caught: unknown = null;
	try {
		await p;
	} catch (e) {
		caught = e;
	}
	expect(caught, `${label}: accepted`).toBeInstanceOf(AppError);
	const err = caught as AppError;
	expect([413, 422], `${label}: ${err.status} ${err.code} ${err.message}`).toContain(err.status);
	expect(err.message, label).toMatch(/trop (volumineux|complexe|grande)|abîmé/);
	return err;
}

async function forbiddenAtOnce(p: Promise<unknown>, label: string) {
	const started = poolStats.started;
	const err = await p.then(
		() => null,
		(e: unknown) => e
	);
	expect(err, label).toBeInstanceOf(AppError);
	expect((err as AppError).status, `${label}: ${(err as AppError).message}`).toBe(403);
	// Nothing was read: no worker thread was started for this request.
	expect(poolStats.started, label).toBe(started);
}

describe('the crafted files are what the issue describes', () => {
	it('the two DOCX of the attack weigh about 96 KB and 714 KB and their archive headers are honest', () => {
		expect(SMALL.byteLength).toBeGreaterThan(60_000);
		expect(SMALL.byteLength).toBeLessThan(130_000);
		expect(LARGE.byteLength).toBeGreaterThan(600_000);
		expect(LARGE.byteLength).toBeLessThan(760_000);
		// The large one passes the directory check: only reading it shows that it is hostile.
		expect(inspectZip(LARGE).length).toBe(3);
	});
});

describe.each(engines)('hostile files (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let viewer: TestUser;
	let outsider: TestUser;
	let orgId: string;
	let resourceId: string;
	let readToken: string;
	let outsiderWriteToken: string;
	let importerToken: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		viewer = await createUser(db);
		outsider = await createUser(db);
		orgId = (
			await createOrg(db, admin, {
				name: 'Communauté des fichiers piégés',
				kind: 'communaute_agglomeration',
				siren: '999900079'
			})
		).id;
		await addMember(db, orgId, viewer, 'viewer');
		resourceId = await createResource(db, admin, orgId, clause());
		readToken = (await createApiToken(db, outsider, { name: 'lecture', scopes: ['read'] })).token;
		outsiderWriteToken = (await createApiToken(db, outsider, { name: 'écriture', scopes: ['read', 'write'] })).token;
		importerToken = (await createApiToken(db, admin, { name: 'import', scopes: ['read', 'write'] })).token;
	}, 120_000);
	afterAll(async () => db?.close());

	it('the preview is refused before any file is read to a read token and to an account that imports nowhere', async () => {
		const started = poolStats.started;
		for (const token of [readToken, outsiderWriteToken]) {
			const res = await apiCall(db, 'POST', '/spasers/import-document/preview', {
				token,
				body: { fileName: 'spaser.docx', contentBase64: Buffer.from(LARGE).toString('base64') }
			});
			expect(res.status).toBe(403);
		}
		expect(poolStats.started).toBe(started);
	});

	it('the attack: both crafted DOCX sent to the preview by an importer get 413/422, while a normal preview and a page are answered; the heap stays bounded', async () => {
		const heapBefore = process.memoryUsage().heapUsed;
		const honest = H.docxParagraphBomb(50, true);
		const send = (bytes: Uint8Array) =>
			apiCall(db, 'POST', '/spasers/import-document/preview', {
				token: importerToken,
				body: { fileName: 'spaser.docx', contentBase64: Buffer.from(bytes).toString('base64') }
			});
		const [small, large, normal, me] = await Promise.all([
			send(SMALL),
			send(LARGE),
			send(honest),
			apiCall(db, 'GET', '/me', { token: importerToken })
		]);
		for (const [label, res] of [
			['96 KB', small],
			['714 KB', large]
		] as const) {
			expect([413, 422], `${label}: ${JSON.stringify(res.body)}`).toContain(res.status);
			expect(res.body.error.code).toMatch(/^file_too_(large|complex)$/);
			expect(res.body.error.message).toMatch(/^Le fichier est trop (volumineux|complexe)/);
		}
		expect(normal.status).toBe(200);
		expect(normal.body.fileKind).toBe('docx');
		expect(me.status).toBe(200);
		// The old code grew the heap by ~2 GB for the small file and died on the large one.
		expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
	});

	it('rights come first: a viewer uploading a crafted file gets 403 at once, and no worker reads it', async () => {
		await forbiddenAtOnce(addAttachment(db, viewer, resourceId, 'annexe.docx', LARGE), 'resource attachment');
		await forbiddenAtOnce(
			addAttachment(db, outsider, resourceId, 'annexe.docx', LARGE),
			'resource attachment (outsider)'
		);
		await forbiddenAtOnce(
			createImportDraft(db, viewer, orgId, { bytes: LARGE, fileName: 'spaser.docx' }),
			'SPASER document import'
		);
		await forbiddenAtOnce(
			importValues(db, viewer, orgId, { name: 'valeurs.xlsx', bytes: H.xlsxCells(300_000) }),
			'indicator values'
		);
		await forbiddenAtOnce(
			importDecp(db, viewer, orgId, { name: 'decp.xml', bytes: H.xmlManyElements(1_200_000) }),
			'DECP'
		);
		await forbiddenAtOnce(
			importResourceFile(db, viewer, orgId, {
				name: 'ressources.json',
				bytes: strToU8(`[${'{"titre":"x"},'.repeat(300_000)}{}]`)
			}),
			'resources import'
		);
		await forbiddenAtOnce(
			importSpaserJsonFile(db, viewer, orgId, {
				name: 'spaser.json',
				bytes: strToU8(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)
			}),
			'SPASER JSON'
		);
	});

	it('SPASER document import refuses every DOCX bomb class with 413/422 (preview and draft)', async () => {
		for (const [label, bytes] of DOCX_BOMBS) {
			await hostile(analyseImport({ bytes, fileName: 'spaser.docx', owner: admin.id }), `preview: ${label}`);
			await hostile(createImportDraft(db, admin, orgId, { bytes, fileName: 'spaser.docx' }), `draft: ${label}`);
		}
	});

	it('resource attachments refuse every DOCX and XLSX bomb class and a PDF that inflates to 300 MB', async () => {
		for (const [label, bytes] of DOCX_BOMBS)
			await hostile(addAttachment(db, admin, resourceId, 'annexe.docx', bytes), `attachment: ${label}`);
		for (const [label, bytes] of XLSX_BOMBS)
			await hostile(addAttachment(db, admin, resourceId, 'annexe.xlsx', bytes), `attachment: ${label}`);
		await hostile(addAttachment(db, admin, resourceId, 'annexe.pdf', H.pdfBomb(300)), 'attachment: PDF bomb');
	});

	it('indicator values refuse every XLSX bomb class; DECP refuses every XML bomb class', async () => {
		for (const [label, bytes] of XLSX_BOMBS)
			await hostile(importValues(db, admin, orgId, { name: 'valeurs.xlsx', bytes }), `values: ${label}`);
		for (const [label, bytes] of XML_BOMBS)
			await hostile(importDecp(db, admin, orgId, { name: 'decp.xml', bytes }), `DECP: ${label}`);
	});

	it('Guichet attachments and logos refuse zip bombs and images announcing gigapixels; small honest ones pass', async () => {
		for (const [label, bytes] of [
			['200 MB of zeros', H.docxZeros(200)],
			['overlapping entries', H.docxOverlapping()],
			['5 000 entries', H.docxManyEntries(5000)],
			['500 000 cells', XLSX_BOMBS[2][1]]
		] as const)
			await hostile(
				Promise.resolve().then(() => prepareAttachments([{ name: 'piece.docx', bytes }])),
				`Guichet: ${label}`
			);
		await hostile(
			Promise.resolve().then(() => prepareAttachments([{ name: 'photo.png', bytes: H.pngHuge(100_000, 100_000) }])),
			'Guichet: huge PNG'
		);
		expect(prepareAttachments([{ name: 'photo.png', bytes: H.pngSmall() }])).toHaveLength(1);
		await hostile(setLogo(db, admin, orgId, H.pngHuge(60_000, 60_000)), 'logo: huge PNG');
		await setLogo(db, admin, orgId, H.pngSmall());
	});

	it('a large but ordinary Word document (about 150 pages, tables) still imports', async () => {
		const docx = await H.legitLargeDocx(20);
		expect(docx.byteLength).toBeGreaterThan(100_000);
		const draft = await createImportDraft(db, admin, orgId, { bytes: docx, fileName: 'spaser-2026.docx' });
		const placed = draft.state.nodes.filter((n) => !n.unplaced);
		expect(draft.state.levelNames.slice(0, 3)).toEqual(['Axe', 'Chantier', 'Action']);
		expect([1, 2, 3].map((d) => placed.filter((n) => n.depth === d).length)).toEqual([20, 80, 320]);
	});
});
