import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { listSpaserDocuments } from '../../src/lib/server/spaser/documents';
import {
	confirmImport,
	createImportDraft,
	deleteImportDraft,
	getImportDraft,
	getImportedFile,
	listImportDrafts,
	listImportedFiles
} from '../../src/lib/server/spaser/import';
import { getCollabServer, readLiveDoc, setCollabServer } from '../../src/lib/server/spaser/live';
import { listVersions } from '../../src/lib/server/spaser/versions';
import { demote, mergeWithPrevious, setTitle } from '../../src/lib/spaser/import/review';
import { richToText } from '../../src/lib/spaser/rich';
import { exportContent, readTree } from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

const OCC = readFileSync(
	fileURLToPath(new URL('../fixtures/seeds/occitanie-spaser-2023-2028.txt', import.meta.url)),
	'utf8'
);

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

async function smallDocx(): Promise<Uint8Array> {
	const doc = new Document({
		sections: [
			{
				children: [
					new Paragraph({ text: 'Axe 1 : Acheter écologique', heading: HeadingLevel.HEADING_1 }),
					new Paragraph({
						children: [new TextRun('Un axe '), new TextRun({ text: 'prioritaire', bold: true }), new TextRun('.')]
					}),
					new Paragraph({ text: 'Chantier 1 : Réduire les déchets', heading: HeadingLevel.HEADING_2 }),
					new Paragraph({ text: '50 % de marchés avec une clause de réemploi à l’horizon 2028 (30 % en 2026).' }),
					new Paragraph({ text: 'Action 1 : Former les acheteurs', heading: HeadingLevel.HEADING_3 }),
					new Paragraph({ text: 'Former quarante acheteurs.' })
				]
			}
		]
	});
	return new Uint8Array(await Packer.toBuffer(doc));
}

