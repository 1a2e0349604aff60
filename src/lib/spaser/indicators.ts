// Starter catalogue of canonical indicators: what the templates, the wizard and the compliance checklist need.
// The full catalogue (definitions, perimeters, mappings from source indicators) is a later issue; codes follow
// the CAN-<domain>-NN scheme so that it can extend this list without renaming.

/** What an indicator counts. 'contracts_count' and 'contracts_value' are the two forms the law asks for. */
export type IndicatorBasis = 'contracts_count' | 'contracts_value' | 'purchases_value' | 'quantity' | 'milestone';
export type IndicatorDomain = 'social' | 'environnement' | 'alimentation' | 'economie' | 'gouvernance';
/** 'higher': a higher value is better (milestones should rise); 'lower': the opposite; 'none': yes/no or neutral. */
export type IndicatorDirection = 'higher' | 'lower' | 'none';

export interface Indicator {
	code: string;
	label: string;
	unit: string;
	basis: IndicatorBasis;
	domain: IndicatorDomain;
	direction: IndicatorDirection;
	/** Short French definition shown as help. */
	definition: string;
}

export const INDICATORS: readonly Indicator[] = [
	{
		code: 'CAN-ENV-01',
		label: 'Part des marchés notifiés comportant au moins une considération environnementale',
		unit: '%',
		basis: 'contracts_count',
		domain: 'environnement',
		direction: 'higher',
		definition:
			"Nombre de marchés notifiés dans l'année avec au moins une considération environnementale (spécification, critère ou condition d'exécution), rapporté au nombre total de marchés notifiés dans le périmètre."
	},
	{
		code: 'CAN-ENV-02',
		label: "Part des marchés notifiés comportant un critère d'attribution environnemental",
		unit: '%',
		basis: 'contracts_count',
		domain: 'environnement',
		direction: 'higher',
		definition:
			"Marchés notifiés dont l'analyse des offres comprend un critère ou sous-critère environnemental, rapportés au total des marchés notifiés."
	},
	{
		code: 'CAN-ENV-03',
		label: 'Montant des achats de biens issus du réemploi, de la réutilisation ou intégrant des matières recyclées',
		unit: '€ HT',
		basis: 'contracts_value',
		domain: 'environnement',
		direction: 'higher',
		definition:
			'Montant HT des achats de biens des familles concernées par la loi AGEC qui sont issus du réemploi ou de la réutilisation, ou qui intègrent des matières recyclées.'
	},
	{
		code: 'CAN-ENV-06',
		label: 'Part de véhicules à faibles émissions dans les renouvellements du parc',
		unit: '%',
		basis: 'quantity',
		domain: 'environnement',
		direction: 'higher',
		definition:
			"Véhicules à faibles émissions acquis ou loués dans l'année rapportés au nombre total de véhicules renouvelés."
	},
	{
		code: 'CAN-ENV-07',
		label: 'Part des marchés numériques comportant des exigences de sobriété ou de reconditionnement',
		unit: '%',
		basis: 'contracts_count',
		domain: 'environnement',
		direction: 'higher',
		definition:
			'Marchés de matériels et services numériques notifiés avec des exigences de durabilité, de réparabilité, de reconditionnement ou de sobriété, rapportés aux marchés numériques notifiés.'
	},
	{
		code: 'CAN-ALIM-01',
		label: 'Part des produits durables et de qualité dans les achats de restauration collective (EGalim)',
		unit: '%',
		basis: 'contracts_value',
		domain: 'alimentation',
		direction: 'higher',
		definition:
			'Valeur HT des achats de denrées durables et de qualité (dont SIQO) rapportée à la valeur HT totale des achats de denrées.'
	},
	{
		code: 'CAN-ALIM-02',
		label: "Part des produits issus de l'agriculture biologique dans les achats de restauration collective",
		unit: '%',
		basis: 'contracts_value',
		domain: 'alimentation',
		direction: 'higher',
		definition:
			'Valeur HT des denrées biologiques ou en conversion rapportée à la valeur HT totale des achats de denrées.'
	},
	{
		code: 'CAN-SOC-01',
		label: 'Part des marchés notifiés comportant au moins une considération sociale',
		unit: '%',
		basis: 'contracts_count',
		domain: 'social',
		direction: 'higher',
		definition:
			"Nombre de marchés notifiés dans l'année avec au moins une considération sociale (clause d'insertion, critère social, marché réservé…), rapporté au nombre total de marchés notifiés dans le périmètre."
	},
	{
		code: 'CAN-SOC-02',
		label: "Heures d'insertion réalisées dans les marchés",
		unit: 'heures',
		basis: 'quantity',
		domain: 'social',
		direction: 'higher',
		definition:
			"Heures de travail réalisées par des personnes éloignées de l'emploi au titre des clauses d'insertion, sur l'année civile."
	},
	{
		code: 'CAN-SOC-07',
		label: 'Montant des marchés réservés (SIAE, EA/ESAT, ESS)',
		unit: '€ HT',
		basis: 'contracts_value',
		domain: 'social',
		direction: 'higher',
		definition:
			"Montant HT notifié des marchés ou lots réservés aux structures d'insertion, aux entreprises adaptées et ESAT, ou aux entreprises de l'ESS."
	},
	{
		code: 'CAN-SOC-08',
		label: "Achats auprès des structures de l'économie sociale et solidaire",
		unit: '€ HT',
		basis: 'purchases_value',
		domain: 'social',
		direction: 'higher',
		definition: "Montant HT payé dans l'année à des entreprises de l'ESS (titulaires ou sous-traitants déclarés)."
	},
	{
		code: 'CAN-SOC-10',
		label: "Part des marchés comportant une clause en faveur de l'égalité femmes-hommes",
		unit: '%',
		basis: 'contracts_count',
		domain: 'social',
		direction: 'higher',
		definition:
			"Marchés notifiés avec une clause ou un critère relatif à l'égalité professionnelle, rapportés au total des marchés notifiés."
	},
	{
		code: 'CAN-ECO-01',
		label: 'Part des marchés attribués à des TPE/PME',
		unit: '%',
		basis: 'contracts_count',
		domain: 'economie',
		direction: 'higher',
		definition: 'Marchés (ou lots) notifiés à des TPE/PME rapportés au nombre total de marchés notifiés.'
	},
	{
		code: 'CAN-ECO-02',
		label: 'Part des achats réalisés auprès d’entreprises du territoire',
		unit: '%',
		basis: 'contracts_value',
		domain: 'economie',
		direction: 'higher',
		definition:
			'Montant HT notifié à des titulaires établis sur le territoire défini par la collectivité, rapporté au montant total notifié.'
	},
	{
		code: 'CAN-ECO-07',
		label: 'Délai global de paiement moyen',
		unit: 'jours',
		basis: 'quantity',
		domain: 'economie',
		direction: 'lower',
		definition: 'Délai moyen entre la réception de la demande de paiement et le paiement effectif.'
	},
	{
		code: 'CAN-GOV-01',
		label: 'Agents formés ou sensibilisés aux achats responsables',
		unit: 'nombre',
		basis: 'quantity',
		domain: 'gouvernance',
		direction: 'higher',
		definition:
			"Nombre d'agents (acheteurs, prescripteurs, élus) ayant suivi une formation ou une session de sensibilisation dans l'année."
	},
	{
		code: 'CAN-GOV-04',
		label: 'Bilan biennal de mise en œuvre publié',
		unit: 'oui/non',
		basis: 'milestone',
		domain: 'gouvernance',
		direction: 'none',
		definition:
			'Publication du bilan de mise en œuvre du schéma (indicateurs, cibles et écarts), au moins tous les deux ans.'
	}
];

const BY_CODE = new Map(INDICATORS.map((i) => [i.code, i]));

export function indicatorByCode(code: string | null | undefined): Indicator | undefined {
	return code ? BY_CODE.get(code) : undefined;
}

/** Code of the indicator used to mark the biennial bilan (checklist and templates). */
export const BILAN_INDICATOR = 'CAN-GOV-04';
