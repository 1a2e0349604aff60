// Indicators computed from DECP contracts (latest state of each contract, counted in the year of its initial
// notification), with the list of contracts behind every figure. Shares of social/environmental considerations
// are computed over the contracts whose considerations are known (the 2019 format has none); flagged amounts are
// never summed; the SME share is over contracts whose holder category is known.
import { ENV_KINDS, PROCEDURES, SOCIAL_KINDS } from './parse';

export interface ContractState {
	key: string; // `${buyerSiret}|${contractId}`
	contractId: string;
	buyerSiret: string;
	object: string;
	procedure: string;
	notifiedOn: string;
	year: number;
	amount: number | null;
	amountFlagged: boolean;
	offers: number | null;
	innovative: boolean | null;
	social: string[] | null;
	environmental: string[] | null;
	holderCategory: string | null;
	modifications: number;
}

export type Threshold = 'all' | 'ge40k' | 'gt100k';
export const THRESHOLDS: Record<Threshold, string> = {
	all: 'Tous les marchés',
	ge40k: 'Marchés ≥ 40\u00a0000\u00a0€ HT',
	gt100k: 'Marchés > 100\u00a0000\u00a0€ HT'
};

export interface Figure {
	id: string;
	label: string;
	/** Contracts counted in the numerator. */
	count: number;
	/** Contracts in the denominator (known values). */
	base: number;
	/** count / base × 100, or null without a base. */
	pctCount: number | null;
	/** Sum of non-flagged amounts of the numerator, and its share of the base's sum. */
	value: number;
	pctValue: number | null;
	/** Keys of the contracts in the numerator. */
	contracts: string[];
}

export interface DecpIndicators {
	year: number;
	threshold: Threshold;
	total: number;
	totalValue: number;
	flagged: number;
	knownConsiderations: number;
	figures: Figure[];
	meanOffers: { value: number | null; base: number; contracts: string[] };
	procedures: { procedure: string; count: number; pct: number; contracts: string[] }[];
}

function inThreshold(c: ContractState, t: Threshold) {
	if (t === 'all') return true;
	if (c.amount === null || c.amountFlagged) return false;
	return t === 'ge40k' ? c.amount >= 40_000 : c.amount > 100_000;
}

const amountOf = (c: ContractState) => (c.amount !== null && !c.amountFlagged ? c.amount : 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

function figure(id: string, label: string, base: ContractState[], pick: (c: ContractState) => boolean): Figure {
	const hits = base.filter(pick);
	const baseValue = base.reduce((s, c) => s + amountOf(c), 0);
	const value = hits.reduce((s, c) => s + amountOf(c), 0);
	return {
		id,
		label,
		count: hits.length,
		base: base.length,
		pctCount: base.length ? round1((100 * hits.length) / base.length) : null,
		value,
		pctValue: baseValue > 0 ? round1((100 * value) / baseValue) : null,
		contracts: hits.map((c) => c.key)
	};
}

export function computeIndicators(all: ContractState[], year: number, threshold: Threshold = 'all'): DecpIndicators {
	const contracts = all.filter((c) => c.year === year && inThreshold(c, threshold));
	const known = contracts.filter((c) => c.social !== null && c.environmental !== null);
	const figures: Figure[] = [
		figure('social_any', 'Marchés avec au moins une considération sociale', known, (c) => (c.social ?? []).length > 0),
		...SOCIAL_KINDS.map((k) =>
			figure(`social_${slug(k)}`, `dont ${k.toLowerCase()}`, known, (c) => (c.social ?? []).includes(k))
		),
		figure(
			'env_any',
			'Marchés avec au moins une considération environnementale',
			known,
			(c) => (c.environmental ?? []).length > 0
		),
		...ENV_KINDS.map((k) =>
			figure(`env_${slug(k)}`, `dont ${k.toLowerCase()}`, known, (c) => (c.environmental ?? []).includes(k))
		),
		figure(
			'innovative',
			'Marchés innovants',
			contracts.filter((c) => c.innovative !== null),
			(c) => c.innovative === true
		),
		figure(
			'sme',
			'Marchés attribués à des PME (catégorie du titulaire connue)',
			contracts.filter((c) => c.holderCategory !== null),
			(c) => c.holderCategory === 'PME'
		)
	];
	const withOffers = contracts.filter((c) => c.offers !== null);
	const procedures = [...PROCEDURES]
		.map((p) => {
			const list = contracts.filter((c) => c.procedure === p);
			return {
				procedure: p,
				count: list.length,
				pct: contracts.length ? round1((100 * list.length) / contracts.length) : 0,
				contracts: list.map((c) => c.key)
			};
		})
		.filter((p) => p.count > 0);
	return {
		year,
		threshold,
		total: contracts.length,
		totalValue: contracts.reduce((s, c) => s + amountOf(c), 0),
		flagged: contracts.filter((c) => c.amountFlagged).length,
		knownConsiderations: known.length,
		figures,
		meanOffers: {
			value: withOffers.length ? round1(withOffers.reduce((s, c) => s + (c.offers ?? 0), 0) / withOffers.length) : null,
			base: withOffers.length,
			contracts: withOffers.map((c) => c.key)
		},
		procedures
	};
}

function slug(s: string) {
	return s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z]+/g, '_')
		.replace(/^_|_$/g, '');
}

/** Which canonical indicator each computed figure feeds (values saved with source 'decp', ≥ 40 000 € HT). */
export const DECP_TO_CATALOGUE: {
	code: string;
	from: (r: DecpIndicators) => number | null;
	describe: (r: DecpIndicators) => string;
}[] = [
	{ code: 'CAN-ENV-01', from: (r) => fig(r, 'env_any')?.pctCount ?? null, describe: (r) => base(r, 'env_any') },
	{
		code: 'CAN-ENV-02',
		from: (r) => fig(r, 'env_critere_environnemental')?.pctCount ?? null,
		describe: (r) => base(r, 'env_critere_environnemental')
	},
	{ code: 'CAN-SOC-01', from: (r) => fig(r, 'social_any')?.pctCount ?? null, describe: (r) => base(r, 'social_any') },
	{
		code: 'CAN-SOC-07',
		from: (r) => fig(r, 'social_marche_reserve')?.pctCount ?? null,
		describe: (r) => base(r, 'social_marche_reserve')
	},
	{ code: 'CAN-ECO-01', from: (r) => fig(r, 'sme')?.pctCount ?? null, describe: (r) => base(r, 'sme') },
	{ code: 'CAN-ECO-06', from: (r) => fig(r, 'innovative')?.pctCount ?? null, describe: (r) => base(r, 'innovative') },
	{
		code: 'CAN-ECO-04',
		from: (r) => r.meanOffers.value,
		describe: (r) =>
			`DECP, ${r.meanOffers.base} marché(s) ≥ 40 000 € HT notifiés en ${r.year} dont le nombre d'offres est connu`
	}
];

function fig(r: DecpIndicators, id: string) {
	return r.figures.find((f) => f.id === id);
}
function base(r: DecpIndicators, id: string) {
	const f = fig(r, id);
	return `DECP, ${f?.count ?? 0} sur ${f?.base ?? 0} marché(s) ≥ 40 000 € HT notifiés en ${r.year}`;
}
