import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { parseDocContent, outlineContent } from '../../src/lib/spaser/content-schema';
import { checkCompliance } from '../../src/lib/spaser/checklist';
import { indicatorByCode } from '../../src/lib/spaser/indicators';
import { richToText } from '../../src/lib/spaser/rich';
import { buildTemplate, proposeFromAnswers, TEMPLATES, type TemplateKey } from '../../src/lib/spaser/templates';
import { exportContent, importContent, readTree, type DocContent } from '../../src/lib/spaser/ydoc';

const META = { status: 'brouillon', adoptedOn: null, periodStart: 2026, periodEnd: 2029 };
const allText = (c: DocContent) => c.nodes.map((n) => `${n.title}\n${richToText(n.body)}`).join('\n');
const titles = (c: DocContent) => c.nodes.map((n) => n.title);

describe('SPASER templates', () => {
	it.each(TEMPLATES.map((t) => t.key))(
		'%s validates, fits in 5 levels, names its levels and has measured targets',
		(key) => {
			const content = buildTemplate(key, { periodStart: 2026, periodEnd: 2029 });
			const parsed = parseDocContent(JSON.parse(JSON.stringify(content)));
			if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues.slice(0, 3)));
			expect(content.settings.levelNames.length).toBeGreaterThanOrEqual(3);
			expect(content.settings.levelNames.length).toBeLessThanOrEqual(5);
			const { outline } = outlineContent(content);
			const maxDepth = Math.max(...[...outline.values()].map((o) => o.depth));
			expect(maxDepth).toBeLessThanOrEqual(5);
			expect(maxDepth).toBeLessThanOrEqual(content.settings.levelNames.length);
			const targets = content.nodes.flatMap((n) => n.targets);
			expect(targets.length).toBeGreaterThanOrEqual(3);
			for (const t of targets) {
				expect(indicatorByCode(t.indicatorCode), t.indicatorCode ?? '').toBeDefined();
				expect(t.year).toBeGreaterThanOrEqual(2026);
				expect(t.year).toBeLessThanOrEqual(2029);
				for (const m of t.milestones) expect(m.year).toBeGreaterThanOrEqual(2026);
				if (t.relative) expect(t.baselineYear).toBe(2025);
			}
			expect(targets.some((t) => t.milestones.length > 0)).toBe(true);
			// legal reference lines
			const text = allText(content);
			expect(text).toContain('L2111-3');
			expect(text).toMatch(/Climat et résilience/);
			// the legal elements the checklist looks for are all there (except adoption/publication, which come later)
			const failing = checkCompliance(content, META)
				.filter((i) => i.level === 'required' && !i.ok)
				.map((i) => i.key);
			expect(failing.sort()).toEqual(['adoption', 'publication']);
			const warnings = checkCompliance(content, META).filter((i) => i.level === 'warning' && !i.ok);
			expect(warnings).toEqual([]);
			// loads into a Y.Doc unchanged
			const doc = new Y.Doc();
			importContent(doc, content);
			expect(exportContent(doc)).toEqual(content);
		}
	);

	it('models the real structures: global numbering for 5 axes, per-parent with action bonus for 3 piliers', () => {
		const five = buildTemplate('cinq_axes', { periodStart: 2026, periodEnd: 2029 });
		const doc = new Y.Doc();
		importContent(doc, five);
		const tree = readTree(doc);
		const axes = tree.filter((n) => n.depth === 1);
		const chantiers = tree.filter((n) => n.depth === 2);
		expect(axes).toHaveLength(5);
		expect(chantiers.length).toBeGreaterThanOrEqual(19);
		expect(chantiers.length).toBeLessThanOrEqual(21);
		for (const a of axes) {
			expect(a.childIds.length).toBeGreaterThanOrEqual(3);
			expect(a.childIds.length).toBeLessThanOrEqual(5);
		}
		for (const c of chantiers) {
			expect(c.childIds.length).toBeGreaterThanOrEqual(1);
			expect(c.childIds.length).toBeLessThanOrEqual(3);
		}
		expect(chantiers.at(-1)!.label).toBe(`Chantier ${chantiers.length}`);
		expect(tree.filter((n) => n.depth === 3).at(-1)!.label).toBe(`Action ${tree.filter((n) => n.depth === 3).length}`);

		const piliers = buildTemplate('trois_piliers', { periodStart: 2026, periodEnd: 2029 });
		const d2 = new Y.Doc();
		importContent(d2, piliers);
		const t2 = readTree(d2);
		expect(t2.filter((n) => n.depth === 1).map((n) => n.title)).toEqual([
			'Pilier environnemental',
			'Pilier économique',
			'Pilier social',
			'Pilier transversal'
		]);
		expect(t2.some((n) => n.kind === 'action_bonus')).toBe(true);
		expect(t2.some((n) => n.depth === 4 && /^Sous-action \d+\.\d+\.\d+\.\d+$/.test(n.label))).toBe(true);

		const minimal = buildTemplate('minimal_legal', { periodStart: 2026, periodEnd: 2029 });
		expect(titles(minimal)).toEqual(
			expect.arrayContaining(['Volet social', 'Volet environnemental', 'Établir un bilan tous les deux ans'])
		);
		expect(allText(minimal)).toMatch(/en nombre de contrats ou en valeur/);
		expect(allText(minimal)).toMatch(/2022-767/);
	});

	it('places target years inside any period and gives fresh ids to each copy', () => {
		const a = buildTemplate('quatre_axes', { periodStart: 2030, periodEnd: 2031 });
		for (const t of a.nodes.flatMap((n) => n.targets)) {
			for (const y of [t.year!, ...t.milestones.map((m) => m.year)]) expect(y >= 2030 && y <= 2031).toBe(true);
			expect(new Set(t.milestones.map((m) => m.year)).size).toBe(t.milestones.length);
		}
		const b = buildTemplate('quatre_axes', { periodStart: 2030, periodEnd: 2031 });
		expect(a.nodes[0].id).not.toBe(b.nodes[0].id);
		expect(titles(a)).toEqual(titles(b));
	});
});

