import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { jitter, keyBetween } from '../../src/lib/spaser/order';
import { fragmentToJson, richToHtml, richToText, setFragmentJson } from '../../src/lib/spaser/rich';
import {
	addNode,
	bodyFragment,
	exportContent,
	importContent,
	moveNode,
	nodesMap,
	readTree,
	removeNode,
	setTitle,
	writeSettings
} from '../../src/lib/spaser/ydoc';

describe('fractional order keys', () => {
	it('always finds a key strictly between two keys', () => {
		let lo: string | null = null;
		let hi: string | null = null;
		const keys: string[] = [];
		for (let i = 0; i < 200; i++) {
			const k = keyBetween(lo, hi);
			if (lo !== null) expect(k > lo).toBe(true);
			if (hi !== null) expect(k < hi).toBe(true);
			keys.push(k);
			if (i % 2) lo = k;
			else hi = k;
		}
		expect(new Set(keys).size).toBe(keys.length);
		const j = jitter('m');
		expect(j > 'm' && j < 'n').toBe(true);
	});
});

function sync(a: Y.Doc, b: Y.Doc) {
	Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
	Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('SPASER Y.Doc model', () => {
	it('numbers globally or per parent with the level names of the SPASER', () => {
		const doc = new Y.Doc();
		writeSettings(doc, { levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' });
		const a1 = addNode(doc, { title: 'Transformation écologique' });
		const a2 = addNode(doc, { title: 'Inclusion sociale' });
		const c1 = addNode(doc, { parentId: a1, title: 'Sobriété' });
		addNode(doc, { parentId: a2, title: 'Clauses sociales' });
		addNode(doc, { parentId: c1, title: 'Réduire' });
		let tree = readTree(doc);
		expect(tree.map((n) => n.label)).toEqual(['Axe 1', 'Chantier 1', 'Action 1', 'Axe 2', 'Chantier 2']);
		writeSettings(doc, { levelNames: ['Pilier', 'Objectif', 'Action'], numbering: 'per_parent' });
		tree = readTree(doc);
		expect(tree.map((n) => n.label)).toEqual(['Pilier 1', 'Objectif 1.1', 'Action 1.1.1', 'Pilier 2', 'Objectif 2.1']);
	});

	it('inserts after a sibling, moves, refuses cycles and depth > 5, removes subtrees', () => {
		const doc = new Y.Doc();
		const a = addNode(doc, { title: 'A' });
		const c = addNode(doc, { title: 'C' });
		addNode(doc, { title: 'B', afterId: a });
		addNode(doc, { title: 'Z', afterId: null });
		expect(readTree(doc).map((n) => n.title)).toEqual(['Z', 'A', 'B', 'C']);
		let parent = c;
		for (let i = 0; i < 4; i++) parent = addNode(doc, { parentId: parent, title: `L${i + 2}` });
		expect(() => addNode(doc, { parentId: parent, title: 'trop profond' })).toThrow('max depth');
		expect(() => moveNode(doc, c, parent)).toThrow('cycle');
		expect(() => moveNode(doc, a, parent)).toThrow('max depth');
		moveNode(doc, a, c, null);
		expect(readTree(doc).find((n) => n.title === 'A')!.parentId).toBe(c);
		removeNode(doc, c);
		expect(readTree(doc).map((n) => n.title)).toEqual(['Z', 'B']);
	});

	it('merges concurrent edits and repairs a concurrent move cycle without losing nodes', () => {
		const a = new Y.Doc();
		const x = addNode(a, { title: 'X' });
		const y = addNode(a, { title: 'Y' });
		const b = new Y.Doc();
		sync(a, b);
		moveNode(a, x, y); // X under Y on one side
		moveNode(b, y, x); // Y under X on the other
		addNode(b, { title: 'W' });
		setTitle(a, x, 'X renommé');
		sync(a, b);
		const ta = readTree(a);
		const tb = readTree(b);
		expect(ta.map((n) => n.id)).toEqual(tb.map((n) => n.id));
		expect(ta).toHaveLength(3);
		expect(ta.map((n) => n.title).sort()).toEqual(['W', 'X renommé', 'Y']);
	});

	it('round-trips rich text and exports/imports without loss', () => {
		const doc = new Y.Doc();
		writeSettings(doc, { levelNames: ['Pilier', 'Objectif'], numbering: 'per_parent' });
		const p = addNode(doc, { title: 'Pilier économique', kind: 'normal' });
		const o = addNode(doc, {
			parentId: p,
			title: 'Favoriser les TPE/PME',
			status: 'en_cours',
			pilot: 'Direction de la commande publique',
			resources: ['DAJ'],
			targets: [
				{
					id: 't1',
					indicatorCode: 'ENV_CONTRACT_SHARE',
					label: 'Part des marchés avec clause environnementale',
					unit: '%',
					value: 35,
					year: 2028,
					milestones: [
						{ year: 2025, value: 20 },
						{ year: 2026, value: 30 }
					],
					baselineYear: null,
					relative: false,
					thresholdEurHt: 40000,
					scope: 'marchés > 40 000 € HT'
				}
			]
		});
		const body = [
			{ type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Contexte' }] },
			{
				type: 'paragraph',
				content: [
					{ type: 'text', text: 'Texte ' },
					{ type: 'text', text: 'gras', marks: [{ type: 'bold' }] },
					{ type: 'text', text: ' et lien', marks: [{ type: 'link', attrs: { href: 'https://example.org' } }] }
				]
			},
			{
				type: 'bulletList',
				content: [
					{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'point <1>' }] }] }
				]
			}
		];
		setFragmentJson(bodyFragment(doc, o), body);
		expect(fragmentToJson(bodyFragment(doc, o))).toEqual(body);
		expect(richToText(body)).toContain('gras et lien');
		expect(richToHtml(body)).toContain('<strong>gras</strong>');
		expect(richToHtml(body)).toContain('point &lt;1&gt;');
		expect(
			richToHtml([
				{
					type: 'paragraph',
					content: [{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }]
				}
			])
		).not.toContain('javascript');

		const exported = exportContent(doc);
		const copy = new Y.Doc();
		importContent(copy, JSON.parse(JSON.stringify(exported)));
		expect(exportContent(copy)).toEqual(exported);
		expect(readTree(copy).map((n) => n.label)).toEqual(['Pilier 1', 'Objectif 1.1']);
		expect(nodesMap(copy).size).toBe(2);
	});
});
