import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocContent } from '../../src/lib/spaser/content-schema';
import {
	coverage,
	detectStructure,
	normKey,
	parseTarget,
	toDocContent,
	UNPLACED_TITLE,
	type ImportNode,
	type ImportResult
} from '../../src/lib/spaser/import';
import { richToText } from '../../src/lib/spaser/rich';
import { exportContent, importContent, readTree } from '../../src/lib/spaser/ydoc';
import {
	OCC_ACTIONS,
	OCC_AXES,
	OCC_CHANTIERS,
	PDC_ACTIONS,
	PDC_OBJECTIFS,
	PDC_PILIERS
} from '../fixtures/seeds/expected';

const fixture = (name: string) =>
	readFileSync(fileURLToPath(new URL(`../fixtures/seeds/${name}`, import.meta.url)), 'utf8');
const OCC = fixture('occitanie-spaser-2023-2028.txt');
const PDC = fixture('pas-de-calais-spaser-2026-2029.txt');

const atDepth = (r: ImportResult, d: number) => r.nodes.filter((n) => n.depth === d);
const wordsOf = (s: string) =>
	new Set(
		normKey(s)
			.split(' ')
			.filter(Boolean)
			.map((w) => w.replace(/(.)\1+/g, '$1'))
	);

/** Titles match when ≥ 80 % of their words match (the body and the TOC of a real document differ slightly). */
function sameTitle(a: string, b: string): boolean {
	const wa = wordsOf(a);
	const wb = wordsOf(b);
	const inter = [...wa].filter((w) => wb.has(w)).length;
	return inter / Math.max(wa.size, wb.size, 1) >= 0.8;
}

interface Score {
	level: string;
	expected: number;
	detected: number;
	precision: number;
	recall: number;
}

function score(level: string, detected: ImportNode[], expected: [string, string][]): Score {
	const used = new Set<number>();
	let matched = 0;
	for (const n of detected) {
		const i = expected.findIndex(([, t], k) => !used.has(k) && sameTitle(n.title, t));
		if (i >= 0) {
			used.add(i);
			matched++;
		}
	}
	return {
		level,
		expected: expected.length,
		detected: detected.length,
		precision: detected.length ? matched / detected.length : 0,
		recall: matched / expected.length
	};
}

function printScores(doc: string, scores: Score[]) {
	const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
	console.log(
		`\n${doc}\n` +
			[
				'niveau        attendus  détectés  précision  rappel',
				...scores.map(
					(s) =>
						`${s.level.padEnd(13)} ${String(s.expected).padStart(8)}  ${String(s.detected).padStart(8)}  ${pct(s.precision).padStart(9)}  ${pct(s.recall).padStart(7)}`
				)
			].join('\n')
	);
}

function expectValidAndImportable(result: ImportResult) {
	const content = toDocContent(result);
	const parsed = parseDocContent(JSON.parse(JSON.stringify(content)));
	if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues.slice(0, 3)));
	const doc = new Y.Doc();
	importContent(doc, parsed.value);
	const tree = readTree(doc);
	expect(tree).toHaveLength(content.nodes.length);
	expect(exportContent(doc).nodes.map((n) => n.title)).toEqual(content.nodes.map((n) => n.title));
	return { content, tree };
}

