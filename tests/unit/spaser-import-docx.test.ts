import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import { zipSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/lib/server/kit/errors';
import { readImportFile, readPastedText } from '../../src/lib/server/spaser/import-file';
import {
	canDemote,
	canPromote,
	countsPerLevel,
	coverage,
	demote,
	detectStructure,
	htmlToImportText,
	mergeWithPrevious,
	parseReviewState,
	parseTarget,
	promote,
	reviewFromResult,
	reviewLabels,
	reviewToContent,
	setLevelName,
	splitAt,
	words,
	type ReviewState
} from '../../src/lib/spaser/import';
import { richToText } from '../../src/lib/spaser/rich';

const fixture = (name: string) =>
	readFileSync(fileURLToPath(new URL(`../fixtures/seeds/${name}`, import.meta.url)), 'utf8');
const OCC = fixture('occitanie-spaser-2023-2028.txt');
const PDC = fixture('pas-de-calais-spaser-2026-2029.txt');

/** A Word document from a text: one paragraph per block, lines as line breaks, « ** » as bold runs. */
async function docxFromText(text: string): Promise<Uint8Array> {
	const paragraphs = text
		.split(/\n\s*\n/)
		.filter((b) => b.trim())
		.map(
			(block) =>
				new Paragraph({
					children: block.split('\n').flatMap((line, i) => {
						const parts = line.split('**');
						const balanced = parts.length % 2 === 1;
						return parts.map(
							(t, k) => new TextRun({ text: t, bold: balanced && k % 2 === 1, break: i > 0 && k === 0 ? 1 : undefined })
						);
					})
				})
		);
	return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: paragraphs }] })));
}

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

describe('mammoth HTML → detection text', () => {
	it('keeps headings, paragraphs with line breaks, bold, nested and ordered lists, and tables as tab-separated rows', () => {
		const html =
			'<h1>AXE 1 : Écologie</h1><p>Texte <strong>important</strong> &amp; suite<br />ligne 2</p>' +
			'<ul><li>Un<ul><li>Sous-point</li></ul></li><li>Deux</li></ul><ol><li>Premier</li><li>Second</li></ol>' +
			'<table><tr><td><p>INDICATEURS</p></td><td><p>Nombre de marchés</p><p>Part en %</p></td></tr><tr><td></td><td></td></tr></table>' +
			'<p><img src="" /><em>Fin</em> &#8217;ok&#x2019;</p>';
		expect(htmlToImportText(html)).toBe(
			[
				'# AXE 1 : Écologie',
				'',
				'Texte **important** & suite',
				'ligne 2',
				'',
				'- Un',
				'  - Sous-point',
				'- Deux',
				'',
				'- 1. Premier',
				'- 2. Second',
				'',
				'INDICATEURS\tNombre de marchés Part en %',
				'',
				'Fin ’ok’'
			].join('\n')
		);
	});
});

