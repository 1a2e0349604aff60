/**
 * The SPASER document import endpoints of /api/v1, below HTTP on both engines: real Requests through the real
 * dispatcher with personal access tokens, real services, row-level security and the headless collaboration server.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import type { Database } from '../../src/lib/server/db';
import { poolStats } from '../../src/lib/server/files/worker-pool';
import { listImportedFiles } from '../../src/lib/server/spaser/import';
import { getCollabServer, readLiveDoc, setCollabServer } from '../../src/lib/server/spaser/live';
import { listVersions } from '../../src/lib/server/spaser/versions';
import { exportContent, readTree } from '../../src/lib/spaser/ydoc';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { createUser } from '../helpers/factories';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const PDC = readFileSync(
	fileURLToPath(new URL('../fixtures/seeds/pas-de-calais-spaser-2026-2029.txt', import.meta.url)),
	'utf8'
);

async function docxBase64(): Promise<string> {
	const doc = new Document({
		sections: [
			{
				children: [
					new Paragraph({ text: 'Orientation 1 : Une commande publique sobre', heading: HeadingLevel.HEADING_1 }),
					new Paragraph({ text: 'Mesure 1 : Réduire les achats de papier', heading: HeadingLevel.HEADING_2 }),
					new Paragraph({ text: 'Diminuer de 30 % le papier acheté d’ici 2027.' }),
					new Paragraph({ text: 'Mesure 2 : Mutualiser les véhicules', heading: HeadingLevel.HEADING_2 }),
					new Paragraph({ text: 'Orientation 2 : Une commande publique solidaire', heading: HeadingLevel.HEADING_1 }),
					new Paragraph({ text: 'Mesure 1 : Réserver des marchés', heading: HeadingLevel.HEADING_2 })
				]
			}
		]
	});
	return (await Packer.toBuffer(doc)).toString('base64');
}

describe.each(engines)('API v1 — SPASER document import (%s)', (kind) => {
	let db: Database;
	let w: SpaserWorld;
	const tokens: Record<string, string> = {};

	const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) =>
		apiCall(db, method, path, opts);
	const token = async (user: { id: string; email: string }, scopes: Scope[]) =>
		(await createApiToken(db, user, { name: 'test', scopes })).token;
	const countSpasers = async () =>
		(await call('GET', `/organisations/${w.orgA.id}/spasers`, { token: tokens.admin })).body.items.length as number;

	beforeAll(async () => {
		db = await openTestDb(kind);
		w = await spaserWorld(db);
		tokens.admin = await token(w.adminA, ['read', 'write']);
		tokens.editor = await token(w.editorA, ['read', 'write']);
		tokens.editorRead = await token(w.editorA, ['read']);
		tokens.viewer = await token(w.viewerA, ['read', 'write']);
		tokens.outsider = await token(w.adminB, ['read', 'write']);
	});
	afterAll(async () => {
		await getCollabServer(db).close();
		setCollabServer(db, undefined);
		await db?.close();
	});

	it('dry run: returns the detected tree of the Pas-de-Calais text with counts, targets and their source, creating nothing', async () => {
		const r = await call('POST', '/spasers/import-document/preview', {
			token: tokens.editor,
			body: { fileName: 'pdc.txt', text: PDC }
		});
		expect(r.status).toBe(200);
		expect(r.body.fileKind).toBe('txt');
		expect(r.body.levelNames.slice(0, 3)).toEqual(['Pilier', 'Objectif', 'Action']);
		expect(r.body.counts.slice(0, 3)).toEqual([
			{ level: 'Pilier', count: 4 },
			{ level: 'Objectif', count: 8 },
			{ level: 'Action', count: 27 }
		]);
		expect(
			r.body.nodes.filter(
				(n: Body) => n.depth === 3 && /bonus/i.test(r.body.review.nodes.find((x: Body) => x.id === n.id).kind)
			)
		).not.toHaveLength(0);
		const bio = r.body.nodes.flatMap((n: Body) => n.targets).find((t: Body) => t.value === 20 && t.year === 2027);
		expect(bio.sourceText).toContain('Plan bio 2023-2027');
		expect(r.body.dropped.find((d: Body) => d.reason === 'repeated_header').count).toBeGreaterThanOrEqual(8);
		expect(r.body.suggested).toMatchObject({ periodStart: 2026, periodEnd: 2029 });
		expect(await countSpasers()).toBe(0);
	});

	it('dry run: a read token, or an account that is admin or editor of no collectivité, is refused before the file is read', async () => {
		const contentBase64 = await docxBase64();
		const started = poolStats.started;
		const read = await call('POST', '/spasers/import-document/preview', {
			token: tokens.editorRead,
			body: { fileName: 'sobriete.docx', contentBase64 }
		});
		expect(read.status).toBe(403);
		expect(read.body.error.code).toBe('insufficient_scope');
		const nobody = await createUser(db);
		const noOrg = await call('POST', '/spasers/import-document/preview', {
			token: await token(nobody, ['read', 'write']),
			body: { fileName: 'sobriete.docx', contentBase64 }
		});
		expect(noOrg.status).toBe(403);
		expect(noOrg.body.error.message).toBe(
			"Seuls les administrateurs et rédacteurs d'une collectivité peuvent analyser un SPASER à importer."
		);
		const viewer = await call('POST', '/spasers/import-document/preview', {
			token: tokens.viewer,
			body: { fileName: 'sobriete.docx', contentBase64 }
		});
		expect(viewer.status).toBe(403);
		// No file worker was started for these requests.
		expect(poolStats.started).toBe(started);
	});

	it('dry run refuses a PDF, a request without document, and anonymous callers', async () => {
		const pdf = await call('POST', '/spasers/import-document/preview', {
			token: tokens.editor,
			body: { fileName: 'spaser.pdf', contentBase64: Buffer.from('%PDF-1.7 fake').toString('base64') }
		});
		expect(pdf.status).toBe(415);
		expect(pdf.body.error.message).toContain('PDF\u00a0: collez le texte ou enregistrez-le en DOCX');
		const none = await call('POST', '/spasers/import-document/preview', {
			token: tokens.editor,
			body: { fileName: 'x.txt' }
		});
		expect(none.status).toBe(400);
		expect(none.body.error.message).toMatch(/contentBase64.*text/);
		expect(
			(await call('POST', '/spasers/import-document/preview', { body: { fileName: 'x.txt', text: 'AXE 1' } })).status
		).toBe(401);
	});

	it('creates the SPASER from a DOCX with a corrected review: co-editable, « Importé le … » version, original attached', async () => {
		const contentBase64 = await docxBase64();
		const preview = await call('POST', '/spasers/import-document/preview', {
			token: tokens.editor,
			body: { fileName: 'sobriete.docx', contentBase64 }
		});
		expect(preview.status).toBe(200);
		expect(preview.body.fileKind).toBe('docx');
		expect(preview.body.nodes.map((n: Body) => `${n.label}|${n.title}`)).toEqual([
			'Orientation 1|Une commande publique sobre',
			'Mesure 1.1|Réduire les achats de papier',
			'Mesure 1.2|Mutualiser les véhicules',
			'Orientation 2|Une commande publique solidaire',
			'Mesure 2.1|Réserver des marchés'
		]);
		expect(preview.body.numbering).toBe('per_parent');
		const review = preview.body.review;
		review.levelNames = ['Axe', 'Action'];
		review.numbering = 'global';
		review.nodes[2].title = 'Mutualiser la flotte de véhicules';

		// refused: a viewer, a read-only token, an outsider; a broken review; nothing is created
		const body = {
			fileName: 'sobriete.docx',
			contentBase64,
			title: 'SPASER sobriété',
			periodStart: 2026,
			periodEnd: 2030,
			review
		};
		expect(
			(await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, { token: tokens.viewer, body })).status
		).toBe(403);
		expect(
			(await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, { token: tokens.editorRead, body }))
				.status
		).toBe(403);
		expect(
			(await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, { token: tokens.outsider, body }))
				.status
		).toBe(404);
		const broken = structuredClone(review);
		broken.nodes[0].depth = 2;
		const bad = await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, {
			token: tokens.editor,
			body: { ...body, review: broken }
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.details.issues[0].message).toMatch(/n’a pas de parent au niveau 1/);
		expect(await countSpasers()).toBe(0);
		expect(await listImportedFiles(db, w.editorA, '00000000-0000-4000-8000-000000000000')).toEqual([]);

		const r = await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, { token: tokens.editor, body });
		expect(r.status).toBe(201);
		expect(r.headers.get('location')).toBe(`/api/v1/spasers/${r.body.id}`);
		expect(r.body).toMatchObject({
			title: 'SPASER sobriété',
			periodStart: 2026,
			periodEnd: 2030,
			status: 'brouillon',
			myAccess: 'write'
		});
		const live = await readLiveDoc(db, r.body.id);
		const tree = readTree(live);
		expect(exportContent(live).settings.levelNames).toEqual(['Axe', 'Action']);
		live.destroy();
		expect(tree.map((n) => `${n.label}|${n.title}`)).toEqual([
			'Axe 1|Une commande publique sobre',
			'Action 1|Réduire les achats de papier',
			'Action 2|Mutualiser la flotte de véhicules',
			'Axe 2|Une commande publique solidaire',
			'Action 3|Réserver des marchés'
		]);
		// the projection is readable through the API at once (nodes, targets)
		const targets = await call('GET', `/spasers/${r.body.id}/targets`, { token: tokens.viewer });
		expect(targets.body.items.map((t: Body) => [t.value, t.year])).toEqual([[30, 2027]]);
		const versions = await listVersions(db, w.viewerA, r.body.id);
		expect(versions.map((v) => [v.kind, v.name])).toEqual([
			['imported', expect.stringMatching(/^Importé le .* depuis «\u00a0sobriete\.docx\u00a0»$/)]
		]);
		const files = await listImportedFiles(db, w.viewerA, r.body.id);
		expect(files.map((f) => [f.file_name, f.kind, f.size])).toEqual([
			['sobriete.docx', 'docx', Buffer.from(contentBase64, 'base64').byteLength]
		]);
	});

	it('creates from plain text with the detected structure when no review is sent (defaults from the document)', async () => {
		const r = await call('POST', `/organisations/${w.orgA.id}/spasers/import-document`, {
			token: tokens.admin,
			body: { fileName: 'pdc.txt', text: PDC }
		});
		expect(r.status).toBe(201);
		expect(r.body).toMatchObject({ periodStart: 2026, periodEnd: 2029 });
		const nodes = await call('GET', `/spasers/${r.body.id}/nodes`, { token: tokens.viewer });
		expect(nodes.body.items.filter((n: Body) => n.depth === 1)).toHaveLength(5); // 4 piliers + « Éléments non classés »
		expect(nodes.body.items.filter((n: Body) => n.depth === 3)).toHaveLength(27);
	});
});
