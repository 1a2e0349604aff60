// Vocabularies of shared resources with their French labels: client-safe (pages and forms show them), and the one
// home of each list (src/lib/server/resources/input.ts builds its enums from them).

export const KINDS = { clause: 'Modèle de clause', rex: "Retour d'expérience" } as const;
export type ResourceKind = keyof typeof KINDS;
/** URL segment of each kind (/ressources/clauses/…, /ressources/rex/…). */
export const KIND_PATHS: Record<ResourceKind, string> = { clause: 'clauses', rex: 'rex' };

export const FAMILIES = {
	sociale: 'Sociale',
	environnementale: 'Environnementale',
	economique: 'Économique',
	gouvernance: 'Gouvernance et éthique'
} as const;
export type Family = keyof typeof FAMILIES;

export const MECHANISMS = {
	specification_technique: 'Spécification technique',
	condition_execution: "Condition d'exécution",
	critere_attribution: "Critère d'attribution",
	sous_critere: 'Sous-critère',
	variante: 'Variante',
	label: 'Label / écolabel',
	marche_reserve: 'Marché réservé (art. L2113-12, L2113-13, L2113-15)',
	clause_insertion: "Clause d'insertion",
	plan_progres: 'Plan / contrat de progrès',
	penalite: 'Pénalité',
	autre: 'Autre'
} as const;
export type Mechanism = keyof typeof MECHANISMS;

/** Purchase segments: top level (type of contract) and sub-segments, as 'parent' or 'parent.child'. */
export const SEGMENTS: Record<string, string> = {
	travaux: 'Travaux',
	'travaux.batiment': 'Travaux — bâtiment (construction, réhabilitation)',
	'travaux.voirie': 'Travaux — voirie et réseaux divers',
	'travaux.espaces_verts': 'Travaux — espaces verts et paysage',
	'travaux.energie': 'Travaux — rénovation énergétique',
	fournitures: 'Fournitures',
	'fournitures.bureau': 'Fournitures — bureau et papier',
	'fournitures.informatique': 'Fournitures — informatique et numérique',
	'fournitures.mobilier': 'Fournitures — mobilier',
	'fournitures.textile': 'Fournitures — textiles, vêtements de travail, EPI',
	'fournitures.vehicules': 'Fournitures — véhicules',
	'fournitures.entretien': "Fournitures — produits d'entretien",
	services: 'Services',
	'services.nettoyage': 'Services — nettoyage des locaux',
	'services.espaces_verts': 'Services — entretien des espaces verts',
	'services.dechets': 'Services — collecte et traitement des déchets',
	'services.transport': 'Services — transport et mobilité',
	'services.evenementiel': 'Services — traiteur et événementiel',
	'services.maintenance': 'Services — maintenance et multi-technique',
	prestations_intellectuelles: 'Prestations intellectuelles',
	'prestations_intellectuelles.moe': "Prestations intellectuelles — maîtrise d'œuvre",
	'prestations_intellectuelles.etudes': 'Prestations intellectuelles — études et conseil',
	'prestations_intellectuelles.numerique': 'Prestations intellectuelles — développement numérique',
	alimentation: 'Alimentation',
	'alimentation.restauration_collective': 'Alimentation — restauration collective',
	'alimentation.denrees': 'Alimentation — denrées alimentaires'
};
export const SEGMENT_CODES = Object.keys(SEGMENTS);
export const segmentLabel = (code: string) => SEGMENTS[code] ?? code;

/** The Marché de l'inclusion sector slug best matching each segment (its search filters by sector and place). */
export const INCLUSION_SECTORS: Record<string, string> = {
	travaux: 'batiment',
	'travaux.batiment': 'batiment',
	'travaux.voirie': 'batiment',
	'travaux.espaces_verts': 'espaces-verts-et-paysage',
	'travaux.energie': 'batiment',
	fournitures: 'fournitures',
	'fournitures.bureau': 'fournitures',
	'fournitures.informatique': 'informatique-et-numerique',
	'fournitures.mobilier': 'fournitures',
	'fournitures.textile': 'textile-et-habillement',
	'fournitures.vehicules': 'fournitures',
	'fournitures.entretien': 'fournitures',
	services: 'services-aux-entreprises',
	'services.nettoyage': 'nettoyage',
	'services.espaces_verts': 'espaces-verts-et-paysage',
	'services.dechets': 'dechets-et-recyclage',
	'services.transport': 'transport-logistique-et-stockage',
	'services.evenementiel': 'restauration',
	'services.maintenance': 'services-aux-entreprises',
	prestations_intellectuelles: 'services-aux-entreprises',
	'prestations_intellectuelles.moe': 'services-aux-entreprises',
	'prestations_intellectuelles.etudes': 'services-aux-entreprises',
	'prestations_intellectuelles.numerique': 'informatique-et-numerique',
	alimentation: 'restauration',
	'alimentation.restauration_collective': 'restauration',
	'alimentation.denrees': 'agriculture-et-alimentation'
};

