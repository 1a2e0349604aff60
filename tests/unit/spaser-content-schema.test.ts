import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import {
	buildExport,
	isSafeHref,
	outlineContent,
	parseDocContent,
	parseSpaserExport
} from '../../src/lib/spaser/content-schema';
import type { PlainNode } from '../../src/lib/spaser/model';
import {
	addNode,
	bodyFragment,
	exportContent,
	importContent,
	readTree,
	writeSettings,
	type DocContent
} from '../../src/lib/spaser/ydoc';
import { setFragmentJson } from '../../src/lib/spaser/rich';

function sampleDoc(): Y.Doc {
	const doc = new Y.Doc();
	writeSettings(doc, { levelNames: ['Pilier', 'Objectif', 'Action', 'Sous-action', 'Étape'], numbering: 'per_parent' });
	const p = addNode(doc, { title: 'Pilier social' });
	const o = addNode(doc, {
		parentId: p,
		title: 'Développer les clauses sociales',
		status: 'en_cours',
		pilot: 'Direction de l’insertion',
		resources: ['DAAJ', 'MDPH'],
		tools: ['Guide des clauses'],
		targets: [
			{
				id: 't1',
				indicatorCode: 'CAN-SOC-01',
				label: 'Marchés avec considération sociale',
				unit: '%',
				value: 35,
				year: 2028,
				milestones: [
					{ year: 2026, value: 20 },
					{ year: 2027, value: 30 }
				],
				baselineYear: null,
				relative: false,
				thresholdEurHt: 40000,
				scope: 'Marchés > 40 000\u00a0€ HT'
			},
			{
				id: 't2',
				indicatorCode: null,
				label: 'Achats auprès des ESAT',
				unit: '€ HT',
				value: 10,
				year: null,
				milestones: [],
				baselineYear: 2025,
				relative: true,
				thresholdEurHt: null,
				scope: ''
			}
		]
	});
	const a = addNode(doc, { parentId: o, title: 'Réserver des lots', kind: 'action_bonus', links: [p] });
	const s = addNode(doc, { parentId: a, title: 'Sous-action A' });
	addNode(doc, { parentId: s, title: 'Étape finale' });
	addNode(doc, { title: 'Pilier environnemental', afterId: p });
	setFragmentJson(bodyFragment(doc, o), [
		{ type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Contexte' }] },
		{
			type: 'paragraph',
			content: [
				{ type: 'text', text: 'Voir ' },
				{
					type: 'text',
					text: 'le guide',
					marks: [{ type: 'link', attrs: { href: 'https://example.org/guide' } }, { type: 'bold' }]
				},
				{ type: 'hardBreak' },
				{ type: 'text', text: 'ou écrire', marks: [{ type: 'link', attrs: { href: 'mailto:achats@example.org' } }] }
			]
		},
		{
			type: 'orderedList',
			content: [
				{
					type: 'listItem',
					content: [{ type: 'paragraph', content: [{ type: 'text', text: 'un', marks: [{ type: 'strike' }] }] }]
				}
			]
		},
		{
			type: 'blockquote',
			content: [
				{
					type: 'paragraph',
					content: [
						{ type: 'text', text: 'cité', marks: [{ type: 'underline' }, { type: 'italic' }, { type: 'code' }] }
					]
				}
			]
		},
		{ type: 'horizontalRule' },
		{
			type: 'table',
			content: [
				{
					type: 'tableRow',
					content: [
						{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Année' }] }] }
					]
				},
				{
					type: 'tableRow',
					content: [{ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: '2026' }] }] }]
				}
			]
		}
	]);
	return doc;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

