import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { createSpaserRecord, updateSpaserMetadata } from '../../src/lib/server/spaser/documents';
import {
	compareVersions,
	createVersion,
	getPublishedSpaser,
	getVersion,
	getVersionState,
	listVersions,
	maybeAutoSnapshot,
	publishVersion,
	restoreInto,
	restoreVersion,
	unpublishVersion
} from '../../src/lib/server/spaser/versions';
import { buildTemplate } from '../../src/lib/spaser/templates';
import { setFragmentJson } from '../../src/lib/spaser/rich';
import {
	addNode,
	bodyFragment,
	exportContent,
	importContent,
	moveNode,
	readTree,
	removeNode,
	removeTarget,
	setTarget,
	setTitle,
	updateNode,
	writeSettings
} from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

function sync(from: Y.Doc, to: Y.Doc) {
	Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

/** Many kinds of edits at once. */
function edit(doc: Y.Doc) {
	const tree = readTree(doc);
	removeNode(doc, tree[0].id);
	setTitle(doc, tree[tree.length - 1].id, 'Titre modifié après la version');
	const withTargets = readTree(doc).find((n) => n.targets.length)!;
	removeTarget(doc, withTargets.id, withTargets.targets[0].id);
	setTarget(doc, withTargets.id, { ...withTargets.targets.at(-1)!, id: 'new-target', value: 99 });
	const roots = readTree(doc).filter((n) => n.depth === 1);
	moveNode(doc, roots[roots.length - 1].id, null, null);
	updateNode(doc, roots[0].id, { status: 'abandonnee', pilot: 'Autre direction', resources: ['X'] });
	setFragmentJson(bodyFragment(doc, roots[0].id), [
		{ type: 'paragraph', content: [{ type: 'text', text: 'Corps réécrit' }] }
	]);
	addNode(doc, { parentId: roots[1].id, title: 'Nœud ajouté' });
	writeSettings(doc, { levelNames: ['Partie', 'Objectif', 'Action', 'Étape'], numbering: 'global' });
}

describe('restoreInto (pure Yjs)', () => {
	it('rewrites a live document to equal a content, as one change that merges into replicas', () => {
		const doc = new Y.Doc();
		importContent(doc, buildTemplate('trois_piliers', { periodStart: 2026, periodEnd: 2029 }));
		const saved = exportContent(doc);
		edit(doc);
		expect(exportContent(doc)).not.toEqual(saved);
		const replica = new Y.Doc();
		sync(doc, replica);
		const updates: Uint8Array[] = [];
		doc.on('update', (u: Uint8Array, origin: unknown) => {
			expect(origin).toBe('restore');
			updates.push(u);
		});
		restoreInto(doc, saved);
		expect(exportContent(doc)).toEqual(saved);
		expect(updates).toHaveLength(1);
		Y.applyUpdate(replica, updates[0]);
		expect(exportContent(replica)).toEqual(saved);
		// restoring the current content changes nothing
		const before = updates.length;
		restoreInto(doc, saved);
		expect(updates.length - before).toBeLessThanOrEqual(1);
		expect(exportContent(doc)).toEqual(saved);
		expect(() => restoreInto(doc, { ...saved, nodes: [{ ...saved.nodes[0], parentId: saved.nodes[0].id }] })).toThrow(
			/ne peut pas être restauré/
		);
		expect(exportContent(doc)).toEqual(saved);
	});
});

describe.each(engines)('SPASER versions (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	let slug: string;
	const doc = new Y.Doc();
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		const rec = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'SPASER versionné',
			periodStart: 2026,
			periodEnd: 2029
		});
		docId = rec.id;
		slug = rec.slug;
		importContent(doc, buildTemplate('quatre_axes', { periodStart: 2026, periodEnd: 2029 }));
	});
	afterAll(() => db?.close());

	it('creates named versions for writers only, with state and content', async () => {
		const v = await createVersion(db, w.editorA, docId, doc, {
			kind: 'named',
			name: '  Version présentée   au COPIL '
		});
		expect(v).toMatchObject({
			kind: 'named',
			name: 'Version présentée au COPIL',
			created_by: w.editorA.id,
			created_by_name: 'Éric Rédacteur',
			published_at: null
		});
		expect((await rejects(createVersion(db, w.editorA, docId, doc, { kind: 'named', name: ' ' }))).message).toMatch(
			/^Donnez un nom à la version/
		);
		expect((await rejects(createVersion(db, w.viewerA, docId, doc, { kind: 'named', name: 'Lecteur' }))).status).toBe(
			403
		);
		expect((await rejects(createVersion(db, w.adminB, docId, doc, { kind: 'named', name: 'Intrus' }))).status).toBe(
			404
		);
		const full = await getVersion(db, w.viewerA, v.id);
		expect(full.content).toEqual(exportContent(doc));
		const replica = new Y.Doc();
		Y.applyUpdate(replica, await getVersionState(db, w.viewerA, v.id));
		expect(exportContent(replica)).toEqual(full.content);
		expect((await rejects(getVersion(db, w.adminB, v.id))).status).toBe(404);
		expect(await listVersions(db, w.adminB, docId)).toEqual([]);
		// the content and state of a version never change
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(`update public.spaser_versions set content = '{}' where id = $1`, [v.id])
			)
		).rejects.toThrow(/permission denied/);
		await expect(
			withUser(db, w.editorA, (tx) =>
				tx.query(
					`insert into public.spaser_versions (document_id, kind, state, content, created_by) values ($1, 'auto', '\\x00', '{}', auth.uid())`,
					[docId]
				)
			)
		).rejects.toThrow(/row-level security/);
	});

	it('takes at most one automatic snapshot per hour, and none without changes', async () => {
		// no change since the named version
		expect(await maybeAutoSnapshot(db, docId, doc)).toBeNull();
		addNode(doc, { title: 'Modification en cours' });
		const auto = await maybeAutoSnapshot(db, docId, doc);
		expect(auto).toMatchObject({ kind: 'auto', name: null, created_by: null });
		addNode(doc, { title: 'Encore une' });
		expect(await maybeAutoSnapshot(db, docId, doc)).toBeNull();
		// an hour passes
		await asService(db, 'test: time passes', (tx) =>
			tx.query(
				`update public.spaser_versions set created_at = created_at - interval '61 minutes' where document_id = $1`,
				[docId]
			)
		);
		const second = await maybeAutoSnapshot(db, docId, doc);
		expect(second?.kind).toBe('auto');
		expect(await maybeAutoSnapshot(db, '00000000-0000-4000-8000-000000000000', doc)).toBeNull();
		const list = await listVersions(db, w.viewerA, docId);
		expect(list.map((v) => v.kind)).toEqual(['auto', 'auto', 'named']);
		expect(list.every((v) => !('content' in v))).toBe(true);
	});

	it('compares versions and restores one as a new change, keeping the previous state', async () => {
		const [latest, , named] = await listVersions(db, w.editorA, docId);
		const cmp = await compareVersions(db, w.viewerA, named.id, latest.id);
		expect(cmp.comparison.added.map((n) => n.title)).toEqual(['Modification en cours', 'Encore une']);
		expect(cmp.comparison.removed).toEqual([]);

		edit(doc);
		const beforeRestore = exportContent(doc);
		const namedContent = (await getVersion(db, w.editorA, named.id)).content;
		expect((await rejects(restoreVersion(db, w.viewerA, docId, doc, named.id))).status).toBe(403);
		expect(exportContent(doc)).toEqual(beforeRestore);
		const { before, restored } = await restoreVersion(db, w.editorA, docId, doc, named.id);
		expect(exportContent(doc)).toEqual(namedContent);
		expect(before.name).toBe('État avant la restauration de la version «\u00a0Version présentée au COPIL\u00a0»');
		expect(restored).toMatchObject({
			kind: 'restored',
			name: 'Restauration de la version «\u00a0Version présentée au COPIL\u00a0»'
		});
		expect((await getVersion(db, w.editorA, before.id)).content).toEqual(beforeRestore);
		expect((await getVersion(db, w.editorA, restored.id)).content).toEqual(namedContent);
		const back = await compareVersions(db, w.editorA, before.id, restored.id);
		expect(back.comparison.added.map((n) => n.title)).toContain(namedContent.nodes[0].title);
		expect(back.comparison.removed.map((n) => n.title)).toContain('Nœud ajouté');
		expect(back.comparison.settingsChanged).toBe(true);
		const other = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'Autre',
			periodStart: 2026,
			periodEnd: 2029
		});
		const otherV = await createVersion(db, w.editorA, other.id, new Y.Doc(), { kind: 'bilan', name: 'Bilan 2027' });
		expect((await rejects(compareVersions(db, w.editorA, named.id, otherV.id))).message).toBe(
			'Les deux versions doivent appartenir au même SPASER.'
		);
		expect((await rejects(restoreVersion(db, w.editorA, docId, doc, otherV.id))).status).toBe(404);
	});

	it('publishes a version of an adopted SPASER on the public page', async () => {
		const v = await createVersion(db, w.editorA, docId, doc, {
			kind: 'named',
			name: 'Version adoptée le 15/12/2025 — délibération n° 2025-12-07'
		});
		expect((await rejects(publishVersion(db, w.editorA, v.id))).code).toBe('not_adopted');
		await updateSpaserMetadata(db, w.editorA, docId, { status: 'en_consultation' });
		await updateSpaserMetadata(db, w.editorA, docId, {
			status: 'adopte',
			adoptedOn: '2025-12-15',
			deliberationRef: 'n° 2025-12-07'
		});
		expect((await rejects(publishVersion(db, w.viewerA, v.id))).status).toBe(403);
		expect(await getPublishedSpaser(db, w.orgA.slug, slug)).toBeNull();
		const published = await publishVersion(db, w.editorA, v.id);
		expect(published.published_at).toBeInstanceOf(Date);
		const page = await getPublishedSpaser(db, w.orgA.slug, slug);
		expect(page).toMatchObject({
			document_id: docId,
			title: 'SPASER versionné',
			org_name: w.orgA.name,
			period_start: 2026,
			period_end: 2029,
			adopted_on: '2025-12-15',
			deliberation_ref: 'n° 2025-12-07',
			version_name: v.name
		});
		expect(page!.content).toEqual(exportContent(doc));
		expect(await getPublishedSpaser(db, w.orgB.slug, slug)).toBeNull();
		expect(await getPublishedSpaser(db, w.orgA.slug, 'inconnu')).toBeNull();
		// anonymous visitors only get the published content through the function
		await expect(withUser(db, null, (tx) => tx.query('select * from public.spaser_versions'))).rejects.toThrow(
			/permission denied/
		);
		await unpublishVersion(db, w.editorA, v.id);
		expect(await getPublishedSpaser(db, w.orgA.slug, slug)).toBeNull();
	});
});