describe('reading DOCX, Markdown and text files', () => {
	it('reads the real Occitanie SPASER as a Word document: 5 axes, 20 chantiers, 65 actions, all the text', async () => {
		const src = await readImportFile(await docxFromText(OCC), 'politique-achat.docx');
		expect(src).toMatchObject({ kind: 'docx', format: 'md' });
		expect(src.text).toContain('**'); // bold survives the round trip
		const r = detectStructure({ text: src.text, format: src.format });
		expect(r.stats).toEqual({ Axe: 5, Chantier: 20, Action: 65 });
		expect(r.settings).toEqual({ levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' });
		const c = coverage(src.text, r);
		console.log(`Occitanie (DOCX) — couverture du texte source : ${(c * 100).toFixed(2)} %`);
		expect(c).toBeGreaterThanOrEqual(0.99);
	});

	it('reads the Occitanie SPASER typed one Word paragraph per line (as a PDF pasted into Word gives)', async () => {
		const lines = OCC.split('\n').filter((l) => l.trim());
		const doc = new Document({
			sections: [{ children: lines.map((l) => new Paragraph({ children: [new TextRun(l.replace(/\*\*/g, ''))] })) }]
		});
		const src = await readImportFile(new Uint8Array(await Packer.toBuffer(doc)), 'par-ligne.docx');
		const r = detectStructure({ text: src.text, format: src.format });
		expect(r.stats).toEqual({ Axe: 5, Chantier: 20, Action: 65 });
		expect(coverage(src.text, r)).toBeGreaterThanOrEqual(0.99);
	});

	it('reads the real Pas-de-Calais SPASER as a Word document: 4 piliers, 8 objectifs, 27 actions with the bonus ones', async () => {
		const src = await readImportFile(await docxFromText(PDC), 'pdc.docx');
		const r = detectStructure({ text: src.text, format: src.format });
		expect(r.nodes.filter((n) => n.depth === 1)).toHaveLength(4);
		expect(r.nodes.filter((n) => n.depth === 2)).toHaveLength(8);
		expect(r.nodes.filter((n) => n.depth === 3)).toHaveLength(27);
		expect(r.nodes.filter((n) => n.kind === 'action_bonus').length).toBeGreaterThan(0);
		expect(coverage(src.text, r)).toBeGreaterThanOrEqual(0.99);
	});

	it('uses Word heading styles when the document has them, tables included', async () => {
		const doc = new Document({
			sections: [
				{
					children: [
						new Paragraph({ text: 'Notre SPASER', heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER }),
						new Paragraph({ text: 'Une politique sociale', heading: HeadingLevel.HEADING_1 }),
						new Paragraph({ text: 'Insérer des clauses', heading: HeadingLevel.HEADING_2 }),
						new Paragraph({ text: 'Atteindre 25 % de marchés avec une clause sociale d’ici 2028.' }),
						new Table({
							rows: [
								new TableRow({
									children: [
										new TableCell({ children: [new Paragraph('Indicateur')] }),
										new TableCell({ children: [new Paragraph('Heures d’insertion')] })
									]
								})
							]
						}),
						new Paragraph({ text: 'Une politique écologique', heading: HeadingLevel.HEADING_1 })
					]
				}
			]
		});
		const src = await readImportFile(new Uint8Array(await Packer.toBuffer(doc)), 'spaser.docx');
		const r = detectStructure({ text: src.text, format: src.format });
		expect(r.nodes.map((n) => `${n.depth}:${n.title}`)).toEqual([
			'1:Une politique sociale',
			'2:Insérer des clauses',
			'1:Une politique écologique'
		]);
		const clauses = r.nodes[1];
		expect(clauses.targets[0]).toMatchObject({ value: 25, year: 2028 });
		expect(richToText(clauses.body)).toContain('Heures d’insertion');
		// the document's title is not a level: it waits in the unplaced text
		expect(r.unplaced.map((u) => u.text)).toEqual(['Notre SPASER']);
	});

	it('tells Markdown from text by the name or the headings, and refuses PDF, OpenDocument, spreadsheets and empty files in French', async () => {
		expect((await readImportFile(strToU8('AXE 1\n\nTexte'), 'spaser.md')).kind).toBe('md');
		expect((await readImportFile(strToU8('# Axe 1 : Écologie\n\nTexte'), 'spaser.txt')).kind).toBe('md');
		expect((await readImportFile(strToU8('\uFEFFAXE 1\n\nTexte'), 'spaser.txt')).text).toBe('AXE 1\n\nTexte');
		const pdf = await rejects(readImportFile(strToU8('%PDF-1.4\n1 0 obj'), 'spaser.pdf'));
		expect(pdf).toMatchObject({ status: 415 });
		expect(pdf.message).toBe(
			'Les PDF ne peuvent pas être importés directement. PDF\u00a0: collez le texte ou enregistrez-le en DOCX depuis votre traitement de texte.'
		);
		const odt = zipSync({
			mimetype: strToU8('application/vnd.oasis.opendocument.text'),
			'content.xml': strToU8('<x/>')
		});
		expect((await rejects(readImportFile(odt, 'spaser.odt'))).message).toMatch(/OpenDocument.*DOCX/);
		const xlsx = zipSync({ '[Content_Types].xml': strToU8('<x/>'), 'xl/workbook.xml': strToU8('<x/>') });
		expect((await rejects(readImportFile(xlsx, 'spaser.docx'))).message).toMatch(
			/^Les fichiers XLSX ne sont pas importés/
		);
		const broken = zipSync({ '[Content_Types].xml': strToU8('<x/>'), 'word/document.xml': strToU8('not xml') });
		expect((await rejects(readImportFile(broken, 'spaser.docx'))).status).toBe(400);
		expect((await rejects(readImportFile(new Uint8Array(), 'x.txt'))).message).toBe('Le fichier est vide.');
		expect((await rejects(Promise.resolve().then(() => readPastedText('   ')))).message).toMatch(/Collez le texte/);
		expect((await rejects(readImportFile(new Uint8Array(11 * 1024 * 1024).fill(65), 'x.txt'))).status).toBe(413);
	});
});

describe('review operations never lose text', () => {
	const bagOf = (s: ReviewState) => {
		const m = new Map<string, number>();
		for (const n of s.nodes)
			for (const w of words(`${n.unplaced ? '' : n.title}\n${richToText(n.body)}`)) m.set(w, (m.get(w) ?? 0) + 1);
		return m;
	};
	const base = reviewFromResult(detectStructure({ text: PDC, format: 'txt' }));

	it('promote / demote move a subtree one level, within the limits', () => {
		const firstObjectif = base.nodes.findIndex((n) => n.depth === 2);
		const secondObjectif = base.nodes.findIndex((n, k) => k > firstObjectif && n.depth === 2);
		expect(canPromote(base, 0)).toBe(false);
		expect(canDemote(base, 0)).toBe(false);
		expect(canDemote(base, firstObjectif)).toBe(false); // first child: no previous sibling to go under
		expect(canDemote(base, secondObjectif)).toBe(true);
		const down = demote(base, secondObjectif);
		const end = base.nodes.findIndex((n, k) => k > secondObjectif && n.depth <= 2);
		// the objective and its actions (and sub-actions) go one level down, nothing else moves
		expect(down.nodes.map((n) => n.depth)).toEqual(
			base.nodes.map((n, k) => (k >= secondObjectif && k < end ? n.depth + 1 : n.depth))
		);
		expect(down.levelNames.length).toBeGreaterThanOrEqual(Math.max(...down.nodes.map((n) => n.depth)));
		expect(promote(down, secondObjectif).nodes.map((n) => n.depth)).toEqual(base.nodes.map((n) => n.depth));
		expect(bagOf(down)).toEqual(bagOf(base));
		// a subtree that would go past five levels cannot be demoted
		const deep = structuredClone(base);
		deep.nodes.splice(2, deep.nodes.length - 2);
		deep.nodes.push(
			...[2, 3, 4, 5].map((d) => ({ ...structuredClone(base.nodes[1]), id: crypto.randomUUID(), depth: d }))
		);
		expect(canDemote(deep, 2)).toBe(false);
	});

	it('merge keeps the merged title as a paragraph and the targets; split makes a paragraph the title of a new node', () => {
		const i = base.nodes.findIndex((n) => n.depth === 3 && n.targets.length > 0);
		const merged = mergeWithPrevious(base, i);
		expect(merged.nodes).toHaveLength(base.nodes.length - 1);
		expect(richToText(merged.nodes[i - 1].body)).toContain(base.nodes[i].title);
		expect(merged.nodes[i - 1].targets.length).toBe(base.nodes[i - 1].targets.length + base.nodes[i].targets.length);
		expect(bagOf(merged)).toEqual(bagOf(base));

		const j = base.nodes.findIndex((n) => n.body.length >= 3 && n.body[1].type === 'paragraph');
		const split = splitAt(base, j, 1);
		expect(split.nodes).toHaveLength(base.nodes.length + 1);
		expect(split.nodes[j + 1]).toMatchObject({
			depth: base.nodes[j].depth,
			title: richToText([base.nodes[j].body[1]]).replace(/\s+/g, ' ').trim()
		});
		expect(split.nodes[j].body).toHaveLength(1);
		expect(bagOf(split)).toEqual(bagOf(base));
		// merging right back restores the text
		expect(bagOf(mergeWithPrevious(split, j + 1))).toEqual(bagOf(base));
	});

	it('renames levels, numbers like the editor, counts per level and validates what the browser sends back', () => {
		const s = setLevelName(base, 0, 'Volet');
		expect(countsPerLevel(s).slice(0, 3)).toEqual([
			{ level: 'Volet', count: 4 },
			{ level: 'Objectif', count: 8 },
			{ level: 'Action', count: 27 }
		]);
		const labels = reviewLabels(s);
		expect(labels[0]).toBe('Volet 1');
		expect(labels[1]).toBe('Objectif 1.1');
		const ok = parseReviewState(JSON.stringify(s));
		expect(ok.ok).toBe(true);
		if (ok.ok) expect(ok.content.settings.levelNames[0]).toBe('Volet');
		expect(reviewToContent(s).nodes.find((n) => n.pilot)?.pilot).toMatch(/^Direction/);
		const orphan = structuredClone(s);
		orphan.nodes[0].depth = 2;
		const bad = parseReviewState(orphan);
		expect(bad.ok).toBe(false);
		if (!bad.ok) expect(bad.issues[0].message).toMatch(/n’a pas de parent au niveau 1/);
		expect(parseReviewState('{oops').ok).toBe(false);
		const xss = structuredClone(s);
		xss.nodes[0].body = [{ type: 'script', content: [] }];
		expect(parseReviewState(xss).ok).toBe(false);
	});
});

describe('action cards and targets beyond percentages', () => {
	it('maps « DIRECTION PILOTE », « DIRECTIONS RESSOURCES », « OUTILS » and « INDICATEURS » blocks to node fields, the text staying in the body', () => {
		const pdc = detectStructure({ text: PDC, format: 'txt' });
		const card = pdc.nodes.find((n) => n.depth === 3 && n.title.startsWith('Atteindre les objectifs réglementaires'))!;
		expect(card.pilot).toBe("Direction du développement, de l'aménagement et de l'environnement (DDAE)");
		expect(card.resources).toEqual([
			"Direction de l'éducation et des collèges (DEC)",
			'Direction des moyens généraux (DMG)'
		]);
		const indicators = card.targets.filter((t) => t.value === null);
		expect(indicators.map((t) => t.label)).toContain(
			'Pourcentage annuel de produits alimentaires locaux sur les achats au global'
		);
		expect(richToText(card.body)).toContain('DIRECTION PILOTE');

		const occ = detectStructure({ text: OCC, format: 'txt' });
		const a14 = occ.nodes.find((n) => n.number === '1.4')!;
		expect(a14.tools).toEqual([
			'Supports de formation/sensibilisation',
			'Outils achat',
			'Outils juridiques',
			"Charte d'Engagement Villes et Territoires sans Perturbateur Endocrinien",
			"Réseau : RES'OCC"
		]);
		expect(a14.targets.filter((t) => t.value === null).map((t) => t.label)[0]).toBe(
			'Nombre et % de marchés annuels notifiés comportant une considération environnementale.'
		);
		// the indicators become targets of the SPASER (without a value), not text lost
		const content = reviewToContent(reviewFromResult(occ));
		expect(content.nodes.find((n) => n.id === a14.id)!.tools).toHaveLength(5);
	});

	it('reads counted and amount targets with their year, and not sentences that only mention numbers and years', () => {
		expect(parseTarget('Former 200 acheteurs d’ici 2027.')).toMatchObject({
			value: 200,
			unit: 'acheteurs',
			year: 2027,
			relative: false
		});
		expect(parseTarget("Atteindre 1 500 000 heures d'insertion à l'horizon 2028")).toMatchObject({
			value: 1_500_000,
			unit: "heures d'insertion",
			year: 2028
		});
		expect(parseTarget("5 M€ d'achats auprès de l'ESS en 2028")).toMatchObject({
			value: 5_000_000,
			unit: '€',
			year: 2028
		});
		expect(parseTarget('Former 40 acheteurs par an.')).toMatchObject({ value: 40, unit: 'acheteurs', year: null });
		expect(parseTarget('27 actions qui seront réalisées entre 2026 et 2029')).toBeNull();
		expect(parseTarget('Ce travail a débouché sur 27 actions en 2026')).toBeNull();
		expect(parseTarget('2026 : lancement du marché en 2027')).toBeNull();
		const r = detectStructure({
			text: 'AXE 1 : Former\n\nFormer 200 acheteurs d’ici 2027.\n\nAXE 2 : Autre',
			format: 'txt'
		});
		expect(r.nodes[0].targets).toMatchObject([{ value: 200, unit: 'acheteurs', year: 2027 }]);
	});
});

describe('splitting inside a list', () => {
	it('makes a list item the title of a new node, the items after it following, nothing lost', () => {
		const r = detectStructure({
			text: 'AXE 1 : Écologie\n\nIntroduction.\n\n- Premier point\n- Action 2 : Réduire les déchets\n- Trier\n- Composter\n\nConclusion.',
			format: 'txt'
		});
		const s = reviewFromResult(r);
		const list = s.nodes[0].body.findIndex((b) => b.type === 'bulletList');
		const split = splitAt(s, 0, list, 1);
		expect(split.nodes.map((n) => n.title)).toEqual(['Écologie', 'Action 2 : Réduire les déchets']);
		expect(richToText(split.nodes[0].body)).toBe('Introduction.\nPremier point');
		expect(richToText(split.nodes[1].body)).toBe('Trier\nComposter\nConclusion.');
		// at the first item, the list leaves the first node entirely
		const atFirst = splitAt(s, 0, list, 0);
		expect(atFirst.nodes[0].body.map((b) => b.type)).toEqual(['paragraph']);
		expect(atFirst.nodes[1].title).toBe('Premier point');
		const all = (st: ReviewState) => words(st.nodes.map((n) => `${n.title} ${richToText(n.body)}`).join(' ')).sort();
		expect(all(split)).toEqual(all(s));
		expect(all(atFirst)).toEqual(all(s));
		expect(parseReviewState(split).ok).toBe(true);
	});
});