describe('first-SPASER wizard', () => {
	const keyOf = (a: Parameters<typeof proposeFromAnswers>[0]): TemplateKey => proposeFromAnswers(a).templateKey;

	it('picks a template that fits the collectivité', () => {
		expect(
			keyOf({
				orgKind: 'communaute_communes',
				purchaseVolumeEur: 8_000_000,
				priorities: ['insertion'],
				experience: 'first'
			})
		).toBe('minimal_legal');
		expect(
			keyOf({
				orgKind: 'region',
				purchaseVolumeEur: 900_000_000,
				priorities: ['insertion', 'environnement'],
				experience: 'renewal'
			})
		).toBe('cinq_axes');
		expect(
			keyOf({
				orgKind: 'departement',
				purchaseVolumeEur: 300_000_000,
				priorities: ['insertion', 'ess'],
				experience: 'first'
			})
		).toBe('trois_piliers');
		expect(
			keyOf({
				orgKind: 'communaute_agglomeration',
				purchaseVolumeEur: 70_000_000,
				priorities: ['environnement'],
				experience: 'renewal'
			})
		).toBe('quatre_axes');
	});

	it('says whether the SPASER is mandatory (≥ 50\u00a0M€ HT)', () => {
		const big = proposeFromAnswers({
			orgKind: 'metropole',
			purchaseVolumeEur: 50_000_000,
			priorities: [],
			experience: 'first'
		});
		expect(big.mandatory).toBe(true);
		expect(big.reasons[0]).toMatch(/obligatoires/);
		expect(big.reasons[0]).toContain('50\u00a0M€ HT');
		const small = proposeFromAnswers({
			orgKind: 'commune',
			purchaseVolumeEur: 49_999_999,
			priorities: [],
			experience: 'first'
		});
		expect(small.mandatory).toBe(false);
		expect(small.reasons[0]).toMatch(/n’est pas obligatoire/);
		expect(
			proposeFromAnswers({ orgKind: 'commune', purchaseVolumeEur: null, priorities: [], experience: 'first' }).mandatory
		).toBeNull();
	});

	it('adds the food part only when alimentation is a priority, and the parts a template lacks', () => {
		const withFood = proposeFromAnswers({
			orgKind: 'region',
			purchaseVolumeEur: 900_000_000,
			priorities: ['alimentation', 'insertion'],
			experience: 'renewal'
		});
		const withoutFood = proposeFromAnswers({
			orgKind: 'region',
			purchaseVolumeEur: 900_000_000,
			priorities: ['insertion'],
			experience: 'renewal'
		});
		const hasEgalim = (c: DocContent) => c.nodes.some((n) => n.targets.some((t) => t.indicatorCode === 'CAN-ALIM-01'));
		expect(hasEgalim(withFood.content)).toBe(true);
		expect(hasEgalim(withoutFood.content)).toBe(false);
		expect(withFood.reasons.join(' ')).toMatch(/EGalim/);

		// minimal template + food and local economy: nodes are added (a new root for the economic part)
		const minimal = proposeFromAnswers({
			orgKind: 'commune',
			purchaseVolumeEur: 5_000_000,
			priorities: ['alimentation', 'economie_locale'],
			experience: 'first'
		});
		expect(minimal.templateKey).toBe('minimal_legal');
		expect(hasEgalim(minimal.content)).toBe(true);
		const tree = (() => {
			const d = new Y.Doc();
			importContent(d, minimal.content);
			return readTree(d);
		})();
		const food = tree.find((n) => n.targets.some((t) => t.indicatorCode === 'CAN-ALIM-01'))!;
		expect(tree.find((n) => n.id === food.parentId)!.title).toBe('Volet environnemental');
		const eco = tree.find((n) => n.title === 'Volet économique')!;
		expect(eco.depth).toBe(1);
		expect(eco.childIds).toHaveLength(1);
		expect(minimal.reasons.some((r) => r.includes('Économie du territoire'))).toBe(true);
		for (const p of [withFood, withoutFood, minimal]) expect(parseDocContent(p.content).ok).toBe(true);
	});

	it('puts reserved contracts first for ESS', () => {
		const p = proposeFromAnswers({
			orgKind: 'communaute_agglomeration',
			purchaseVolumeEur: 70_000_000,
			priorities: ['ess'],
			experience: 'renewal'
		});
		expect(p.templateKey).toBe('quatre_axes');
		const d = new Y.Doc();
		importContent(d, p.content);
		const tree = readTree(d);
		const social = tree.find((n) => n.depth === 1 && /social/i.test(n.title))!;
		expect(tree.find((n) => n.id === social.childIds[0])!.title).toBe('Développer les marchés réservés');
		expect(p.reasons.join(' ')).toMatch(/L2113-12/);
		// the exported content is in document order
		expect(exportContent(d).nodes.map((n) => n.id)).toEqual(p.content.nodes.map((n) => n.id));
	});
});
