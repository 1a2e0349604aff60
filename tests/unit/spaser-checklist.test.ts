import { describe, expect, it } from 'vitest';
import {
	checkCompliance,
	complianceSummary,
	isContractBased,
	type ComplianceMeta
} from '../../src/lib/spaser/checklist';
import type { PlainNode, RichNode, Target } from '../../src/lib/spaser/model';
import type { DocContent } from '../../src/lib/spaser/ydoc';

let seq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const para = (text: string): RichNode[] => [{ type: 'paragraph', content: [{ type: 'text', text }] }];

function node(title: string, more: Partial<PlainNode> = {}): PlainNode {
	return {
		id: uuid(),
		parentId: null,
		order: String.fromCharCode(97 + (seq % 26)),
		title,
		body: [],
		kind: 'normal',
		status: 'a_lancer',
		pilot: '',
		resources: [],
		tools: [],
		links: [],
		targets: [],
		...more
	};
}
function target(more: Partial<Target> = {}): Target {
	return {
		id: `t${++seq}`,
		indicatorCode: null,
		label: '',
		unit: '%',
		value: null,
		year: null,
		milestones: [],
		baselineYear: null,
		relative: false,
		thresholdEurHt: null,
		scope: '',
		...more
	};
}
const content = (nodes: PlainNode[]): DocContent => ({
	settings: { levelNames: ['Axe', 'Objectif', 'Action'], numbering: 'global' },
	nodes
});
const META: ComplianceMeta = {
	status: 'brouillon',
	adoptedOn: null,
	publishedAt: null,
	periodStart: 2026,
	periodEnd: 2029
};
const item = (c: DocContent, key: string, meta: ComplianceMeta = META) => {
	const found = checkCompliance(c, meta).find((i) => i.key === key);
	if (!found) throw new Error(`no item ${key}`);
	return found;
};

/** A small compliant SPASER. */
function good() {
	const social = node('Volet social', { body: para('Développer les clauses d’insertion.') });
	const soc = node('Clauses sociales', {
		parentId: social.id,
		targets: [
			target({
				indicatorCode: 'CAN-SOC-01',
				label: 'Marchés avec considération sociale',
				value: 30,
				year: 2028,
				milestones: [{ year: 2026, value: 20 }]
			})
		]
	});
	const env = node('Volet environnemental');
	const envT = node('Considérations dans les marchés', {
		parentId: env.id,
		targets: [
			target({
				indicatorCode: 'CAN-ENV-01',
				label: 'Marchés avec considération environnementale',
				value: 100,
				year: 2027
			})
		]
	});
	const gov = node('Suivi', { body: para('Un bilan est publié tous les deux ans.') });
	return { social, soc, env, envT, gov, content: content([social, soc, env, envT, gov]) };
}

