import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { createSpaserRecord, setSharingWithNetworks } from '../../src/lib/server/spaser/documents';
import {
	createProjectionScheduler,
	projectDocument,
	type ProjectionResult
} from '../../src/lib/server/spaser/projection';
import { richToText } from '../../src/lib/spaser/rich';
import { buildTemplate } from '../../src/lib/spaser/templates';
import { addNode, bodyFragment, importContent, readTree, removeNode, setTitle } from '../../src/lib/spaser/ydoc';
import { setFragmentJson } from '../../src/lib/spaser/rich';
import { engines, openTestDb } from '../helpers/engines';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

interface NodeRow {
	node_id: string;
	parent_id: string | null;
	position: number;
	depth: number;
	number: string;
	label: string;
	level_name: string;
	title: string;
	body_text: string;
	body_json: unknown;
	kind: string;
	resources: string[];
}

describe.each(engines)('SPASER projection (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	const doc = new Y.Doc();
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		docId = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER projeté',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		importContent(doc, buildTemplate('trois_piliers', { periodStart: 2026, periodEnd: 2029 }));
	});
	afterAll(() => db?.close());

	const nodesAs = (actor: SpaserWorld[keyof SpaserWorld] | null) =>
		withUser(db, actor as never, (tx) =>
			tx.query<NodeRow>('select * from public.spaser_nodes where document_id = $1 order by position', [docId])
		);
	const targetsAs = (actor: SpaserWorld[keyof SpaserWorld] | null) =>
		withUser(db, actor as never, (tx) =>
			tx.query<{
				node_id: string;
				target_id: string;
				value: string | number;
				milestones: { year: number; value: number }[];
				indicator_code: string;
			}>('select * from public.spaser_targets where document_id = $1', [docId])
		);

	it('writes nodes and targets in document order, readable by members only', async () => {
		const first = readTree(doc)[1];
		setFragmentJson(bodyFragment(doc, first.id), [
			{
				type: 'paragraph',
				content: [
					{ type: 'text', text: 'Texte du ' },
					{ type: 'text', text: 'corps', marks: [{ type: 'bold' }] }
				]
			}
		]);
		const result = await projectDocument(db, docId, doc);
		const tree = readTree(doc, { withBody: true });
		const targetCount = tree.reduce((n, t) => n + t.targets.length, 0);
		expect(result).toEqual({ written: true, nodes: tree.length, targets: targetCount });

		const rows = await nodesAs(w.viewerA);
		expect(rows.map((r) => r.node_id)).toEqual(tree.map((n) => n.id));
		expect(rows.map((r) => r.position)).toEqual(tree.map((_n, i) => i));
		expect(rows.map((r) => r.label)).toEqual(tree.map((n) => n.label));
		expect(rows.map((r) => r.parent_id)).toEqual(tree.map((n) => n.parentId));
		expect(rows[0]).toMatchObject({
			depth: 1,
			number: '1',
			level_name: 'Pilier',
			label: 'Pilier 1',
			title: 'Pilier environnemental'
		});
		const r1 = rows.find((r) => r.node_id === first.id)!;
		expect(r1.body_text).toBe('Texte du corps');
		expect(r1.body_json).toEqual([
			{
				type: 'paragraph',
				content: [
					{ type: 'text', text: 'Texte du ' },
					{ type: 'text', text: 'corps', marks: [{ type: 'bold' }] }
				]
			}
		]);
		for (const n of tree) expect(rows.find((r) => r.node_id === n.id)!.body_text).toBe(richToText(n.body));
		expect(rows.some((r) => r.kind === 'action_bonus')).toBe(true);
		expect(rows.some((r) => r.depth === 4 && r.level_name === 'Sous-action')).toBe(true);

		const targets = await targetsAs(w.viewerA);
		expect(targets).toHaveLength(targetCount);
		const egalim = targets.find((t) => t.indicator_code === 'CAN-ALIM-01')!;
		expect(Number(egalim.value)).toBe(50);
		const withMilestones = targets.find((t) => t.milestones.length)!;
		expect(withMilestones.milestones[0].year).toBeGreaterThanOrEqual(2026);

		// outsiders, network animators (not shared) and anonymous visitors read nothing
		expect(await nodesAs(w.adminB)).toEqual([]);
		expect(await targetsAs(w.adminB)).toEqual([]);
		expect(await nodesAs(w.animator)).toEqual([]);
		await expect(nodesAs(null)).rejects.toThrow(/permission denied/);
		await setSharingWithNetworks(db, w.editorA, docId, true);
		expect(await nodesAs(w.animator)).toHaveLength(tree.length);
		// users cannot write the projection
		await expect(
			withUser(db, w.editorA, (tx) => tx.query('delete from public.spaser_nodes where document_id = $1', [docId]))
		).rejects.toThrow(/permission denied/);
		const [{ projected_at }] = await asService(db, 't', (tx) =>
			tx.query<{ projected_at: Date | null }>('select projected_at from public.spaser_documents where id = $1', [docId])
		);
		expect(projected_at).not.toBeNull();
	});

	it('replaces the projection after changes and skips deleted documents', async () => {
		const tree = readTree(doc);
		removeNode(doc, tree[0].id); // a whole pilier
		setTitle(doc, tree.at(-1)!.id, 'Nouveau titre');
		await projectDocument(db, docId, doc);
		const rows = await nodesAs(w.editorA);
		expect(rows.map((r) => r.node_id)).toEqual(readTree(doc).map((n) => n.id));
		expect(rows.at(-1)!.title).toBe('Nouveau titre');
		expect(rows[0].label).toBe('Pilier 1');
		expect(await projectDocument(db, '00000000-0000-4000-8000-000000000000', doc)).toEqual({
			written: false,
			nodes: 0,
			targets: 0
		});
	});

	it('debounces projections per document', async () => {
		const projected: ProjectionResult[] = [];
		let loads = 0;
		const scheduler = createProjectionScheduler(
			db,
			(id) => {
				loads++;
				return id === docId ? doc : undefined;
			},
			80,
			{ onProjected: (_id, r) => projected.push(r) }
		);
		const extra: string[] = [];
		for (let i = 0; i < 5; i++) {
			extra.push(addNode(doc, { title: `Ajout ${i}` }));
			scheduler.schedule(docId);
			await new Promise((r) => setTimeout(r, 10));
		}
		expect(scheduler.pending()).toEqual([docId]);
		await new Promise((r) => setTimeout(r, 300));
		expect(projected).toHaveLength(1);
		expect(loads).toBe(1);
		expect(scheduler.pending()).toEqual([]);
		expect((await nodesAs(w.viewerA)).slice(-5).map((r) => r.title)).toEqual([
			'Ajout 0',
			'Ajout 1',
			'Ajout 2',
			'Ajout 3',
			'Ajout 4'
		]);

		// flush runs a pending projection at once; unknown documents are skipped
		setTitle(doc, extra[0], 'Ajout renommé');
		scheduler.schedule(docId);
		scheduler.schedule('00000000-0000-4000-8000-000000000000');
		await scheduler.flush();
		expect(projected).toHaveLength(2);
		expect((await nodesAs(w.viewerA)).find((r) => r.node_id === extra[0])!.title).toBe('Ajout renommé');
		scheduler.schedule(docId);
		scheduler.cancel(docId);
		await scheduler.close();
		scheduler.schedule(docId);
		expect(scheduler.pending()).toEqual([]);
		expect(projected).toHaveLength(2);
	});
});
