// Vocabularies of indicators with their French labels, safe for the browser (the zod inputs build their enums from them).
export const UNITS = {
	count: 'nombre',
	percent: '%',
	eur: '€ HT',
	hours: 'heures',
	days: 'jours',
	ratio: 'ratio',
	milestone: 'oui/non'
} as const;
export type IndicatorUnit = keyof typeof UNITS;

export const DOMAINS = {
	environnement: 'Environnement',
	social: 'Social',
	alimentation: 'Alimentation',
	economie: 'Économie',
	gouvernance: 'Gouvernance',
	autre: 'Autre'
} as const;

export const VALUE_SOURCES = {
	saisie: 'Saisie',
	import_csv: 'Import CSV',
	import_xlsx: 'Import XLSX',
	decp: 'DECP',
	api: 'API'
} as const;

export const SIZES = {
	xs: 'Moins de 5 000 habitants',
	s: '5 000 à 19 999 habitants',
	m: '20 000 à 99 999 habitants',
	l: '100 000 à 299 999 habitants',
	xl: '300 000 habitants et plus',
	nc: 'Population non renseignée'
} as const;
