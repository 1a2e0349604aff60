import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyDelta } from '../../src/lib/spaser/ybinding';
import { createUndo, undoKey } from '../../src/lib/spaser/undo';
import {
	LocalOrigin,
	addNode,
	listTrash,
	moveNode,
	nodeText,
	readTree,
	removeNode,
	setTarget,
	setTitle,
	updateNode,
	writeSettings
} from '../../src/lib/spaser/ydoc';

/** Two people on one document, kept in sync like the collaboration server does. */
function pair() {
	const a = new Y.Doc();
	const b = new Y.Doc();
	a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
	b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
	return { a, b };
}

const target = {
	id: 't1',
	indicatorCode: null,
	label: 'Heures',
	unit: 'h',
	value: 100,
	year: 2027,
	milestones: [],
	baselineYear: null,
	relative: false,
	thresholdEurHt: null,
	scope: ''
};

describe('undo per person', () => {
	it('undoes and redoes a deletion: the element comes back with its subtree and targets', () => {
		const doc = new Y.Doc();
		const undo = createUndo(doc, { captureTimeout: 0 });
		const axe = addNode(doc, { title: 'Axe' });
		const ch = addNode(doc, { parentId: axe, title: 'Chantier' });
		setTarget(doc, ch, target);
		const before = readTree(doc, { withBody: true });
		removeNode(doc, axe, { id: 'u', name: 'Alice' });
		expect(readTree(doc)).toEqual([]);
		expect(undo.undo()).toBe(true);
		expect(readTree(doc, { withBody: true })).toEqual(before);
		expect(listTrash(doc)).toEqual([]);
		expect(undo.redo()).toBe(true);
		expect(readTree(doc)).toEqual([]);
		undo.destroy();
	});

	it('never undoes a colleague’s change, and keeps it when undoing one’s own', () => {
		const { a, b } = pair();
		const undoA = createUndo(a, { captureTimeout: 0 });
		const undoB = createUndo(b, { captureTimeout: 0 });
		const id = addNode(a, { title: 'Axe' });
		const other = addNode(a, { title: 'Autre' });
		undoA.stopCapturing();
		removeNode(a, id, null);
		setTitle(b, other, 'Autre, corrigé par Bob');
		updateNode(b, id, { status: 'en_cours' });
		expect(undoB.manager.undoStack.length).toBe(2);
		// Alice undoes her deletion: Bob's edits stay
		undoA.undo();
		const tree = readTree(a);
		expect(tree.map((n) => n.title)).toEqual(['Axe', 'Autre, corrigé par Bob']);
		expect(tree[0].status).toBe('en_cours');
		expect(readTree(b)).toEqual(tree);
		// Bob's undo stack is only his own: nothing of Alice's is in it
		undoB.undo();
		undoB.undo();
		expect(undoB.undo()).toBe(false);
		expect(readTree(a).map((n) => [n.title, n.status])).toEqual([
			['Axe', 'a_lancer'],
			['Autre', 'a_lancer']
		]);
	});

	it('tracks typing in short fields, moves and settings, each structural change a step of its own', () => {
		const doc = new Y.Doc();
		const undo = createUndo(doc);
		const x = addNode(doc, { title: 'X' });
		const y = addNode(doc, { title: 'Y' });
		const title = nodeText(doc, x, 'title')!;
		applyDelta(title, { index: 1, remove: 0, insert: 'yz' }, new LocalOrigin('field'));
		moveNode(doc, y, null, null);
		writeSettings(doc, { numbering: 'per_parent' });
		undo.undo();
		expect(readTree(doc).map((n) => n.title)).toEqual(['Y', 'Xyz']);
		undo.undo();
		expect(readTree(doc).map((n) => n.title)).toEqual(['Xyz', 'Y']);
		undo.undo();
		expect(readTree(doc).map((n) => n.title)).toEqual(['X', 'Y']);
	});

	it('ignores changes that are not this page’s own (remote, upgrade)', () => {
		const doc = new Y.Doc();
		const undo = createUndo(doc);
		const states: boolean[] = [];
		undo.subscribe((s) => states.push(s.canUndo));
		doc.transact(() => doc.getMap('nodes').set('n', new Y.Map()), 'remote');
		expect(undo.undo()).toBe(false);
		addNode(doc, { title: 'A' });
		expect(states).toEqual([false, true]);
	});

	it('reads the keyboard shortcuts', () => {
		const k = (key: string, o: Partial<KeyboardEvent> = {}) =>
			undoKey({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...o });
		expect(k('z', { ctrlKey: true })).toBe('undo');
		expect(k('Z', { metaKey: true, shiftKey: true })).toBe('redo');
		expect(k('y', { ctrlKey: true })).toBe('redo');
		expect(k('z')).toBe(null);
		expect(k('z', { ctrlKey: true, altKey: true })).toBe(null);
	});
});

describe('after an undo', () => {
	it('tells which elements changed, so the editor can show them', () => {
		const doc = new Y.Doc();
		const undo = createUndo(doc);
		const a = addNode(doc, { title: 'A' });
		const b = addNode(doc, { title: 'B' });
		const t = nodeText(doc, b, 'title')!;
		applyDelta(t, { index: 1, remove: 0, insert: '!' }, new LocalOrigin('field'));
		const seen: [string[], string][] = [];
		undo.onApplied((ids, kind) => seen.push([ids, kind]));
		undo.undo();
		removeNode(doc, a, null);
		undo.undo();
		undo.redo();
		expect(seen).toEqual([
			[[b], 'undo'],
			[[a], 'undo'],
			[[a], 'redo']
		]);
	});
});
