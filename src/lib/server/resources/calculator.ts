// The insertion-hours calculator (rules per network) and the links out to the inclusion directory.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { forbidden, guard } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import { DEPARTEMENTS, INCLUSION_SECTORS } from '$lib/resources/labels';
import { resourceErrors } from './access';

export interface CalcRules {
	hoursPer10k: number;
	minHoursPerYear: number;
	thresholdEurHt: number;
	segmentFactors: Record<string, number>;
}

/** Labour intensity of each top-level segment (share of labour in the price), relative to services. */
export const DEFAULT_SEGMENT_FACTORS: Record<string, number> = {
	travaux: 1,
	services: 1,
	fournitures: 0.3,
	prestations_intellectuelles: 0.5,
	alimentation: 0.5
};

export const DEFAULT_RULES: CalcRules = {
	hoursPer10k: 10,
	minHoursPerYear: 150,
	thresholdEurHt: 90000,
	segmentFactors: DEFAULT_SEGMENT_FACTORS
};

export interface CalcResult {
	totalHours: number;
	hoursPerYear: number;
	rawHours: number;
	minimumApplied: boolean;
	belowThreshold: boolean;
	factor: number;
	clauseText: string;
}

const fmt = (n: number, digits = 0) =>
	n.toLocaleString('fr-FR', { maximumFractionDigits: digits }).replace(/\u202f/g, '\u00a0');

/** Hours = amount / 10 000 × rate × labour factor of the segment, with an annual minimum. */
export function computeInsertionHours(amount: number, years: number, segment: string, rules: CalcRules): CalcResult {
	const top = segment.split('.')[0];
	const factor = rules.segmentFactors[segment] ?? rules.segmentFactors[top] ?? 1;
	const rawHours = Math.ceil((amount / 10000) * rules.hoursPer10k * factor);
	const minTotal = Math.ceil(rules.minHoursPerYear * years);
	const totalHours = Math.max(rawHours, minTotal);
	const hoursPerYear = Math.ceil(totalHours / years);
	const clauseText =
		`Le titulaire s'engage à réserver à des personnes rencontrant des difficultés sociales ou professionnelles particulières, ` +
		`pendant l'exécution du marché, un volume d'au moins ${fmt(totalHours)}\u00a0heures de travail, soit ${fmt(hoursPerYear)}\u00a0heures par an ` +
		`sur ${fmt(years, 2)}\u00a0an${years > 1 ? 's' : ''} (${fmt(rules.hoursPer10k, 2)}\u00a0heures par tranche de 10\u00a0000\u00a0€\u00a0HT` +
		`${factor !== 1 ? `, pondérées par ${fmt(factor, 2)} pour la part de main-d'œuvre du segment` : ''}, avec un minimum de ` +
		`${fmt(rules.minHoursPerYear)}\u00a0heures par an). Il peut y répondre par l'embauche directe, le recours à une structure de ` +
		`l'insertion par l'activité économique (mise à disposition ou sous-traitance) ou l'apprentissage. Le facilitateur de la clause ` +
		`valide l'éligibilité des publics et le titulaire transmet chaque trimestre l'état des heures réalisées.`;
	return {
		totalHours,
		hoursPerYear,
		rawHours,
		minimumApplied: totalHours > rawHours,
		belowThreshold: amount < rules.thresholdEurHt,
		factor,
		clauseText
	};
}

export async function getCalcRules(db: Database, actor: Actor | null, networkId: string | null): Promise<CalcRules> {
	if (!networkId || !isUuid(networkId)) return DEFAULT_RULES;
	const rows = await withUser(db, actor, (tx) =>
		tx.query<{
			hours_per_10k: number;
			min_hours_per_year: number;
			threshold_eur_ht: number;
			segment_factors: Record<string, number>;
		}>(
			`select hours_per_10k, min_hours_per_year, threshold_eur_ht, segment_factors from public.resource_calc_settings where network_id = $1`,
			[networkId]
		)
	);
	if (!rows.length) return DEFAULT_RULES;
	const r = rows[0];
	return {
		hoursPer10k: Number(r.hours_per_10k),
		minHoursPerYear: Number(r.min_hours_per_year),
		thresholdEurHt: Number(r.threshold_eur_ht),
		segmentFactors: { ...DEFAULT_SEGMENT_FACTORS, ...r.segment_factors }
	};
}

export async function saveCalcRules(
	db: Database,
	actor: Actor,
	networkId: string,
	rules: Omit<CalcRules, 'segmentFactors'>
) {
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(
			`select app.is_network_animator($1) or app.is_platform_admin() as ok`,
			[networkId]
		);
		if (!ok?.ok) throw forbidden('Seuls les animateurs du réseau modifient ses règles de calcul.');
		await guard(
			tx.query(
				`insert into public.resource_calc_settings (network_id, hours_per_10k, min_hours_per_year, threshold_eur_ht)
				 values ($1, $2, $3, $4)
				 on conflict (network_id) do update set hours_per_10k = excluded.hours_per_10k, min_hours_per_year = excluded.min_hours_per_year,
				   threshold_eur_ht = excluded.threshold_eur_ht, updated_at = now()`,
				[networkId, rules.hoursPer10k, rules.minHoursPerYear, rules.thresholdEurHt]
			),
			resourceErrors
		);
	});
}

/** The Marché de l'inclusion supplier search for a segment and a département (link out, do not rebuild). */
export function inclusionSearchUrl(segment: string | null, departement: string | null): string {
	const url = new URL('https://lemarche.inclusion.beta.gouv.fr/prestataires/');
	const sector = segment ? (INCLUSION_SECTORS[segment] ?? INCLUSION_SECTORS[segment.split('.')[0]]) : null;
	if (sector) url.searchParams.set('sectors', sector);
	const name = departement ? DEPARTEMENTS[departement] : null;
	if (name)
		url.searchParams.set(
			'perimeters',
			name
				.normalize('NFD')
				.replace(/\p{Diacritic}/gu, '')
				.toLowerCase()
				.replace(/[^a-z0-9]+/g, '-')
				.replace(/^-|-$/g, '')
		);
	return url.toString();
}
