import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { compareContents, diffTokens, diffWords, sideOf, tokenize } from '../../src/lib/spaser/diff';
import { setFragmentJson } from '../../src/lib/spaser/rich';
import {
	addNode,
	bodyFragment,
	exportContent,
	moveNode,
	removeNode,
	setTarget,
	setTitle,
	updateNode,
	writeSettings
} from '../../src/lib/spaser/ydoc';

describe('word diff', () => {
	it('finds the words that changed', () => {
		expect(
			diffWords('Former les acheteurs aux clauses sociales', 'Former tous les acheteurs aux clauses environnementales')
		).toEqual([
			{ op: 'equal', text: 'Former ' },
			{ op: 'insert', text: 'tous ' },
			{ op: 'equal', text: 'les acheteurs aux clauses ' },
			{ op: 'delete', text: 'sociales' },
			{ op: 'insert', text: 'environnementales' }
		]);
		expect(diffWords('', 'Nouveau titre')).toEqual([{ op: 'insert', text: 'Nouveau titre' }]);
		expect(diffWords('Ancien', '')).toEqual([{ op: 'delete', text: 'Ancien' }]);
		expect(diffWords('même texte', 'même texte')).toEqual([{ op: 'equal', text: 'même texte' }]);
		expect(tokenize("l'achat, durable\u00a0!")).toEqual(["l'achat", ',', ' ', 'durable', '\u00a0', '!']);
	});

	it('is a minimal edit script whose sides rebuild both texts (property)', () => {
		const word = fc.constantFrom('axe', 'chantier', 'action', 'cible', '2026', ',', 'é');
		const text = fc.array(word, { maxLength: 30 }).map((ws) => ws.join(' '));
		fc.assert(
			fc.property(text, text, (a, b) => {
				const ops = diffWords(a, b);
				expect(sideOf(ops, 'before')).toBe(a);
				expect(sideOf(ops, 'after')).toBe(b);
				// equal tokens = an LCS: compare with a plain dynamic-programming LCS length
				const ta = tokenize(a);
				const tb = tokenize(b);
				const dp = Array.from({ length: ta.length + 1 }, () => new Array<number>(tb.length + 1).fill(0));
				for (let i = 1; i <= ta.length; i++)
					for (let j = 1; j <= tb.length; j++)
						dp[i][j] = ta[i - 1] === tb[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
				const kept = diffTokens(ta, tb)
					.filter((o) => o.op === 'equal')
					.reduce((n, o) => n + tokenize(o.text).length, 0);
				expect(kept).toBe(dp[ta.length][tb.length]);
			}),
			{ numRuns: 300 }
		);
	});
});

describe('compareContents', () => {
	function base() {
		const doc = new Y.Doc();
		writeSettings(doc, { levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' });
		const a1 = addNode(doc, { title: 'Transition écologique' });
		const a2 = addNode(doc, { title: 'Inclusion sociale' });
		const c1 = addNode(doc, { parentId: a1, title: 'Considérations environnementales' });
		const c2 = addNode(doc, { parentId: a1, title: 'Économie circulaire' });
		const c3 = addNode(doc, { parentId: a1, title: 'Coût global' });
		const c4 = addNode(doc, { parentId: a2, title: 'Clauses sociales' });
		setFragmentJson(bodyFragment(doc, c1), [
			{ type: 'paragraph', content: [{ type: 'text', text: 'Au moins une considération par marché.' }] }
		]);
		return { doc, a1, a2, c1, c2, c3, c4 };
	}

	it('lists added, removed, changed (with text differences) and moved nodes', () => {
		const { doc, a1, a2, c1, c2, c3, c4 } = base();
		const before = exportContent(doc);
		const added = addNode(doc, { parentId: a2, title: 'Marchés réservés' });
		removeNode(doc, c2);
		setTitle(doc, c4, 'Clauses sociales et insertion');
		setFragmentJson(bodyFragment(doc, c1), [
			{ type: 'paragraph', content: [{ type: 'text', text: 'Au moins deux considérations par marché.' }] }
		]);
		updateNode(doc, c3, { status: 'en_cours', pilot: 'DAJ' });
		setTarget(doc, c4, {
			id: 't1',
			indicatorCode: 'CAN-SOC-01',
			label: 'Clauses',
			unit: '%',
			value: 30,
			year: 2027,
			milestones: [],
			baselineYear: null,
			relative: false,
			thresholdEurHt: null,
			scope: ''
		});
		moveNode(doc, c3, a1, null); // first among its siblings
		const after = exportContent(doc);
		const cmp = compareContents(before, after);
		expect(cmp.identical).toBe(false);
		expect(cmp.added.map((n) => [n.title, n.label])).toEqual([['Marchés réservés', 'Chantier 4']]);
		expect(cmp.added[0].id).toBe(added);
		expect(cmp.removed.map((n) => [n.title, n.label])).toEqual([['Économie circulaire', 'Chantier 2']]);
		const byId = new Map(cmp.changed.map((c) => [c.id, c]));
		expect(byId.get(c4)!.fields).toEqual(['title', 'targets']);
		expect(byId.get(c4)!.titleDiff).toEqual([
			{ op: 'equal', text: 'Clauses sociales' },
			{ op: 'insert', text: ' et insertion' }
		]);
		expect(byId.get(c4)!.bodyDiff).toBeNull();
		expect(byId.get(c1)!.fields).toEqual(['body']);
		expect(byId.get(c1)!.bodyDiff).toEqual([
			{ op: 'equal', text: 'Au moins ' },
			{ op: 'delete', text: 'une considération' },
			{ op: 'insert', text: 'deux considérations' },
			{ op: 'equal', text: ' par marché.' }
		]);
		expect(byId.get(c3)!.fields).toEqual(['status', 'pilot']);
		// c3 moved before c1 (c1 did not move: only one of the two changed places)
		expect(cmp.moved.map((m) => [m.title, m.fromLabel, m.toLabel])).toEqual([
			['Coût global', 'Chantier 3', 'Chantier 1']
		]);
		expect(cmp.settingsChanged).toBe(false);
		expect(byId.has(a1)).toBe(false);
	});

	it('sees a change of parent as a move, and nothing when contents are equal', () => {
		const { doc, a2, c1 } = base();
		const before = exportContent(doc);
		expect(compareContents(before, exportContent(doc)).identical).toBe(true);
		expect(compareContents(before, JSON.parse(JSON.stringify(before))).identical).toBe(true);
		moveNode(doc, c1, a2);
		const cmp = compareContents(before, exportContent(doc));
		expect(cmp.moved).toHaveLength(1);
		expect(cmp.moved[0]).toMatchObject({ id: c1, toParentId: a2, fromLabel: 'Chantier 1', toLabel: 'Chantier 4' });
		expect(cmp.changed).toEqual([]);
		writeSettings(doc, { numbering: 'per_parent' });
		expect(compareContents(before, exportContent(doc)).settingsChanged).toBe(true);
	});
});
