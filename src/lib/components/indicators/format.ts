// French formatting of indicator values by unit (shared by pages and charts).
import { UNITS, type IndicatorUnit } from '$lib/indicators/labels';

const nf1 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
const nf0 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

export function unitLabel(unit: string): string {
	return UNITS[unit as IndicatorUnit] ?? unit;
}

export function formatIndicator(value: number | null | undefined, unit: string): string {
	if (value === null || value === undefined || !Number.isFinite(value)) return '—';
	switch (unit) {
		case 'percent':
			return `${nf1.format(value)}\u00a0%`;
		case 'eur':
			return `${nf0.format(value)}\u00a0€ HT`;
		case 'hours':
			return `${nf0.format(value)}\u00a0h`;
		case 'days':
			return `${nf1.format(value)}\u00a0j`;
		case 'milestone':
			return value ? 'oui' : 'non';
		default:
			return nf1.format(value);
	}
}

export function formatShort(value: number, unit: string): string {
	if (unit === 'eur' || unit === 'hours') {
		const abs = Math.abs(value);
		if (abs >= 1e6) return `${nf1.format(value / 1e6)}\u00a0M`;
		if (abs >= 1e3) return `${nf1.format(value / 1e3)}\u00a0k`;
	}
	return formatIndicator(value, unit);
}
