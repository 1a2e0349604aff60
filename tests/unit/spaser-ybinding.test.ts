import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyDelta, captureSelection, diffAtCaret, restoreSelection, yText } from '../../src/lib/spaser/ybinding';
import {
	addNode,
	exportContent,
	importContent,
	nodeText,
	readSettings,
	readTree,
	setLink,
	setTarget,
	targetText,
	updateNode,
	upgradeLegacyFields,
	writeSettings
} from '../../src/lib/spaser/ydoc';
import { restoreInto } from '../../src/lib/server/spaser/versions';
import type { Target } from '../../src/lib/spaser/model';

const apply = (s: string, d: ReturnType<typeof diffAtCaret>) =>
	d ? s.slice(0, d.index) + d.insert + s.slice(d.index + d.remove) : s;

describe('diffAtCaret', () => {
	it('finds the minimal change, placed by the caret among repeated characters', () => {
		expect(diffAtCaret('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
		expect(diffAtCaret('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' });
		expect(diffAtCaret('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
		expect(diffAtCaret('aa', 'aaa', null)).toEqual({ index: 2, remove: 0, insert: 'a' });
		// backspace in a run of the same letter: the caret says which one went
		expect(diffAtCaret('abbbc', 'abbc', 1 + 1)).toEqual({ index: 2, remove: 1, insert: '' });
		// a selection replaced by a paste
		expect(diffAtCaret('Axe climat', 'Axe sobriété', 12)).toEqual({ index: 4, remove: 6, insert: 'sobriété' });
		expect(diffAtCaret('même', 'même', 4)).toBeNull();
		for (const [a, b, c] of [
			['', 'x', 1],
			['x', '', 0],
			['abcabc', 'abXcabc', 3],
			['abc', 'abc!', 4],
			['  ', '   ', 2]
		] as const)
			expect(apply(a, diffAtCaret(a, b, c))).toBe(b);
	});
});

describe('relative positions of the caret', () => {
	it('follow the text they are in when a colleague types before them, and stay before a colleague typing at the caret', () => {
		const a = new Y.Doc();
		const ta = a.getText('t');
		ta.insert(0, 'Titre commun');
		const sel = captureSelection(ta, 6, 6); // « Titre |commun »
		ta.insert(0, 'Le ');
		expect(restoreSelection(ta, sel)).toEqual([9, 9]);
		const atCaret = captureSelection(ta, 9, 9);
		ta.insert(9, 'XY');
		expect(restoreSelection(ta, atCaret)).toEqual([9, 9]);
	});
});

// The action, on a minimal stand-in for an <input> (the only DOM it uses: value, selection, input events, focus).
class FakeInput {
	value = '';
	selectionStart = 0;
	selectionEnd = 0;
	private listeners: (() => void)[] = [];
	addEventListener(_t: string, f: () => void) {
		this.listeners.push(f);
	}
	removeEventListener(_t: string, f: () => void) {
		this.listeners = this.listeners.filter((l) => l !== f);
	}
	setSelectionRange(s: number, e: number) {
		this.selectionStart = s;
		this.selectionEnd = e;
	}
	/** Types `s` at the caret, as the browser would, then fires « input ». */
	type(s: string) {
		this.value = this.value.slice(0, this.selectionStart) + s + this.value.slice(this.selectionEnd);
		this.selectionStart = this.selectionEnd = this.selectionStart + s.length;
		for (const l of this.listeners) l();
	}
	backspace() {
		if (this.selectionStart === 0) return;
		this.value = this.value.slice(0, this.selectionStart - 1) + this.value.slice(this.selectionEnd);
		this.selectionStart = this.selectionEnd = this.selectionStart - 1;
		for (const l of this.listeners) l();
	}
}

const g = globalThis as unknown as { document?: { activeElement: unknown } };
afterEach(() => delete g.document);

function pair() {
	const a = new Y.Doc();
	const b = new Y.Doc();
	const queues = { ab: [] as Uint8Array[], ba: [] as Uint8Array[] };
	a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && queues.ab.push(u));
	b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && queues.ba.push(u));
	const flush = (dir: 'ab' | 'ba', n = Infinity) => {
		const q = queues[dir];
		for (let i = 0; i < n && q.length; i++) Y.applyUpdate(dir === 'ab' ? b : a, q.shift()!, 'remote');
	};
	return { a, b, flush };
}

describe('yText binding', () => {
	it('shows a colleague’s change in the focused field at once and keeps the caret; the next keystroke writes nothing stale', () => {
		const { a, b, flush } = pair();
		a.getText('title').insert(0, 'Achats responsables');
		flush('ab');
		const field = new FakeInput();
		g.document = { activeElement: field };
		const binding = yText(field as unknown as HTMLInputElement, { text: a.getText('title') });
		expect(field.value).toBe('Achats responsables');
		field.setSelectionRange(6, 6); // after « Achats »
		// B types at the start and at the end while A's caret is in the middle
		applyDelta(b.getText('title'), { index: 0, remove: 0, insert: 'Les ' }, null);
		applyDelta(b.getText('title'), { index: 23, remove: 0, insert: ' 2026' }, null);
		flush('ba');
		expect(field.value).toBe('Les Achats responsables 2026');
		expect([field.selectionStart, field.selectionEnd]).toEqual([10, 10]);
		field.type(' publics');
		flush('ab');
		expect(a.getText('title').toString()).toBe('Les Achats publics responsables 2026');
		expect(b.getText('title').toString()).toBe('Les Achats publics responsables 2026');
		binding.destroy();
		// once unbound, remote changes no longer touch the field
		applyDelta(b.getText('title'), { index: 0, remove: 4, insert: '' }, null);
		flush('ba');
		expect(field.value).toBe('Les Achats publics responsables 2026');
	});

	it('two people typing into the same field, 20 keystrokes each, interleaved with delayed delivery: identical, nothing lost', () => {
		const { a, b, flush } = pair();
		const fa = new FakeInput();
		const fb = new FakeInput();
		yText(fa as unknown as HTMLInputElement, { text: a.getText('title') });
		yText(fb as unknown as HTMLInputElement, { text: b.getText('title') });
		const typedA: string[] = [];
		const typedB: string[] = [];
		for (let i = 0; i < 20; i++) {
			g.document = { activeElement: fa };
			fa.setSelectionRange(fa.value.length, fa.value.length);
			const ca = String.fromCharCode(97 + (i % 26));
			fa.type(ca);
			typedA.push(ca);
			g.document = { activeElement: fb };
			fb.setSelectionRange(fb.value.length, fb.value.length);
			const cb = String.fromCharCode(65 + (i % 26));
			fb.type(cb);
			typedB.push(cb);
			if (i % 3 === 0) {
				// B corrects a letter: it goes and comes back
				fb.backspace();
				fb.type(cb);
			}
			// deliver some of the queued changes, not all: each side keeps typing on a stale copy
			flush('ab', i % 2 ? 1 : 2);
			flush('ba', i % 2 ? 2 : 1);
		}
		flush('ab');
		flush('ba');
		expect(fa.value).toBe(fb.value);
		expect(a.getText('title').toString()).toBe(fa.value);
		expect(fa.value.replace(/[^a-z]/g, '')).toBe(typedA.join(''));
		expect(fa.value.replace(/[^A-Z]/g, '')).toBe(typedB.join(''));
		expect(fa.value).toHaveLength(40);
	});
});

const N1 = '0a6d4c1e-5f0b-4c41-9d0e-1a2b3c4d5e01';
const N2 = '0a6d4c1e-5f0b-4c41-9d0e-1a2b3c4d5e03';
const T1 = '0a6d4c1e-5f0b-4c41-9d0e-1a2b3c4d5e02';
const target = (over: Partial<Target> = {}): Target => ({
	id: T1,
	indicatorCode: 'ACH-01',
	label: 'Part des marchés',
	unit: '%',
	value: 30,
	year: 2026,
	milestones: [{ year: 2025, value: 20 }],
	baselineYear: null,
	relative: false,
	thresholdEurHt: null,
	scope: 'Tous les marchés',
	...over
});

/** A document as written before every short field was a Y.Text. */
function legacyDoc() {
	const doc = new Y.Doc();
	doc.transact(() => {
		doc.getMap('settings').set('levelNames', ['Pilier', 'Objectif', 'Action']);
		doc.getMap('settings').set('numbering', 'global');
		const n = new Y.Map<unknown>();
		n.set('parentId', null);
		n.set('order', 'a0');
		const title = new Y.Text();
		title.insert(0, 'Axe ancien');
		n.set('title', title);
		n.set('body', new Y.XmlFragment());
		n.set('kind', 'normal');
		n.set('status', 'a_lancer');
		n.set('pilot', 'Direction des achats');
		n.set('resources', ['DRH', 'Finances']);
		n.set('tools', ['Clauses']);
		n.set('links', [N2]);
		const targets = new Y.Map<unknown>();
		targets.set(T1, target());
		n.set('targets', targets);
		doc.getMap('nodes').set(N1, n);
		const other = new Y.Map<unknown>();
		other.set('parentId', null);
		other.set('order', 'a1');
		other.set('title', new Y.Text('Autre axe'));
		doc.getMap('nodes').set(N2, other);
	});
	return doc;
}

describe('short fields as Y.Text, with documents written the old way', () => {
	it('reads old documents, converts them without changing their content, and keeps export → import lossless', () => {
		const doc = legacyDoc();
		const before = exportContent(doc);
		expect(before.settings.levelNames).toEqual(['Pilier', 'Objectif', 'Action']);
		expect(before.nodes[0]).toMatchObject({
			pilot: 'Direction des achats',
			resources: ['DRH', 'Finances'],
			tools: ['Clauses'],
			links: [N2],
			targets: [target()]
		});
		expect(nodeText(doc, N1, 'pilot')).toBeNull();
		expect(upgradeLegacyFields(doc)).toBe(true);
		expect(upgradeLegacyFields(doc)).toBe(false);
		expect(exportContent(doc)).toEqual(before);
		expect(nodeText(doc, N1, 'pilot')?.toString()).toBe('Direction des achats');
		expect(targetText(doc, N1, T1, 'label')?.toString()).toBe('Part des marchés');
		const copy = new Y.Doc();
		importContent(copy, exportContent(doc));
		expect(exportContent(copy)).toEqual(before);
		expect(nodeText(copy, N1, 'resources')?.toString()).toBe('DRH, Finances');
	});

	it('merges two people’s changes to different fields of one target, and concurrent typing in one field', () => {
		const { a, b, flush } = pair();
		const id = addNode(a, { title: 'Action', targets: [target()] });
		flush('ab');
		setTarget(a, id, { ...target(), value: 45 });
		setTarget(b, id, { ...target(), scope: 'Marchés de travaux' });
		applyDelta(targetText(a, id, T1, 'label')!, { index: 0, remove: 0, insert: 'Nouvelle ' }, null);
		applyDelta(targetText(b, id, T1, 'label')!, { index: 16, remove: 0, insert: ' responsables' }, null);
		flush('ab');
		flush('ba');
		// two people link the element to two different others at the same time: both links stay
		const x = addNode(a, { title: 'X' });
		const y = addNode(a, { title: 'Y' });
		flush('ab');
		setLink(a, id, x, true);
		setLink(b, id, y, true);
		flush('ab');
		flush('ba');
		expect(
			readTree(a)
				.find((n) => n.id === id)
				?.links.sort()
		).toEqual([x, y].sort());
		setLink(b, id, x, false);
		flush('ba');
		expect(readTree(a).find((n) => n.id === id)?.links).toEqual([y]);
		const t = readTree(a).find((n) => n.id === id)!.targets[0];
		expect(t).toMatchObject({
			value: 45,
			scope: 'Marchés de travaux',
			label: 'Nouvelle Part des marchés responsables'
		});
		expect(readTree(b).find((n) => n.id === id)!.targets[0]).toEqual(t);
	});

	it('level names: one person renames a level while another renames another one; a version restore still works', () => {
		const { a, b, flush } = pair();
		writeSettings(a, { levelNames: ['Axe', 'Chantier', 'Action'] });
		addNode(a, { title: 'Un', pilot: 'DAJ' });
		flush('ab');
		const saved = exportContent(a);
		applyDelta(
			b.getMap('settings').get('levelNames') instanceof Y.Array
				? (b.getMap('settings').get('levelNames') as Y.Array<Y.Text>).get(0)
				: new Y.Text(),
			{ index: 3, remove: 0, insert: ' stratégique' },
			null
		);
		applyDelta(
			(a.getMap('settings').get('levelNames') as Y.Array<Y.Text>).get(1),
			{ index: 0, remove: 8, insert: 'Objectif' },
			null
		);
		updateNode(a, readTree(a)[0].id, { pilot: 'DAJ et DRH', resources: ['Finances'] });
		flush('ab');
		flush('ba');
		expect(readSettings(a).levelNames).toEqual(['Axe stratégique', 'Objectif', 'Action']);
		expect(readSettings(b)).toEqual(readSettings(a));
		restoreInto(a, saved);
		expect(exportContent(a)).toEqual(saved);
		const legacy = legacyDoc();
		const old = exportContent(legacy);
		restoreInto(legacy, { ...old, nodes: [{ ...old.nodes[0], pilot: 'DAJ', targets: [target({ label: 'Autre' })] }] });
		expect(readTree(legacy)[0]).toMatchObject({
			pilot: 'DAJ',
			resources: ['DRH', 'Finances'],
			targets: [target({ label: 'Autre' })]
		});
	});
});
