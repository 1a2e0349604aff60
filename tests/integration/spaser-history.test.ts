// The per-element history (src/lib/server/spaser/history.ts) read from the collaboration log, compacted or not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { appendUpdates, compactDoc } from '../../src/lib/server/collab/persistence';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { getElementHistory, historySlot, MAX_RUNNING, MAX_WAITING } from '../../src/lib/server/spaser/history';
import { restoreElementState } from '../../src/lib/spaser/element-state';
import { addNode, readTree, removeNode, restoreNode, setTarget, setTitle, updateNode } from '../../src/lib/spaser/ydoc';
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

const target = {
	id: 't1',
	indicatorCode: null,
	label: 'Heures d’insertion',
	unit: 'h',
	value: 1000,
	year: 2027,
	milestones: [],
	baselineYear: null,
	relative: false,
	thresholdEurHt: null,
	scope: ''
};

describe.each(engines)('SPASER element history (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	let seq = 0;
	const doc = new Y.Doc();
	/** Stores what `change` does to the document as one row of the log, written by `user` (as the collaboration server does). */
	async function as(user: { id: string } | null, change: () => void, minutesAgo = 0) {
		const before = Y.encodeStateVector(doc);
		change();
		seq++;
		await appendUpdates(db, docId, [{ seq, update: Y.encodeStateAsUpdate(doc, before), userId: user?.id ?? null }]);
		if (minutesAgo)
			await asService(db, 'test: backdate', (tx) =>
				tx.query(
					`update public.collab_updates set created_at = now() - make_interval(mins => $3) where doc_id = $1 and seq = $2`,
					[docId, seq, minutesAgo]
				)
			);
	}
	let axe: string;
	let chantier: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		docId = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER historisé',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		await as(
			w.editorA,
			() => {
				axe = addNode(doc, { title: 'Axe social' });
				chantier = addNode(doc, { parentId: axe, title: 'Insertion' });
			},
			60
		);
		await as(w.editorA, () => setTitle(doc, chantier, 'Insertion professionnelle'), 59);
		// merged into the snapshot: the rows go to the archive, not away
		expect((await compactDoc(db, docId)).merged).toBe(2);
		await as(w.adminA, () => setTarget(doc, chantier, target), 40);
		await as(w.adminA, () => updateNode(doc, chantier, { status: 'en_cours' }), 38);
		await as(w.editorA, () => setTitle(doc, axe, 'Axe social et solidaire'), 30);
		await as(w.editorA, () => removeNode(doc, axe, { id: w.editorA.id, name: 'Éric Rédacteur' }), 20);
		await as(w.adminA, () => restoreNode(doc, axe), 10);
	});
	afterAll(() => db?.close());

	it('lists who changed an element, what and when, most recent first, across compaction', async () => {
		const h = await getElementHistory(db, w.viewerA, docId, chantier);
		expect(h.complete).toBe(true);
		expect(h.entries.map((e) => [e.userName, e.changes])).toEqual([
			['Alice Admin', ['targets', 'fields']],
			['Éric Rédacteur', ['created', 'title']]
		]);
		expect(h.entries[1].state.title).toBe('Insertion professionnelle');
		expect(h.entries[0].state.targets.map((t) => t.label)).toEqual(['Heures d’insertion']);
		const a = await getElementHistory(db, w.adminA, docId, axe);
		expect(a.entries.map((e) => [e.userName, e.changes])).toEqual([
			['Alice Admin', ['restored']],
			// 10 minutes apart: two entries (the same person's changes within 5 minutes make one)
			['Éric Rédacteur', ['deleted']],
			['Éric Rédacteur', ['title']],
			['Éric Rédacteur', ['created']]
		]);
	});

	it('rétablir: the element as it was, written through the Y.Doc as one change', async () => {
		const h = await getElementHistory(db, w.editorA, docId, chantier);
		const copy = new Y.Doc();
		Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
		expect(restoreElementState(copy, chantier, h.entries[1].state, null)).toBe(true);
		const n = readTree(copy).find((x) => x.id === chantier)!;
		expect([n.title, n.status, n.targets]).toEqual(['Insertion professionnelle', 'a_lancer', []]);
		expect(readTree(copy).map((x) => x.id)).toEqual([axe, chantier]);
	});

	it('refuses outsiders and bad input, and keeps the log out of users’ reach', async () => {
		expect((await rejects(getElementHistory(db, w.adminB, docId, chantier))).status).toBe(404);
		expect((await rejects(getElementHistory(db, w.viewerA, docId, 'pas-un-id'))).status).toBe(400);
		// a viewer reads it; someone of another collectivité does not, and neither does an unshared network's animator
		expect((await getElementHistory(db, w.viewerA, docId, chantier)).entries.length).toBe(2);
		expect((await rejects(getElementHistory(db, w.animator, docId, chantier))).status).toBe(404);
		await expect(
			withUser(db, w.adminA, (tx) => tx.query('select * from public.collab_updates_archive'))
		).rejects.toThrow(/permission denied/);
		await expect(withUser(db, w.adminA, (tx) => tx.query('delete from public.collab_updates_archive'))).rejects.toThrow(
			/permission denied/
		);
	});

	it('starts from the snapshot a document had before the archive existed', async () => {
		const other = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER ancien',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		const old = new Y.Doc();
		const id = addNode(old, { title: 'Ancien titre' });
		// what an earlier compaction left: a snapshot, its rows erased
		await asService(db, 'test: old snapshot', (tx) =>
			tx.query(`insert into public.collab_snapshots (doc_id, state, upto_seq) values ($1, $2::bytea, 7)`, [
				other,
				Y.encodeStateAsUpdate(old)
			])
		);
		const before = Y.encodeStateVector(old);
		setTitle(old, id, 'Titre retouché');
		await appendUpdates(db, other, [{ seq: 8, update: Y.encodeStateAsUpdate(old, before), userId: w.adminA.id }]);
		await compactDoc(db, other);
		const h = await getElementHistory(db, w.editorA, other, id);
		expect(h.entries.map((e) => [e.userName, e.changes, e.state.title])).toEqual([
			['Alice Admin', ['title'], 'Titre retouché']
		]);
		// deleting the SPASER deletes its archive too
		await asService(db, 'test: delete', (tx) => tx.query('delete from public.spaser_documents where id = $1', [other]));
		const [{ n }] = await asService(db, 'test: count', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.collab_updates_archive where doc_id = $1', [other])
		);
		expect(n).toBe(0);
	});
});

describe('history replays share the server', () => {
	it('run at most MAX_RUNNING at once, queue MAX_WAITING more, and refuse the rest with a French 429', async () => {
		const releases: (() => void)[] = [];
		let started = 0;
		const task = () =>
			historySlot(async () => {
				started++;
				await new Promise<void>((r) => releases.push(r));
			});
		const accepted = Array.from({ length: MAX_RUNNING + MAX_WAITING }, task);
		const refused = await rejects(task());
		expect([refused.status, refused.message]).toEqual([
			429,
			'Trop de demandes d’historique en ce moment\u00a0: réessayez dans quelques secondes.'
		]);
		await new Promise((r) => setImmediate(r));
		expect(started).toBe(MAX_RUNNING);
		while (releases.length) {
			releases.shift()!();
			await new Promise((r) => setImmediate(r));
		}
		await Promise.all(accepted);
		expect(started).toBe(MAX_RUNNING + MAX_WAITING);
	});
});
