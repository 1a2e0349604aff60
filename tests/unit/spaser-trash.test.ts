import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { richToText, setFragmentJson } from '../../src/lib/spaser/rich';
import {
	addNode,
	bodyFragment,
	exportContent,
	listTrash,
	readTree,
	removeNode,
	restoreNode,
	setLink,
	setTarget,
	setTitle
} from '../../src/lib/spaser/ydoc';

const alice = { id: '00000000-0000-4000-8000-00000000000a', name: 'Alice' };

function target(id: string, label: string) {
	return {
		id,
		indicatorCode: null,
		label,
		unit: '%',
		value: 30,
		year: 2027,
		milestones: [],
		baselineYear: null,
		relative: false,
		thresholdEurHt: null,
		scope: ''
	};
}

/** Axe 1 (Chantier 1 with a target and a body, Chantier 2), Axe 2 linking to Chantier 1. */
function sample() {
	const doc = new Y.Doc();
	const a1 = addNode(doc, { title: 'Axe social' });
	const c1 = addNode(doc, { parentId: a1, title: 'Insertion' });
	const c2 = addNode(doc, { parentId: a1, title: 'Handicap' });
	const a2 = addNode(doc, { title: 'Axe environnement' });
	setTarget(doc, c1, target('t1', 'Heures d’insertion'));
	setFragmentJson(bodyFragment(doc, c1), [
		{ type: 'paragraph', content: [{ type: 'text', text: 'Texte du chantier' }] }
	]);
	setLink(doc, a2, c1, true);
	setLink(doc, a2, '/ressources/clauses/insertion', true);
	return { doc, a1, c1, c2, a2 };
}

describe('the Corbeille (soft delete)', () => {
	it('hides a deleted element and its subtree from every reader, numbering and links included', () => {
		const { doc, a1, c1, a2 } = sample();
		removeNode(doc, a1, alice);
		const tree = readTree(doc);
		expect(tree.map((n) => n.title)).toEqual(['Axe environnement']);
		expect(tree[0].label).toBe('Axe 1');
		// the link to the deleted element is hidden, the link to a resource stays
		expect(tree[0].links).toEqual(['/ressources/clauses/insertion']);
		const content = exportContent(doc);
		expect(content.nodes.map((n) => n.id)).toEqual([a2]);
		expect(JSON.stringify(content)).not.toContain('Insertion');
		expect(listTrash(doc)).toEqual([
			{
				id: a1,
				title: 'Axe social',
				deletedAt: expect.any(Number),
				deletedBy: alice,
				descendants: 2,
				deletedParentId: null
			}
		]);
		void c1;
	});

	it('restores an element at its place with its subtree, body, targets and the links to it', () => {
		const { doc, a1, c1, a2 } = sample();
		const before = readTree(doc, { withBody: true });
		removeNode(doc, a1, alice);
		addNode(doc, { title: 'Axe ajouté entre-temps' });
		restoreNode(doc, a1);
		const after = readTree(doc, { withBody: true });
		expect(after.slice(0, 4)).toEqual(before);
		expect(after.find((n) => n.id === c1)!.targets.map((t) => t.label)).toEqual(['Heures d’insertion']);
		expect(richToText(after.find((n) => n.id === c1)!.body)).toContain('Texte du chantier');
		expect(after.find((n) => n.id === a2)!.links).toEqual([c1, '/ressources/clauses/insertion']);
		expect(listTrash(doc)).toEqual([]);
	});

	it('says when the parent is deleted too, and restores with it on request', () => {
		const { doc, a1, c1 } = sample();
		removeNode(doc, c1, alice);
		removeNode(doc, a1, alice);
		const entry = listTrash(doc).find((e) => e.id === c1)!;
		expect(entry.deletedParentId).toBe(a1);
		restoreNode(doc, c1);
		expect(readTree(doc).some((n) => n.id === c1)).toBe(false);
		restoreNode(doc, c1, { withAncestors: true });
		expect(
			readTree(doc)
				.filter((n) => n.id === a1 || n.id === c1)
				.map((n) => n.label)
		).toEqual(['Axe 1', 'Chantier 1']);
	});

	it('keeps a colleague’s concurrent edit to a deleted element for when it comes back', () => {
		const { doc, c1 } = sample();
		const other = new Y.Doc();
		Y.applyUpdate(other, Y.encodeStateAsUpdate(doc));
		removeNode(doc, c1, alice);
		setTitle(other, c1, 'Insertion renforcée');
		Y.applyUpdate(doc, Y.encodeStateAsUpdate(other));
		expect(readTree(doc).some((n) => n.id === c1)).toBe(false);
		restoreNode(doc, c1);
		expect(readTree(doc).find((n) => n.id === c1)!.title).toBe('Insertion renforcée');
	});
});