describe('SPASER content schema', () => {
	it('round-trips export → JSON → parse → import into an identical tree', () => {
		const doc = sampleDoc();
		const exported = exportContent(doc);
		const file = JSON.stringify(
			buildExport(
				{
					title: 'SPASER 2026-2029',
					periodStart: 2026,
					periodEnd: 2029,
					status: 'brouillon',
					adoptedOn: null,
					deliberationRef: null
				},
				exported
			)
		);
		const parsed = parseSpaserExport(file);
		expect(parsed.ok).toBe(true);
		if (!parsed.ok) return;
		expect(parsed.value.document.title).toBe('SPASER 2026-2029');
		const copy = new Y.Doc();
		importContent(copy, parsed.value.content);
		expect(exportContent(copy)).toEqual(exported);
		expect(readTree(copy).map((n) => n.label)).toEqual(readTree(doc).map((n) => n.label));
		expect(readTree(copy).map((n) => n.label)).toEqual([
			'Pilier 1',
			'Objectif 1.1',
			'Action 1.1.1',
			'Sous-action 1.1.1.1',
			'Étape 1.1.1.1.1',
			'Pilier 2'
		]);
		// outlineContent numbers a content exactly as readTree numbers the doc
		const { outline } = outlineContent(exported);
		expect(readTree(doc).map((n) => outline.get(n.id)!.label)).toEqual(readTree(doc).map((n) => n.label));
	});

	it('rejects unknown parents, duplicate ids, cycles and depth > 5 with French messages', () => {
		const base = exportContent(sampleDoc());
		const msgs = (c: DocContent) => {
			const r = parseDocContent(c);
			expect(r.ok).toBe(false);
			return r.ok ? [] : r.issues.map((i) => i.message);
		};
		const unknownParent = clone(base);
		unknownParent.nodes[1].parentId = '00000000-0000-4000-8000-000000000000';
		expect(msgs(unknownParent).join(' ')).toMatch(
			/parent de «\u00a0Développer les clauses sociales\u00a0» est introuvable/
		);

		const dup = clone(base);
		dup.nodes[5].id = dup.nodes[0].id;
		expect(msgs(dup).join(' ')).toMatch(/Identifiant en double/);

		const cycle = clone(base);
		cycle.nodes[0].parentId = cycle.nodes[2].id; // pilier under its own grand-child
		expect(msgs(cycle).join(' ')).toMatch(/Cycle dans l'arborescence/);

		const deep = clone(base);
		const sixth: PlainNode = {
			...clone(deep.nodes[4]),
			id: '11111111-1111-4111-8111-111111111111',
			parentId: deep.nodes[4].id,
			title: 'Trop profond'
		};
		deep.nodes.push(sixth);
		expect(msgs(deep).join(' ')).toMatch(
			/«\u00a0Trop profond\u00a0» est au niveau 6\u00a0: un SPASER compte au plus 5 niveaux/
		);

		const self = clone(base);
		self.nodes[3].parentId = self.nodes[3].id;
		expect(msgs(self).join(' ')).toMatch(/son propre parent/);
	});

	it('rejects unknown body node types and marks, and unsafe links', () => {
		const base = exportContent(sampleDoc());
		const withBody = (body: unknown) => {
			const c = clone(base) as unknown as { nodes: { body: unknown }[] };
			c.nodes[0].body = body;
			return parseDocContent(c);
		};
		const p = (content: unknown[]) => [{ type: 'paragraph', content }];
		const script = withBody([{ type: 'script', content: [{ type: 'text', text: 'x' }] }]);
		expect(script.ok).toBe(false);
		if (!script.ok) expect(script.issues[0].message).toBe('Élément de texte non autorisé\u00a0: «\u00a0script\u00a0».');
		expect(withBody([{ type: 'codeBlock', content: [{ type: 'text', text: 'x' }] }]).ok).toBe(true); // Tiptap's StarterKit produces code blocks
		expect(withBody(p([{ type: 'image', attrs: { src: 'https://x' } }])).ok).toBe(false);
		const mark = withBody(p([{ type: 'text', text: 'x', marks: [{ type: 'highlight' }] }]));
		expect(mark.ok).toBe(false);
		if (!mark.ok) expect(mark.issues[0].message).toMatch(/Mise en forme inconnue/);
		const js = withBody(
			p([{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }])
		);
		expect(js.ok).toBe(false);
		if (!js.ok) expect(js.issues[0].message).toMatch(/seuls les liens http\(s\), mailto ou relatifs/);
		expect(
			withBody(p([{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'data:text/html,hi' } }] }])).ok
		).toBe(false);
		expect(
			withBody(p([{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: '/p/ville/spaser' } }] }])).ok
		).toBe(true);
		expect(withBody(p([{ type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: '#noeud' } }] }])).ok).toBe(
			true
		);
		expect(withBody([{ type: 'heading', attrs: { level: 9 }, content: [] }]).ok).toBe(false);
		expect(withBody(p([{ type: 'text' }])).ok).toBe(false);
		expect(isSafeHref('HTTPS://example.org')).toBe(true);
		expect(isSafeHref('//evil.example')).toBe(false);
		expect(isSafeHref('vbscript:x')).toBe(false);
		expect(isSafeHref('annexe.pdf')).toBe(true);
	});

	it('checks the envelope and gives French messages for bad files', () => {
		const content = exportContent(sampleDoc());
		const doc = {
			title: 'SPASER',
			periodStart: 2026,
			periodEnd: 2029,
			status: 'adopte' as const,
			adoptedOn: '2025-12-15',
			deliberationRef: 'n° 2025-12-07'
		};
		expect(parseSpaserExport(buildExport(doc, content)).ok).toBe(true);
		const notJson = parseSpaserExport('{ pas du json');
		expect(notJson.ok === false && notJson.issues[0].message).toBe("Le fichier n'est pas un JSON valable.");
		const other = parseSpaserExport({ format: 'autre', version: 1, document: doc, content });
		expect(other.ok === false && other.issues[0].message).toBe("Ce fichier n'est pas un export SPASER Commun.");
		const v2 = parseSpaserExport({ ...buildExport(doc, content), version: 2 });
		expect(v2.ok === false && v2.issues[0].message).toMatch(/Version de format/);
		const period = parseSpaserExport(buildExport({ ...doc, periodEnd: 2020 }, content));
		expect(period.ok === false && period.issues.map((i) => i.message)).toContain(
			'La fin de période doit suivre son début.'
		);
		const badStatus = parseSpaserExport(buildExport({ ...doc, status: 'publie' as never }, content));
		expect(badStatus.ok).toBe(false);
		const badLevels = parseSpaserExport(
			buildExport(doc, { ...content, settings: { levelNames: ['A', 'B', 'C', 'D', 'E', 'F'], numbering: 'global' } })
		);
		expect(badLevels.ok === false && badLevels.issues[0].message).toBe('Un SPASER compte au plus 5 niveaux.');
		const badTarget = clone(content);
		badTarget.nodes[1].targets[0].milestones.push({ year: 2026, value: 25 });
		const r = parseDocContent(badTarget);
		expect(r.ok === false && r.issues[0].message).toBe('Deux jalons portent sur la même année.');
	});
});
