// Wording shared by the benchmark pages, the bilan and the server (docs/benchmark-privacy.md).

/** A member's position in a published distribution, against the published (rounded) quartiles. */
export type Band = 'q1' | 'q2' | 'q3' | 'q4';

export const BAND_TEXT: Record<Band, string> = {
	q1: 'dans le quart inférieur (sous le 1er quartile)',
	q2: 'entre le 1er quartile et la médiane',
	q3: 'entre la médiane et le 3e quartile',
	q4: 'dans le quart supérieur (au-dessus du 3e quartile)'
};

/** The one answer to every refusal for statistical secrecy (k, dominance, differencing): never a count. */
export const NOT_ENOUGH_PEERS =
	'Pas assez de collectivités comparables pour publier une statistique sur ce groupe. Élargissez le groupe (tous types, toutes tailles).';

/**
 * A value as a publication counts it: the same rounding as app.benchmark_round(value, unit, 0) in the database
 * (shares and days to the unit, milestones to 0.01, other units to two significant digits).
 */
export function countedValue(value: number, unit: string): number {
	if (unit === 'percent' || unit === 'days') return Math.sign(value) * Math.round(Math.abs(value));
	if (unit === 'milestone') return (Math.sign(value) * Math.round(Math.abs(value) * 100)) / 100;
	if (value === 0) return 0;
	const step = 10 ** (Math.floor(Math.log10(Math.abs(value))) - 1);
	return Math.sign(value) * Math.round(Math.abs(value) / step) * step;
}