describe('SPASER import — Région Occitanie 2023-2028', () => {
	const result = detectStructure({ text: OCC, format: 'txt' });

	it('finds 5 axes, 20 chantiers numbered across the document and 65 actions n.m', () => {
		expect(result.settings).toEqual({ levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' });
		expect(result.stats).toEqual({ Axe: 5, Chantier: 20, Action: 65 });
		expect(atDepth(result, 1).map((n) => n.number)).toEqual(OCC_AXES.map(([n]) => n));
		expect(atDepth(result, 2).map((n) => n.number)).toEqual(OCC_CHANTIERS.map(([n]) => n));
		expect(atDepth(result, 3).map((n) => n.number)).toEqual(OCC_ACTIONS.map(([n]) => n));
		// every action sits under the chantier of its number
		const byId = new Map(result.nodes.map((n) => [n.id, n]));
		for (const a of atDepth(result, 3)) expect(a.number!.split('.')[0]).toBe(byId.get(a.parentId!)!.number);
	});

	it('keeps the exact titles, with the case of the table of contents and without glued page numbers', () => {
		const axes = atDepth(result, 1).map((n) => n.title);
		expect(axes).toEqual(OCC_AXES.map(([, t]) => t));
		const chantiers = atDepth(result, 2);
		expect(chantiers[0].title).toBe(
			'Insérer systématiquement des considérations environnementales dans les marchés de la Région'
		);
		expect(chantiers[12].title).toBe(
			"Développer les achats auprès du secteur de l'Économie Sociale et Solidaire (ESS)"
		);
		// the body spelling wins over the TOC's typo (« Professionaliser »), in the TOC's case
		expect(chantiers[14].title).toBe(
			"Professionnaliser la fonction achat et poursuivre la digitalisation de la chaîne d'achat public régional"
		);
		const actions = atDepth(result, 3);
		expect(actions.find((a) => a.number === '6.2')!.title).toBe(
			"Mettre en œuvre des dispositions et actions d'insertion des jeunes, des publics en situation de handicap et des personnes éloignées de l'emploi dans les achats"
		);
		expect(actions.find((a) => a.number === '20.5')!.title).toBe(
			'Élaborer en mode participatif une charte de déontologie des Achats'
		);
		for (const n of result.nodes) expect(n.title).not.toMatch(/\*\*|\s\d{1,3}$/);
		const scores = [
			score('Axe', atDepth(result, 1), OCC_AXES),
			score('Chantier', chantiers, OCC_CHANTIERS),
			score('Action', actions, OCC_ACTIONS)
		];
		printScores('Occitanie — précision / rappel par niveau', scores);
		for (const s of scores) {
			expect(s.precision).toBeGreaterThanOrEqual(0.95);
			expect(s.recall).toBeGreaterThanOrEqual(0.95);
		}
	});

	it('drops the table of contents, the repeated axe headers and the markup, not the body', () => {
		const toc = result.dropped.filter((d) => d.reason === 'toc');
		expect(toc[0].text).toBe('SOMMAIRE');
		expect(toc.some((d) => d.text.includes('AXE 5**L'))).toBe(true);
		expect(toc.every((d) => d.line < 130)).toBe(true);
		expect(result.dropped.filter((d) => d.reason === 'repeated_header').map((d) => d.text)).toContain('AXE 3');
		expect(result.dropped.some((d) => d.reason === 'markup' && d.text === '✓')).toBe(true);
		// bodies keep bullets as lists and the sub-action text
		const c1 = atDepth(result, 3)[0];
		expect(c1.body[0].type).toBe('bulletList');
		expect(richToText(c1.body)).toContain('Animer et développer le réseau régional des acheteurs durables');
		// preamble and annex are kept, unplaced
		expect(
			result.unplaced.some(
				(u) => u.reason === 'preamble' && u.text.startsWith('La commande publique est un outil essentiel')
			)
		).toBe(true);
		expect(result.unplaced.some((u) => u.reason === 'annex' && u.text.includes('Bénéficiaires du RSA'))).toBe(true);
	});

	it('detects the headline targets with their years and milestones', () => {
		const axe1 = atDepth(result, 1)[0];
		const t15 = axe1.targets.find((t) => t.value === 15)!;
		expect(t15).toMatchObject({
			unit: '%',
			year: 2028,
			milestones: [
				{ year: 2025, value: 5 },
				{ year: 2026, value: 10 }
			]
		});
		expect(t15.sourceText).toContain("D'ATTRIBUTION ENVIRONNEMENTAUX");
		expect(axe1.targets.find((t) => t.value === 50)).toMatchObject({ year: 2027 });
		const axe2 = atDepth(result, 1)[1];
		expect(axe2.targets.find((t) => t.value === 35)).toMatchObject({
			year: 2028,
			milestones: [
				{ year: 2025, value: 20 },
				{ year: 2026, value: 30 }
			]
		});
		expect(axe2.targets.find((t) => t.value === 10)).toMatchObject({ relative: true, year: null });
		const c6 = atDepth(result, 2)[5];
		expect(c6.targets[0]).toMatchObject({
			value: 35,
			year: 2028,
			thresholdEurHt: 100_000,
			milestones: [
				{ year: 2025, value: 20 },
				{ year: 2026, value: 30 }
			]
		});
		expect(c6.targets[0].label).toContain('clause sociale');
		expect(atDepth(result, 2)[0].targets[0]).toMatchObject({ value: 100, year: 2024, milestones: [] });
		expect(atDepth(result, 2)[1].targets[0]).toMatchObject({ value: 100, year: 2028 });
		expect(atDepth(result, 2)[11].targets[0]).toMatchObject({ value: 80, year: 2024 });
	});

	it('loses no text: ≥ 99 % of the body words are in the imported nodes', () => {
		const c = coverage(OCC, result);
		console.log(`Occitanie — couverture du texte source : ${(c * 100).toFixed(2)} %`);
		expect(c).toBeGreaterThanOrEqual(0.99);
	});

	it('converts to valid content that imports into a Y.Doc with the same nodes', () => {
		const { content, tree } = expectValidAndImportable(result);
		expect(content.nodes).toHaveLength(result.nodes.length + 1);
		expect(tree[tree.length - 1].title).toBe(UNPLACED_TITLE);
		expect(tree.filter((n) => n.depth === 2)[19].label).toBe('Chantier 20');
	});
});

describe('SPASER import — Département du Pas-de-Calais 2026-2029', () => {
	const result = detectStructure({ text: PDC, format: 'txt' });

	it('finds 4 piliers (3 + transversal), 8 objectifs numbered per pilier and the actions with the bonus ones', () => {
		expect(result.settings.levelNames.slice(0, 3)).toEqual(['Pilier', 'Objectif', 'Action']);
		expect(result.settings.numbering).toBe('per_parent');
		expect(atDepth(result, 1).map((n) => n.title)).toEqual(PDC_PILIERS.map(([, t]) => t));
		expect(atDepth(result, 2).map((n) => n.number)).toEqual(PDC_OBJECTIFS.map(([n]) => n));
		const actions = atDepth(result, 3);
		const bonus = actions.filter((a) => a.kind === 'action_bonus');
		expect(bonus.map((a) => a.title)).toEqual(PDC_ACTIONS.filter(([n]) => n === 'bonus').map(([, t]) => t));
		expect(bonus.every((a) => a.number === 'bonus')).toBe(true);
		// actions stay in document order (économique obj. 1 prints 1, 4, 2, 3)
		const eco1 = atDepth(result, 2)[3];
		expect(actions.filter((a) => a.parentId === eco1.id).map((a) => a.number)).toEqual(['1', '4', '2', '3']);
		// the lettered sub-actions are a fourth level
		expect(result.settings.levelNames[3]).toBe('Sous-action');
		expect(atDepth(result, 4).find((n) => n.title.startsWith('Optimiser les impressions'))).toBeDefined();

		const scores = [
			score('Pilier', atDepth(result, 1), PDC_PILIERS),
			score('Objectif', atDepth(result, 2), PDC_OBJECTIFS),
			score('Action', actions, PDC_ACTIONS)
		];
		printScores('Pas-de-Calais — précision / rappel par niveau', scores);
		expect(scores[0]).toMatchObject({ precision: 1, recall: 1 });
		expect(scores[1]).toMatchObject({ precision: 1, recall: 1 });
		expect(scores[2]).toMatchObject({ expected: 27, detected: 27, precision: 1, recall: 1 });
	});

	it('restores titles from the table of contents and names the objective whose header the body lost', () => {
		const objectifs = atDepth(result, 2);
		expect(objectifs[2].title).toBe('Améliorer la gestion des déchets et la préservation des ressources');
		// « ACCROÎTRE LA PERFORMANCE ACHAT » is not printed in the body: only its « L'objectif est… » sentence
		expect(objectifs[4]).toMatchObject({ number: '2', title: 'Accroître la performance achat' });
		expect(richToText(objectifs[4].body)).toMatch(/^L'objectif est d'accroître la performance des achats/);
		// the dons/enchères card has no heading in the body: it starts after the previous card's owners
		const dons = atDepth(result, 3).find((a) => a.title === 'Favoriser les dons et les enchères dans la collectivité')!;
		expect(dons).toMatchObject({ number: '3', parentId: objectifs[2].id });
		expect(richToText(dons.body)).toMatch(/^Objectif :\s+Limiter la production de déchets/);
		// repeated « PILIER X / n / TITLE » page headers are dropped, not turned into nodes
		expect(result.dropped.filter((d) => d.reason === 'repeated_header').length).toBeGreaterThanOrEqual(8);
		// HTML table debris is dropped as markup, its text kept
		expect(result.dropped.some((d) => d.reason === 'markup' && d.text.startsWith('<div data-bbox'))).toBe(true);
		const all = result.nodes.map((n) => richToText(n.body)).join('\n');
		expect(all).not.toContain('<div');
		expect(all).toContain('Collecter des informations fiables pour re-questionner nos pratiques');
	});

	it('detects dated targets', () => {
		const a1 = atDepth(result, 3)[0];
		expect(a1.targets.find((t) => t.value === 20 && t.year === 2027)?.sourceText).toContain('Plan bio 2023-2027');
	});

	it('loses no text: ≥ 99 % of the body words are in the imported nodes', () => {
		const c = coverage(PDC, result);
		console.log(`Pas-de-Calais — couverture du texte source : ${(c * 100).toFixed(2)} %`);
		expect(c).toBeGreaterThanOrEqual(0.99);
	});

	it('converts to valid content that imports into a Y.Doc with the same nodes', () => {
		expectValidAndImportable(result);
	});
});

describe('SPASER import — other inputs', () => {
	it('reads a Markdown SPASER from its # / ## / ### headings', () => {
		const md = [
			'# Axe 1 : Achats écologiques',
			'',
			'Contexte de l’axe, avec un passage **important**.',
			'',
			'## Objectif 1 > Réduire les déchets',
			'',
			'- Cible : 50 % de marchés avec une clause de réemploi à l’horizon 2027 (30 % en 2025).',
			'',
			'### Action 1 : Former les acheteurs',
			'',
			'Former 40 acheteurs par an.',
			'',
			'### Action bonus : Créer une ressourcerie',
			'',
			'# Axe 2 : Achats solidaires',
			'',
			'## Objectif 1 > Clauses sociales',
			'',
			'### Action 1 : Généraliser les clauses'
		].join('\n');
		const r = detectStructure({ text: md, format: 'md' });
		expect(r.settings).toEqual({ levelNames: ['Axe', 'Objectif', 'Action'], numbering: 'per_parent' });
		expect(r.stats).toEqual({ Axe: 2, Objectif: 2, Action: 3 });
		expect(r.nodes.map((n) => n.title)).toEqual([
			'Achats écologiques',
			'Réduire les déchets',
			'Former les acheteurs',
			'Créer une ressourcerie',
			'Achats solidaires',
			'Clauses sociales',
			'Généraliser les clauses'
		]);
		expect(r.nodes[3].kind).toBe('action_bonus');
		expect(r.nodes[0].body).toEqual([
			{
				type: 'paragraph',
				content: [
					{ type: 'text', text: 'Contexte de l’axe, avec un passage ' },
					{ type: 'text', text: 'important', marks: [{ type: 'bold' }] },
					{ type: 'text', text: '.' }
				]
			}
		]);
		expect(r.nodes[1].targets[0]).toMatchObject({ value: 50, year: 2027, milestones: [{ year: 2025, value: 30 }] });
		expect(coverage(md, r)).toBe(1);
		expectValidAndImportable(r);
	});

	it('reads a plain text numbered « 1. », « 1.1. », « 1.1.1. »', () => {
		const txt = [
			'Préambule du schéma.',
			'',
			'1. Une commande publique écologique',
			'',
			'1.1. Réduire l’empreinte carbone',
			'',
			'1.1.1. Mesurer les émissions des achats',
			'Un bilan annuel sera publié.',
			'',
			'1.1.2. Acheter des véhicules propres',
			'',
			'2. Une commande publique sociale',
			'',
			'2.1. Développer les clauses sociales',
			'',
			'Atteindre 20 % de marchés avec une clause sociale en 2028.'
		].join('\n');
		const r = detectStructure({ text: txt, format: 'txt' });
		expect(r.nodes.map((n) => `${n.depth}:${n.number}:${n.title}`)).toEqual([
			'1:1:Une commande publique écologique',
			'2:1.1:Réduire l’empreinte carbone',
			'3:1.1.1:Mesurer les émissions des achats',
			'3:1.1.2:Acheter des véhicules propres',
			'1:2:Une commande publique sociale',
			'2:2.1:Développer les clauses sociales'
		]);
		expect(r.settings.levelNames).toHaveLength(3);
		expect(richToText(r.nodes[2].body)).toBe('Un bilan annuel sera publié.');
		expect(r.unplaced).toEqual([{ text: 'Préambule du schéma.', line: 1, reason: 'preamble' }]);
		expect(r.nodes[5].targets[0]).toMatchObject({ value: 20, year: 2028 });
		expect(coverage(txt, r)).toBe(1);
		const { tree } = expectValidAndImportable(r);
		expect(tree[tree.length - 1]).toMatchObject({ title: UNPLACED_TITLE, depth: 1 });
	});

	it('parses targets written in the usual ways', () => {
		expect(
			parseTarget(
				'35 % de marchés (> 100 K€) notifiés comportant une clause sociale (à horizon 2028) (20 % en 2025, 30 % en 2026).'
			)
		).toMatchObject({
			value: 35,
			year: 2028,
			thresholdEurHt: 100_000,
			milestones: [
				{ year: 2025, value: 20 },
				{ year: 2026, value: 30 }
			],
			relative: false
		});
		expect(parseTarget('Augmenter de 3 % par an le nombre d’entreprises primo-accédantes.')).toMatchObject({
			value: 3,
			relative: true,
			year: null
		});
		expect(parseTarget('12,5 % des achats d’ici 2030')).toMatchObject({ value: 12.5, year: 2030 });
		// a percentage without a year or a rate is not a target
		expect(parseTarget('88 % des marchés publics sont attribués à des TPE-PME.')).toBeNull();
	});

	it('keeps a document without any recognisable structure entirely in the unplaced node', () => {
		const txt = 'Un texte libre.\n\nSans titres ni numéros.';
		const r = detectStructure({ text: txt, format: 'txt' });
		expect(r.nodes).toEqual([]);
		expect(r.unplaced.map((u) => u.text)).toEqual(['Un texte libre.', 'Sans titres ni numéros.']);
		expect(coverage(txt, r)).toBe(1);
		expectValidAndImportable(r);
	});
});
