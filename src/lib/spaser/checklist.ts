// Legal compliance checklist of a SPASER (art. L2111-3 CCP as amended by the loi Climat et résilience),
// computed from the content alone: a pure function, cheap enough to run on every change.
import type { DocSettings, PlainNode, Target } from './model';
import { richToText } from './rich';
import type { DocContent } from './ydoc';
import { BILAN_INDICATOR, indicatorByCode, type IndicatorDomain } from './indicators';

export interface ComplianceMeta {
	status: string;
	adoptedOn: string | Date | null;
	publishedAt?: string | Date | null;
	periodStart: number | null;
	periodEnd: number | null;
}

export interface ComplianceItem {
	key: string;
	label: string;
	/** 'required': a legal element; 'warning': a quality problem worth fixing. */
	level: 'required' | 'warning';
	ok: boolean;
	detail: string;
	nodeIds?: string[];
}

/** Lower case without accents, for keyword detection. */
export function normalize(s: string): string {
	return s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase();
}

const SOCIAL_RE =
	/(^|[^a-z0-9])(social|sociale|sociales|sociaux|insertion|inclusion|inclusive?s?|solidaires?|ess|handicap\w*|egalite|discriminations?|siae|esat|emploi)(?![a-z0-9])/;
const ENV_RE =
	/(^|[^a-z0-9])(environnement\w*|ecolog\w*|climat\w*|carbone|decarbon\w*|circulaire|reemploi|recycl\w*|biodiversite|energ\w*|sobriete|egalim|biologiques?|dechets?|emissions?)(?![a-z0-9])/;
const BILAN_RE = /(^|[^a-z0-9])bilans?(?![a-z0-9])/;

type Part = 'social' | 'environnement';

function domainPart(d: IndicatorDomain | undefined): Part | null {
	if (d === 'social') return 'social';
	if (d === 'environnement' || d === 'alimentation') return 'environnement';
	return null;
}

function nodeText(n: PlainNode): string {
	return normalize(`${n.title}\n${richToText(n.body)}`);
}

/** Parts a node belongs to by its own words or the indicators of its targets. */
function ownParts(n: PlainNode): Set<Part> {
	const parts = new Set<Part>();
	const text = nodeText(n);
	if (SOCIAL_RE.test(text)) parts.add('social');
	if (ENV_RE.test(text)) parts.add('environnement');
	for (const t of n.targets) {
		const p = domainPart(indicatorByCode(t.indicatorCode)?.domain);
		if (p) parts.add(p);
	}
	return parts;
}

const CONTRACT_UNITS = new Set([
	'%',
	'nombre',
	'nb',
	'€',
	'€ ht',
	'euros',
	'euros ht',
	'eur',
	'k€',
	'm€',
	'contrats',
	'marches'
]);
const CONTRACT_WORDS = /(marche|contrat|achat|lot|consultation|commande)/;

/** Whether a target is expressed « en nombre de contrats ou en valeur » (the form the law asks for). */
export function isContractBased(t: Target): boolean {
	const ind = indicatorByCode(t.indicatorCode);
	if (ind) return ind.basis === 'contracts_count' || ind.basis === 'contracts_value' || ind.basis === 'purchases_value';
	const unit = normalize(t.unit.trim());
	return CONTRACT_UNITS.has(unit) && CONTRACT_WORDS.test(normalize(`${t.label} ${t.scope}`));
}

function targetYears(t: Target): number[] {
	const ys = t.milestones.map((m) => m.year);
	if (t.year !== null) ys.push(t.year);
	return ys;
}

/** Milestones in year order, with the final value as the last point when its year has no milestone. */
function series(t: Target): { year: number; value: number }[] {
	const pts = [...t.milestones];
	if (t.year !== null && t.value !== null && !pts.some((m) => m.year === t.year))
		pts.push({ year: t.year, value: t.value });
	return pts.sort((a, b) => a.year - b.year);
}

const fmtYears = (ys: number[]) => [...new Set(ys)].sort((a, b) => a - b).join(', ');
const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

function labelOf(settings: DocSettings, depth: number, title: string) {
	const level = settings.levelNames[depth - 1] ?? settings.levelNames.at(-1) ?? 'Élément';
	return title.trim() ? `${level} «\u00a0${title.trim()}\u00a0»` : `${level} sans titre`;
}

