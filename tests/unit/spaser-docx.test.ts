import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { outlineContent } from '../../src/lib/spaser/content-schema';
import { buildTemplate, TEMPLATES } from '../../src/lib/spaser/templates';
import { addNode, bodyFragment, exportContent, importContent, readTree, setTarget } from '../../src/lib/spaser/ydoc';
import { setFragmentJson } from '../../src/lib/spaser/rich';
import { describeTarget, renderDocx } from '../../src/lib/server/spaser/docx';
import { docxParagraphs, unzip } from '../helpers/unzip';

const META = {
	title: 'SPASER 2026-2029',
	orgNames: ['Ville de Test', 'Communauté de Test'],
	periodStart: 2026,
	periodEnd: 2029,
	status: 'adopte',
	adoptedOn: '2025-12-15',
	deliberationRef: 'n° 2025-12-07',
	generatedAt: new Date('2026-01-05T10:00:00Z')
};

async function paragraphsOf(buf: Buffer) {
	const files = unzip(buf);
	expect(files.has('[Content_Types].xml')).toBe(true);
	const xml = files.get('word/document.xml')!.toString('utf8');
	return { files, xml, paras: docxParagraphs(xml) };
}

describe('DOCX export', () => {
	it.each(TEMPLATES.map((t) => t.key))(
		'template %s: every node title appears with its numbered level label',
		async (key) => {
			const content = buildTemplate(key, { periodStart: 2026, periodEnd: 2029 });
			const buf = await renderDocx(META, content);
			expect(buf.subarray(0, 2).toString()).toBe('PK');
			const { paras } = await paragraphsOf(buf);
			const { order, outline } = outlineContent(content);
			for (const n of order) {
				const label = outline.get(n.id)!.label;
				expect(
					paras.some((p) => p.startsWith(label) && p.endsWith(`— ${n.title}`)),
					`${label} — ${n.title}`
				).toBe(true);
			}
			// every target appears in the node tables and in the summary
			const targets = content.nodes.flatMap((n) => n.targets);
			const text = paras.join('\n');
			for (const t of targets) expect(text.split(describeTarget(t).indicator).length - 1).toBeGreaterThanOrEqual(2);
			expect(paras).toContain('Synthèse des indicateurs et des cibles');
		}
	);

	it('renders the title page, node details, rich bodies and targets', async () => {
		const doc = new Y.Doc();
		importContent(doc, buildTemplate('trois_piliers', { periodStart: 2026, periodEnd: 2029 }));
		const first = readTree(doc)[0];
		const special = addNode(doc, {
			parentId: first.id,
			title: 'R&D <innovation> «\u00a0sobre\u00a0»',
			pilot: 'Direction des achats',
			resources: ['DAJ', 'DSI'],
			status: 'en_cours',
			tools: ['Guide interne']
		});
		setTarget(doc, special, {
			id: 'r1',
			indicatorCode: 'CAN-SOC-08',
			label: 'Achats ESS',
			unit: '%',
			value: 10,
			year: null,
			milestones: [],
			baselineYear: 2025,
			relative: true,
			thresholdEurHt: 40000,
			scope: 'Fournitures'
		});
		setFragmentJson(bodyFragment(doc, special), [
			{ type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: 'Contexte local' }] },
			{
				type: 'paragraph',
				content: [
					{ type: 'text', text: 'Texte ' },
					{ type: 'text', text: 'important', marks: [{ type: 'bold' }] },
					{ type: 'text', text: ' et ' },
					{ type: 'text', text: 'un lien', marks: [{ type: 'link', attrs: { href: 'https://example.org/guide' } }] }
				]
			},
			{
				type: 'bulletList',
				content: [
					{
						type: 'listItem',
						content: [
							{ type: 'paragraph', content: [{ type: 'text', text: 'premier point' }] },
							{
								type: 'orderedList',
								content: [
									{
										type: 'listItem',
										content: [{ type: 'paragraph', content: [{ type: 'text', text: 'sous-point' }] }]
									}
								]
							}
						]
					}
				]
			},
			{
				type: 'table',
				content: [
					{
						type: 'tableRow',
						content: [
							{ type: 'tableHeader', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Année' }] }] },
							{ type: 'tableCell', content: [{ type: 'paragraph', content: [{ type: 'text', text: '2027' }] }] }
						]
					}
				]
			},
			{
				type: 'paragraph',
				content: [{ type: 'text', text: 'piège', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }]
			}
		]);
		const content = exportContent(doc);
		const buf = await renderDocx(META, content);
		const { files, xml, paras } = await paragraphsOf(buf);
		expect(paras).toContain('Ville de Test · Communauté de Test');
		expect(paras).toContain('SPASER 2026-2029');
		expect(paras).toContain('Période\u00a0: 2026–2029');
		expect(paras).toContain('Statut\u00a0: Adopté');
		expect(paras).toContain('Adopté le 15 décembre 2025 par la délibération n° 2025-12-07');
		expect(paras).toContain('Schéma élaboré conjointement par 2 collectivités.');
		const label = readTree(doc).find((n) => n.id === special)!.label;
		expect(paras).toContain(`${label} — R&D <innovation> «\u00a0sobre\u00a0»`);
		expect(xml).toContain('R&amp;D &lt;innovation&gt;');
		expect(paras).toContain(
			'Direction pilote\u00a0: Direction des achats  ·  Directions ressources\u00a0: DAJ, DSI  ·  État\u00a0: En cours  ·  Outils\u00a0: Guide interne'
		);
		expect(paras).toEqual(
			expect.arrayContaining([
				'Contexte local',
				'Texte important et un lien',
				'premier point',
				'sous-point',
				'Année',
				'2027',
				'piège'
			])
		);
		expect(paras).toContain('+10\u00a0% par an (référence 2025)');
		expect(paras).toContain(
			`Fournitures — marchés de plus de ${new Intl.NumberFormat('fr-FR').format(40000)}\u00a0€ HT`
		);
		// the http link became a hyperlink relationship; the javascript: one did not
		const rels = files.get('word/_rels/document.xml.rels')!.toString('utf8');
		expect(rels).toContain('https://example.org/guide');
		expect(rels).not.toContain('javascript');
		expect(files.get('word/numbering.xml')!.toString('utf8')).toContain('w:abstractNum');
		// action bonus kind is shown in the heading
		const bonus = readTree(doc).find((n) => n.kind === 'action_bonus')!;
		expect(paras).toContain(`${bonus.label} (action bonus) — ${bonus.title}`);
	});
});