/** Départements (code → name), for the Marché de l'inclusion perimeter (its slug is the slugified name). */
export const DEPARTEMENTS: Record<string, string> = {
	'01': 'Ain',
	'02': 'Aisne',
	'03': 'Allier',
	'04': 'Alpes-de-Haute-Provence',
	'05': 'Hautes-Alpes',
	'06': 'Alpes-Maritimes',
	'07': 'Ardèche',
	'08': 'Ardennes',
	'09': 'Ariège',
	'10': 'Aube',
	'11': 'Aude',
	'12': 'Aveyron',
	'13': 'Bouches-du-Rhône',
	'14': 'Calvados',
	'15': 'Cantal',
	'16': 'Charente',
	'17': 'Charente-Maritime',
	'18': 'Cher',
	'19': 'Corrèze',
	'2A': 'Corse-du-Sud',
	'2B': 'Haute-Corse',
	'21': "Côte-d'Or",
	'22': "Côtes-d'Armor",
	'23': 'Creuse',
	'24': 'Dordogne',
	'25': 'Doubs',
	'26': 'Drôme',
	'27': 'Eure',
	'28': 'Eure-et-Loir',
	'29': 'Finistère',
	'30': 'Gard',
	'31': 'Haute-Garonne',
	'32': 'Gers',
	'33': 'Gironde',
	'34': 'Hérault',
	'35': 'Ille-et-Vilaine',
	'36': 'Indre',
	'37': 'Indre-et-Loire',
	'38': 'Isère',
	'39': 'Jura',
	'40': 'Landes',
	'41': 'Loir-et-Cher',
	'42': 'Loire',
	'43': 'Haute-Loire',
	'44': 'Loire-Atlantique',
	'45': 'Loiret',
	'46': 'Lot',
	'47': 'Lot-et-Garonne',
	'48': 'Lozère',
	'49': 'Maine-et-Loire',
	'50': 'Manche',
	'51': 'Marne',
	'52': 'Haute-Marne',
	'53': 'Mayenne',
	'54': 'Meurthe-et-Moselle',
	'55': 'Meuse',
	'56': 'Morbihan',
	'57': 'Moselle',
	'58': 'Nièvre',
	'59': 'Nord',
	'60': 'Oise',
	'61': 'Orne',
	'62': 'Pas-de-Calais',
	'63': 'Puy-de-Dôme',
	'64': 'Pyrénées-Atlantiques',
	'65': 'Hautes-Pyrénées',
	'66': 'Pyrénées-Orientales',
	'67': 'Bas-Rhin',
	'68': 'Haut-Rhin',
	'69': 'Rhône',
	'70': 'Haute-Saône',
	'71': 'Saône-et-Loire',
	'72': 'Sarthe',
	'73': 'Savoie',
	'74': 'Haute-Savoie',
	'75': 'Paris',
	'76': 'Seine-Maritime',
	'77': 'Seine-et-Marne',
	'78': 'Yvelines',
	'79': 'Deux-Sèvres',
	'80': 'Somme',
	'81': 'Tarn',
	'82': 'Tarn-et-Garonne',
	'83': 'Var',
	'84': 'Vaucluse',
	'85': 'Vendée',
	'86': 'Vienne',
	'87': 'Haute-Vienne',
	'88': 'Vosges',
	'89': 'Yonne',
	'90': 'Territoire de Belfort',
	'91': 'Essonne',
	'92': 'Hauts-de-Seine',
	'93': 'Seine-Saint-Denis',
	'94': 'Val-de-Marne',
	'95': "Val-d'Oise",
	'971': 'Guadeloupe',
	'972': 'Martinique',
	'973': 'Guyane',
	'974': 'La Réunion',
	'975': 'Saint-Pierre-et-Miquelon',
	'976': 'Mayotte'
};

export const AMOUNT_BANDS = {
	lt_40k: 'Moins de 40 000 € HT',
	'40k_215k': '40 000 à 215 000 € HT',
	'215k_1m': '215 000 € à 1 M€ HT',
	'1m_5m': '1 à 5 M€ HT',
	gt_5m: 'Plus de 5 M€ HT'
} as const;

export const VISIBILITIES = {
	private: 'Privé (ma collectivité)',
	network: 'Partagé avec mon réseau (après relecture)',
	public: 'Public'
} as const;
export type Visibility = keyof typeof VISIBILITIES;

export const RELIABILITIES = {
	collectivite: 'Collectivité',
	reseau: 'Validé par le réseau',
	national: 'Référence nationale'
} as const;

export const SHARE_STATUSES = {
	pending: 'En attente de relecture',
	changes_requested: 'Modifications demandées',
	validated: 'Validé'
} as const;

export const SORTS = { relevance: 'Pertinence', recent: 'Plus récents', usage: 'Plus utilisés' } as const;
export type Sort = keyof typeof SORTS;