export function checkCompliance(content: DocContent, meta: ComplianceMeta): ComplianceItem[] {
	const nodes = content.nodes;
	const byId = new Map(nodes.map((n) => [n.id, n]));
	const depthOf = (n: PlainNode) => {
		let d = 1;
		const seen = new Set([n.id]);
		for (let p = n.parentId; p && byId.has(p) && !seen.has(p); p = byId.get(p)!.parentId) {
			seen.add(p);
			d++;
		}
		return d;
	};
	const own = new Map(nodes.map((n) => [n.id, ownParts(n)]));
	/** Parts of a node including those inherited from its ancestors (a chantier of the social axis is social). */
	const inherited = (n: PlainNode): Set<Part> => {
		const parts = new Set(own.get(n.id));
		const seen = new Set([n.id]);
		for (let p = n.parentId; p && byId.has(p) && !seen.has(p); p = byId.get(p)!.parentId) {
			seen.add(p);
			for (const x of own.get(p)!) parts.add(x);
		}
		return parts;
	};
	const targets = nodes.flatMap((n) => n.targets.map((t) => ({ node: n, t })));
	const items: ComplianceItem[] = [];
	const add = (item: ComplianceItem) =>
		items.push(item.nodeIds && !item.nodeIds.length ? { ...item, nodeIds: undefined } : item);

	// 1. objectives: a structure with written content
	const titled = nodes.filter((n) => n.title.trim());
	const roots = titled.filter((n) => !n.parentId || !byId.has(n.parentId));
	const described = titled.filter((n) => richToText(n.body).trim() || nodes.some((c) => c.parentId === n.id));
	add({
		key: 'objectives',
		label: 'Les objectifs du schéma sont rédigés',
		level: 'required',
		ok: roots.length > 0 && described.length > 0,
		detail: !roots.length
			? 'Le schéma ne contient encore aucun élément titré\u00a0: commencez par ses grandes orientations.'
			: described.length
				? `${plural(roots.length, 'orientation', 'orientations')} de premier niveau, ${plural(titled.length, 'élément titré', 'éléments titrés')}.`
				: 'Les éléments sont titrés mais aucun n’est décrit ni détaillé.',
		nodeIds: roots.map((n) => n.id)
	});

	// 2–3. social and environmental parts
	for (const [key, part, label, hint] of [
		[
			'social',
			'social',
			'Le schéma comporte une partie sociale',
			'insertion, ESS, handicap, égalité, marchés réservés…'
		],
		[
			'environmental',
			'environnement',
			'Le schéma comporte une partie environnementale',
			'considérations environnementales, économie circulaire, alimentation durable, sobriété…'
		]
	] as const) {
		const found = nodes.filter((n) => own.get(n.id)!.has(part));
		add({
			key,
			label,
			level: 'required',
			ok: found.length > 0,
			detail: found.length
				? `${plural(found.length, 'élément traite', 'éléments traitent')} de ce volet.`
				: `Aucun élément ne traite de ce volet (${hint})\u00a0: la loi demande les deux volets, social et environnemental.`,
			nodeIds: found.map((n) => n.id)
		});
	}

	// 4. indicators « en nombre de contrats ou en valeur », for each category
	const contractTargets = targets.filter(({ t }) => isContractBased(t));
	const covered = (part: Part) =>
		contractTargets.filter(({ node, t }) => {
			const d = domainPart(indicatorByCode(t.indicatorCode)?.domain);
			return d ? d === part : inherited(node).has(part);
		});
	const socialInd = covered('social');
	const envInd = covered('environnement');
	const missingParts = [!socialInd.length && 'sociale', !envInd.length && 'environnementale'].filter(
		Boolean
	) as string[];
	add({
		key: 'indicators',
		label: 'Des indicateurs sont exprimés en nombre de contrats ou en valeur',
		level: 'required',
		ok: missingParts.length === 0,
		detail: missingParts.length
			? `Aucun indicateur en nombre de contrats ou en valeur pour la partie ${missingParts.join(' ni pour la partie ')}\u00a0: utilisez par exemple «\u00a0Part des marchés notifiés comportant une considération ${missingParts[0]}\u00a0» (%) ou un montant en € HT.`
			: `${plural(contractTargets.length, 'cible mesurée', 'cibles mesurées')} en nombre de contrats ou en valeur (sociales\u00a0: ${socialInd.length}, environnementales\u00a0: ${envInd.length}).`,
		nodeIds: [...new Set(contractTargets.map(({ node }) => node.id))]
	});

	// 5. target values
	const noValue = targets.filter(({ t }) => t.value === null && !t.milestones.length);
	add({
		key: 'target_values',
		label: 'Des valeurs cibles sont fixées',
		level: 'required',
		ok: targets.length > 0 && noValue.length === 0,
		detail: !targets.length
			? 'Aucune cible chiffrée\u00a0: la loi demande des objectifs cibles pour chaque catégorie d’achats.'
			: noValue.length
				? `${plural(noValue.length, 'cible n’a', 'cibles n’ont')} ni valeur ni jalon.`
				: `${plural(targets.length, 'cible chiffrée', 'cibles chiffrées')}.`,
		nodeIds: [...new Set(noValue.map(({ node }) => node.id))]
	});

	// 6. target years inside the period
	const { periodStart: ps, periodEnd: pe } = meta;
	const dated = targets.filter(({ t }) => targetYears(t).length);
	const outside =
		ps !== null && pe !== null ? dated.filter(({ t }) => targetYears(t).some((y) => y < ps || y > pe)) : [];
	add({
		key: 'target_years',
		label: 'Les échéances des cibles tombent dans la période du schéma',
		level: 'required',
		ok: ps !== null && pe !== null && dated.length > 0 && outside.length === 0,
		detail:
			ps === null || pe === null
				? 'Indiquez la période du schéma (années de début et de fin) pour vérifier les échéances.'
				: !dated.length
					? `Aucune cible n’a d’année d’échéance ni de jalon dans la période ${ps}–${pe}.`
					: outside.length
						? `${plural(outside.length, 'cible a', 'cibles ont')} une année hors de la période ${ps}–${pe} (${fmtYears(outside.flatMap(({ t }) => targetYears(t)).filter((y) => y < ps || y > pe))}).`
						: `Toutes les échéances sont comprises entre ${ps} et ${pe}.`,
		nodeIds: [...new Set(outside.map(({ node }) => node.id))]
	});

	// 7. adoption and publication
	const adopted = meta.status === 'adopte' || meta.status === 'archive';
	add({
		key: 'adoption',
		label: 'Le schéma est adopté par délibération',
		level: 'required',
		ok: adopted && !!meta.adoptedOn,
		detail: adopted
			? meta.adoptedOn
				? `Adopté le ${new Date(meta.adoptedOn).toLocaleDateString('fr-FR', { timeZone: 'UTC' })}.`
				: 'Indiquez la date d’adoption et la référence de la délibération.'
			: 'Le schéma n’est pas encore adopté.'
	});
	add({
		key: 'publication',
		label: 'La version adoptée est publiée',
		level: 'required',
		ok: adopted && !!meta.publishedAt,
		detail: !adopted
			? 'La publication suivra l’adoption\u00a0: le schéma adopté doit être rendu public.'
			: meta.publishedAt
				? `Publiée le ${new Date(meta.publishedAt).toLocaleDateString('fr-FR', { timeZone: 'UTC' })}.`
				: 'Le schéma est adopté mais aucune version n’est publiée\u00a0: publiez la version adoptée.'
	});

	// 8. biennial bilan planned: a node speaking of the bilan, or a bilan target with milestones
	const bilanNodes = nodes.filter((n) => BILAN_RE.test(nodeText(n)));
	const bilanTargets = targets.filter(
		({ t }) => t.indicatorCode === BILAN_INDICATOR || BILAN_RE.test(normalize(t.label))
	);
	const bilanYears = [...new Set(bilanTargets.flatMap(({ t }) => targetYears(t)))].sort((a, b) => a - b);
	const gaps = bilanYears.slice(1).map((y, i) => y - bilanYears[i]);
	const everyTwo = bilanYears.length >= 2 && gaps.every((g) => g <= 2);
	add({
		key: 'bilan',
		label: 'Un bilan est prévu au moins tous les deux ans',
		level: 'required',
		ok: bilanNodes.length > 0 || bilanTargets.length > 0,
		detail:
			!bilanNodes.length && !bilanTargets.length
				? 'Aucun élément ne prévoit le bilan de mise en œuvre\u00a0: ajoutez une action «\u00a0Bilan biennal\u00a0» avec ses échéances (au moins tous les deux ans).'
				: bilanYears.length
					? everyTwo
						? `Bilans prévus en ${fmtYears(bilanYears)}.`
						: `Bilans prévus en ${fmtYears(bilanYears)}\u00a0: prévoyez au moins un bilan tous les deux ans.`
					: 'Le bilan est mentionné\u00a0; précisez ses échéances (au moins tous les deux ans).',
		nodeIds: [...new Set([...bilanNodes.map((n) => n.id), ...bilanTargets.map(({ node }) => node.id)])]
	});

	// Warnings
	const noIndicator = targets.filter(({ t }) => !t.indicatorCode && !t.label.trim());
	add({
		key: 'target_without_indicator',
		label: 'Chaque cible est mesurée par un indicateur',
		level: 'warning',
		ok: noIndicator.length === 0,
		detail: noIndicator.length
			? `${plural(noIndicator.length, 'cible n’est reliée', 'cibles ne sont reliées')} à aucun indicateur\u00a0: choisissez-en un dans le catalogue ou décrivez-le.`
			: 'Toutes les cibles ont un indicateur.',
		nodeIds: [...new Set(noIndicator.map(({ node }) => node.id))]
	});

	const noBaseline = targets.filter(({ t }) => t.relative && t.baselineYear === null);
	add({
		key: 'relative_without_baseline',
		label: 'Les cibles relatives ont une année de référence',
		level: 'warning',
		ok: noBaseline.length === 0,
		detail: noBaseline.length
			? `${plural(noBaseline.length, 'cible relative', 'cibles relatives')} («\u00a0+10\u00a0% par an\u00a0»…) sans année de référence\u00a0: impossible de mesurer la progression.`
			: 'Les cibles relatives indiquent leur année de référence.',
		nodeIds: [...new Set(noBaseline.map(({ node }) => node.id))]
	});

	const badOrder = targets.filter(({ t }) => {
		const dir = indicatorByCode(t.indicatorCode)?.direction;
		if (dir !== 'higher' && dir !== 'lower') return false;
		const pts = series(t);
		return pts.slice(1).some((p, i) => (dir === 'higher' ? p.value < pts[i].value : p.value > pts[i].value));
	});
	add({
		key: 'milestones_order',
		label: 'Les jalons progressent dans le bon sens',
		level: 'warning',
		ok: badOrder.length === 0,
		detail: badOrder.length
			? `${plural(badOrder.length, 'cible a', 'cibles ont')} des jalons qui reculent alors que l’indicateur doit progresser\u00a0: ${badOrder.map(({ t }) => `«\u00a0${t.label || t.indicatorCode}\u00a0»`).join(', ')}.`
			: 'Les jalons progressent dans le sens attendu.',
		nodeIds: [...new Set(badOrder.map(({ node }) => node.id))]
	});

	const untitled = nodes.filter((n) => !n.title.trim());
	add({
		key: 'empty_titles',
		label: 'Chaque élément a un titre',
		level: 'warning',
		ok: untitled.length === 0,
		detail: untitled.length
			? `${plural(untitled.length, 'élément n’a', 'éléments n’ont')} pas de titre.`
			: 'Tous les éléments ont un titre.',
		nodeIds: untitled.map((n) => n.id)
	});

	const groups = new Map<string, PlainNode[]>();
	for (const n of titled) {
		const k = `${n.parentId ?? ''}\u0000${normalize(n.title).replace(/\s+/g, ' ').trim()}`;
		if (!groups.has(k)) groups.set(k, []);
		groups.get(k)!.push(n);
	}
	const dups = [...groups.values()].filter((g) => g.length > 1);
	add({
		key: 'duplicate_titles',
		label: 'Pas de titres en double au même niveau',
		level: 'warning',
		ok: dups.length === 0,
		detail: dups.length
			? `Titres en double\u00a0: ${dups.map((g) => labelOf(content.settings, depthOf(g[0]), g[0].title)).join(', ')}.`
			: 'Aucun titre en double.',
		nodeIds: dups.flat().map((n) => n.id)
	});

	return items;
}

/** Counts for a badge: required elements met, and open warnings. */
export function complianceSummary(items: ComplianceItem[]) {
	const required = items.filter((i) => i.level === 'required');
	return {
		requiredOk: required.filter((i) => i.ok).length,
		requiredTotal: required.length,
		warnings: items.filter((i) => i.level === 'warning' && !i.ok).length
	};
}