describe('compliance checklist', () => {
	it('passes every legal element on a complete, adopted and published SPASER', () => {
		const { content: c } = good();
		const items = checkCompliance(c, {
			...META,
			status: 'adopte',
			adoptedOn: '2025-12-15',
			publishedAt: new Date('2026-01-10T10:00:00Z')
		});
		expect(items.filter((i) => !i.ok).map((i) => i.key)).toEqual([]);
		expect(items.find((i) => i.key === 'adoption')!.detail).toBe('Adopté le 15/12/2025.');
		expect(complianceSummary(items)).toEqual({ requiredOk: 9, requiredTotal: 9, warnings: 0 });
		for (const i of items) expect(i.label).toMatch(/^[A-ZÉ]/);
	});

	it('reports a missing social or environmental part, with the nodes that cover the other', () => {
		const { env, envT, gov } = good();
		const c = content([env, envT, gov]);
		expect(item(c, 'social').ok).toBe(false);
		expect(item(c, 'social').detail).toMatch(/la loi demande les deux volets/);
		expect(item(c, 'environmental').ok).toBe(true);
		expect(item(c, 'environmental').nodeIds).toEqual(expect.arrayContaining([env.id, envT.id]));
		expect(item(content([]), 'objectives').ok).toBe(false);
	});

	it('requires indicators in number of contracts or value for each part', () => {
		const { social, env, gov } = good();
		// social measured in hours only (not contracts), environmental by a custom contract-based indicator
		const hours = node('Heures', {
			parentId: social.id,
			targets: [target({ indicatorCode: 'CAN-SOC-02', label: 'Heures', unit: 'heures', value: 1000, year: 2028 })]
		});
		const custom = node('Réemploi', {
			parentId: env.id,
			targets: [target({ label: 'Part des marchés de fournitures avec réemploi', unit: '%', value: 20, year: 2028 })]
		});
		const c = content([social, hours, env, custom, gov]);
		const it1 = item(c, 'indicators');
		expect(it1.ok).toBe(false);
		expect(it1.detail).toMatch(/pour la partie sociale/);
		expect(it1.detail).not.toMatch(/environnementale/);
		expect(isContractBased(custom.targets[0])).toBe(true);
		expect(isContractBased(target({ label: 'Tonnes de déchets', unit: 't' }))).toBe(false);
		expect(isContractBased(target({ label: 'Nombre de sessions', unit: 'nombre' }))).toBe(false);
		expect(isContractBased(target({ indicatorCode: 'CAN-SOC-07', unit: '€ HT' }))).toBe(true);
	});

	it('checks target values and years against the period', () => {
		const g = good();
		g.soc.targets.push(target({ indicatorCode: 'CAN-SOC-10', label: 'Égalité', value: null }));
		g.envT.targets[0].year = 2031;
		const c = g.content;
		const values = item(c, 'target_values');
		expect(values.ok).toBe(false);
		expect(values.nodeIds).toEqual([g.soc.id]);
		const years = item(c, 'target_years');
		expect(years.ok).toBe(false);
		expect(years.detail).toBe('1 cible a une année hors de la période 2026–2029 (2031).');
		expect(years.nodeIds).toEqual([g.envT.id]);
		expect(item(c, 'target_years', { ...META, periodStart: null }).detail).toMatch(/Indiquez la période/);
	});

	it('publication needs an adopted and published version', () => {
		const { content: c } = good();
		expect(item(c, 'publication').ok).toBe(false);
		expect(item(c, 'publication', { ...META, status: 'adopte', adoptedOn: '2025-12-15' }).detail).toMatch(
			/aucune version n’est publiée/
		);
		expect(
			item(c, 'publication', { ...META, status: 'adopte', adoptedOn: '2025-12-15', publishedAt: '2026-01-02' }).ok
		).toBe(true);
		expect(item(c, 'adoption', { ...META, status: 'adopte', adoptedOn: null }).ok).toBe(false);
	});

	it('detects the biennial bilan from a node or a milestone target, and checks its rhythm', () => {
		const g = good();
		const noBilan = content([g.social, g.soc, g.env, g.envT]);
		expect(item(noBilan, 'bilan').ok).toBe(false);
		const planned = node('Suivi', {
			targets: [
				target({
					indicatorCode: 'CAN-GOV-04',
					label: 'Rapport publié',
					unit: 'oui/non',
					value: 1,
					year: 2029,
					milestones: [{ year: 2027, value: 1 }]
				})
			]
		});
		const withTarget = content([g.social, g.soc, g.env, g.envT, planned]);
		expect(item(withTarget, 'bilan').ok).toBe(true);
		expect(item(withTarget, 'bilan').detail).toBe('Bilans prévus en 2027, 2029.');
		planned.targets[0].milestones = [];
		planned.targets[0].year = 2029;
		planned.targets.push(target({ indicatorCode: 'CAN-GOV-04', label: 'Bilan', value: 1, year: 2026 }));
		expect(item(withTarget, 'bilan').detail).toMatch(/prévoyez au moins un bilan tous les deux ans/);
		expect(item(content([node('BILANS et perspectives')]), 'bilan').ok).toBe(true);
		expect(item(content([node('Bilanciel')]), 'bilan').ok).toBe(false);
	});

	it('warns about targets without indicator, relative targets without baseline and falling milestones', () => {
		const g = good();
		g.soc.targets.push(target({ label: '', value: 3, year: 2027 }));
		g.soc.targets.push(
			target({ indicatorCode: 'CAN-SOC-08', label: 'ESS', unit: '%', value: 10, relative: true, year: 2029 })
		);
		g.envT.targets.push(
			target({
				indicatorCode: 'CAN-ENV-02',
				label: 'Critère env.',
				value: 20,
				year: 2029,
				milestones: [
					{ year: 2026, value: 10 },
					{ year: 2027, value: 25 }
				]
			})
		);
		// lower is better for payment delays: falling is fine, rising is not
		const pay = node('Paiement', {
			targets: [
				target({
					indicatorCode: 'CAN-ECO-07',
					label: 'Délai',
					unit: 'jours',
					value: 20,
					year: 2029,
					milestones: [{ year: 2026, value: 30 }]
				})
			]
		});
		const c = content([...g.content.nodes, pay]);
		expect(item(c, 'target_without_indicator').nodeIds).toEqual([g.soc.id]);
		expect(item(c, 'relative_without_baseline').nodeIds).toEqual([g.soc.id]);
		const order = item(c, 'milestones_order');
		expect(order.ok).toBe(false);
		expect(order.nodeIds).toEqual([g.envT.id]);
		expect(order.detail).toContain('«\u00a0Critère env.\u00a0»');
		pay.targets[0].milestones = [{ year: 2026, value: 15 }];
		expect(item(c, 'milestones_order').nodeIds).toEqual([g.envT.id, pay.id]);
		expect(complianceSummary(checkCompliance(c, META)).warnings).toBe(3);
	});

	it('warns about empty titles and duplicate sibling titles (not across parents)', () => {
		const a = node('Axe A');
		const b = node('Axe B');
		const c = content([
			a,
			b,
			node('  '),
			node('Former les agents', { parentId: a.id }),
			node('former  les AGENTS', { parentId: a.id }),
			node('Former les agents', { parentId: b.id })
		]);
		expect(item(c, 'empty_titles').nodeIds).toHaveLength(1);
		const dups = item(c, 'duplicate_titles');
		expect(dups.nodeIds).toHaveLength(2);
		expect(dups.detail).toBe('Titres en double\u00a0: Objectif «\u00a0Former les agents\u00a0».');
	});
});