describe.each(engines)('SPASER import service (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
	});
	afterAll(async () => {
		// the headless collaboration server that changeLiveDoc started for this database
		await getCollabServer(db).close();
		setCollabServer(db, undefined);
		await db?.close();
	});

	it('keeps a DOCX as a draft of its author only, with the detected tree', async () => {
		const draft = await createImportDraft(db, w.editorA, w.orgA.id, {
			bytes: await smallDocx(),
			fileName: 'spaser.docx'
		});
		expect(draft).toMatchObject({ kind: 'docx', file_name: 'spaser.docx', org_id: w.orgA.id });
		expect(draft.state.nodes.map((n) => `${n.depth}:${n.title}`)).toEqual([
			'1:Acheter écologique',
			'2:Réduire les déchets',
			'3:Former les acheteurs'
		]);
		expect(draft.state.nodes[1].targets[0]).toMatchObject({
			value: 50,
			year: 2028,
			milestones: [{ year: 2026, value: 30 }]
		});
		expect((await getImportDraft(db, w.editorA, draft.id)).id).toBe(draft.id);
		expect(await listImportDrafts(db, w.editorA, w.orgA.id)).toEqual([
			{ id: draft.id, file_name: 'spaser.docx', created_at: expect.any(Date), nodes: 3 }
		]);
		expect(await listImportDrafts(db, w.adminA, w.orgA.id)).toEqual([]);
		// nobody else sees a draft, not even the collectivité's admin
		for (const other of [w.adminA, w.viewerA, w.adminB])
			expect((await rejects(getImportDraft(db, other, draft.id))).status).toBe(404);
		await deleteImportDraft(db, w.editorA, draft.id);
		expect((await rejects(getImportDraft(db, w.editorA, draft.id))).status).toBe(404);
	});

	it('refuses viewers and outsiders, PDF, images and empty files, storing nothing', async () => {
		const docx = await smallDocx();
		expect(
			(await rejects(createImportDraft(db, w.viewerA, w.orgA.id, { bytes: docx, fileName: 'a.docx' }))).status
		).toBe(403);
		expect(
			(await rejects(createImportDraft(db, w.adminB, w.orgA.id, { bytes: docx, fileName: 'a.docx' }))).status
		).toBe(403);
		const pdf = await rejects(
			createImportDraft(db, w.editorA, w.orgA.id, {
				bytes: new TextEncoder().encode('%PDF-1.7\n...'),
				fileName: 'spaser.docx'
			})
		);
		expect(pdf.status).toBe(415);
		expect(pdf.message).toContain(
			'PDF\u00a0: collez le texte ou enregistrez-le en DOCX depuis votre traitement de texte'
		);
		const png = await rejects(
			createImportDraft(db, w.editorA, w.orgA.id, {
				bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
				fileName: 'x.txt'
			})
		);
		expect(png.status).toBe(415);
		expect(
			(await rejects(createImportDraft(db, w.editorA, w.orgA.id, { bytes: new Uint8Array(), fileName: 'x.txt' })))
				.message
		).toBe('Le fichier est vide.');
		const [row] = await withUser(db, w.editorA, (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.spaser_imports')
		);
		expect(row.n).toBe(0);
	});

	it('creates a co-editable SPASER after review: all the text, an « Importé le … » version, the original file attached', async () => {
		const bytes = new TextEncoder().encode(OCC);
		const draft = await createImportDraft(db, w.editorA, w.orgA.id, {
			bytes,
			fileName: 'politique-achat-occitanie.txt'
		});
		expect(draft.suggested).toMatchObject({ periodStart: 2023, periodEnd: 2028 });
		// review: rename a level, edit a title, demote a chantier under the previous one, merge an action away
		let s = draft.state;
		s = { ...s, levelNames: ['Axe', 'Chantier', 'Mesure'] };
		s = setTitle(s, 0, 'Transformation écologique');
		const c2 = s.nodes.findIndex((n) => n.depth === 2 && n.number === '2');
		s = demote(s, c2);
		const a12 = s.nodes.findIndex((n) => n.number === '1.2');
		const mergedTitle = s.nodes[a12].title;
		s = mergeWithPrevious(s, a12);

		// a broken state is refused with a French message, nothing created
		const broken = structuredClone(s);
		broken.nodes[1].depth = 4;
		const bad = await rejects(
			confirmImport(db, w.editorA, draft.id, {
				title: 'SPASER Occitanie',
				periodStart: 2023,
				periodEnd: 2028,
				state: broken
			})
		);
		expect(bad.message).toMatch(/n’a pas de parent au niveau 3/);
		expect(await listSpaserDocuments(db, w.editorA, w.orgA.id)).toHaveLength(0);
		// the viewer cannot confirm someone else's draft
		expect(
			(
				await rejects(
					confirmImport(db, w.viewerA, draft.id, { title: 'X', periodStart: 2023, periodEnd: 2028, state: s })
				)
			).status
		).toBe(404);

		const { document } = await confirmImport(db, w.editorA, draft.id, {
			title: 'SPASER Occitanie',
			periodStart: 2023,
			periodEnd: 2028,
			state: JSON.stringify(s)
		});
		expect(document).toMatchObject({ title: 'SPASER Occitanie', my_access: 'write', period_start: 2023 });
		// the live document (what co-editors open) has the reviewed tree
		const live = await readLiveDoc(db, document.id);
		const tree = readTree(live, { withBody: true });
		const content = exportContent(live);
		live.destroy();
		// chantier 2's actions went one level down with it: a fourth level appears
		expect(content.settings.levelNames).toEqual(['Axe', 'Chantier', 'Mesure', 'Sous-action']);
		expect(tree[0].title).toBe('Transformation écologique');
		expect(tree.filter((n) => n.depth === 1)).toHaveLength(6); // 5 axes + « Éléments non classés »
		// 65 actions, one merged away, plus the demoted chantier
		expect(tree.filter((n) => n.depth >= 3)).toHaveLength(65);
		expect(tree.filter((n) => n.depth === 2)).toHaveLength(19);
		expect(
			tree.some((n) => n.depth === 3 && n.title === "Placer l'économie circulaire au cœur de l'achat régional")
		).toBe(true);
		expect(richToText(tree.find((n) => n.title.startsWith('Sensibiliser, former et accompagner'))!.body)).toContain(
			mergedTitle
		);

		// never lose text: ≥ 99 % of the source body words are in the created document
		const sourceWords = (OCC.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((x) => x.length > 0);
		const bag = new Map<string, number>();
		for (const x of content.nodes
			.map((n) => `${n.title}\n${richToText(n.body)}`)
			.join('\n')
			.toLowerCase()
			.match(/[\p{L}\p{N}]+/gu) ?? [])
			bag.set(x, (bag.get(x) ?? 0) + 1);
		// the source minus its table of contents, page numbers, repeated headers and level words (not body text)
		const { detectStructure } = await import('../../src/lib/spaser/import/detect');
		const removed = new Map<string, number>();
		for (const d of detectStructure({ text: OCC, format: 'txt' }).dropped)
			for (const x of d.text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) removed.set(x, (removed.get(x) ?? 0) + 1);
		let total = 0;
		let found = 0;
		for (const x of sourceWords) {
			const r = removed.get(x) ?? 0;
			if (r > 0) {
				removed.set(x, r - 1);
				continue;
			}
			total++;
			const c = bag.get(x) ?? 0;
			if (c > 0) {
				found++;
				bag.set(x, c - 1);
			}
		}
		const coverage = found / total;
		console.log(
			`Occitanie importé puis relu — couverture du texte source : ${(coverage * 100).toFixed(2)} % (${found}/${total} mots)`
		);
		expect(coverage).toBeGreaterThanOrEqual(0.99);

		// « Importé le … » version by the user, and the original file, readable by readers of the SPASER only
		const versions = await listVersions(db, w.viewerA, document.id);
		expect(versions.map((v) => v.kind)).toEqual(['imported']);
		expect(versions[0].name).toMatch(
			/^Importé le \d{2}\/\d{2}\/\d{4} depuis «\u00a0politique-achat-occitanie\.txt\u00a0»$/
		);
		expect(versions[0].created_by).toBe(w.editorA.id);
		const files = await listImportedFiles(db, w.viewerA, document.id);
		expect(files).toHaveLength(1);
		expect(files[0]).toMatchObject({ file_name: 'politique-achat-occitanie.txt', kind: 'txt', size: bytes.byteLength });
		const file = await getImportedFile(db, w.viewerA, document.id, files[0].id);
		expect(Buffer.from(file.content).equals(Buffer.from(bytes))).toBe(true);
		expect(await listImportedFiles(db, w.adminB, document.id)).toEqual([]);
		expect((await rejects(getImportedFile(db, w.adminB, document.id, files[0].id))).status).toBe(404);
		// a confirmed draft is no longer a draft: confirming twice creates nothing more
		expect(
			(
				await rejects(
					confirmImport(db, w.editorA, draft.id, { title: 'Encore', periodStart: 2023, periodEnd: 2028, state: s })
				)
			).status
		).toBe(404);
		expect(await listSpaserDocuments(db, w.editorA, w.orgA.id)).toHaveLength(1);
	});

	it("lets users write an 'imported' version only for their own import of a SPASER they write", async () => {
		const [docs] = [await listSpaserDocuments(db, w.adminA, w.orgA.id)];
		const id = docs[0].id;
		const insert = (actor: typeof w.adminA) =>
			withUser(db, actor, (tx) =>
				tx.query(
					`insert into public.spaser_versions (document_id, kind, name, state, content) values ($1, 'imported', 'Forgée', '\\x00', '{}')`,
					[id]
				)
			);
		// adminA writes the SPASER but did not import it
		await expect(insert(w.adminA)).rejects.toThrow(/row-level security/);
		await expect(insert(w.viewerA)).rejects.toThrow(/row-level security/);
		await expect(insert(w.editorA)).resolves.toBeDefined();
	});
});
