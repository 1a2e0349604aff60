// SPASER templates (data, written for this platform) and the first-SPASER wizard.
// Structures are modelled on real schemes: « 5 axes / 20 chantiers » (Axe → Chantier → Action, global
// numbering), « 4 axes » (économique, environnemental, social, gouvernance), « 3 piliers + transversal »
// (Pilier → Objectif → Action → Sous-action, numbered per parent, with « actions bonus ») and a minimal legal one.
import type { DocSettings, NodeKind, PlainNode, RichNode, Target } from './model';
import { keyBetween } from './order';
import type { DocContent } from './ydoc';
import { SPASER_MANDATORY_THRESHOLD_EUR } from '../geo';

export const PRIORITIES = {
	insertion: "Insertion des personnes éloignées de l'emploi",
	environnement: 'Considérations environnementales',
	economie_locale: 'Économie du territoire et TPE/PME',
	ess: 'Économie sociale et solidaire (ESS)',
	alimentation: 'Alimentation durable (restauration collective)',
	numerique_responsable: 'Numérique responsable',
	egalite: 'Égalité femmes-hommes et non-discrimination',
	economie_circulaire: 'Économie circulaire et réemploi',
	innovation: 'Achats innovants'
} as const;
export type Priority = keyof typeof PRIORITIES;

export type TemplateKey = 'cinq_axes' | 'quatre_axes' | 'trois_piliers' | 'minimal_legal';
type Category = 'cadre' | 'environnement' | 'social' | 'economie' | 'gouvernance';

// ---------------------------------------------------------------------------------------------------------
// Spec language: compact data turned into DocContent by buildTemplate().
// ---------------------------------------------------------------------------------------------------------

/** Years are offsets from the first year of the period ('end' = last year), so templates fit any period. */
type YearSpec = number | 'end';

interface TargetSpec {
	indicator: string;
	label: string;
	unit: string;
	value: number;
	at?: YearSpec;
	milestones?: [YearSpec, number][];
	relative?: boolean;
	/** Offset of the reference year (e.g. -1: the year before the period). */
	baseline?: number;
	threshold?: number;
	scope?: string;
}

type Block = string | { list: string[] } | { legal: string } | { heading: string };

interface NodeSpec {
	title: string;
	body?: Block[];
	kind?: NodeKind;
	pilot?: string;
	resources?: string[];
	tools?: string[];
	targets?: TargetSpec[];
	children?: NodeSpec[];
	/** The priority this node answers (the wizard knows the template already covers it). */
	topic?: Priority;
	/** Kept by the wizard only when this priority is chosen. */
	onlyIf?: Priority;
	/** For root nodes: where the wizard adds nodes for priorities the template lacks. */
	category?: Category;
}

interface TemplateSpec {
	key: TemplateKey;
	name: string;
	description: string;
	settings: DocSettings;
	nodes: NodeSpec[];
}

// Legal reference lines used across templates.
const L = {
	spaser:
		"Art. L2111-3 du code de la commande publique\u00a0: les acheteurs dont le montant annuel d'achats dépasse le seuil réglementaire adoptent et publient un schéma de promotion des achats socialement et écologiquement responsables.",
	seuil:
		'Décret n° 2022-767 du 2 mai 2022\u00a0: le seuil d’obligation est fixé à 50 millions d’euros HT d’achats par an.',
	climat:
		"Loi n° 2021-1104 du 22 août 2021 «\u00a0Climat et résilience\u00a0», art. 35\u00a0: le schéma comporte des indicateurs exprimés en nombre de contrats ou en valeur, des objectifs cibles pour chaque catégorie d'achats responsables, et il est publié\u00a0; sa mise en œuvre fait l'objet d'un bilan tous les deux ans.",
	env2026:
		"Loi «\u00a0Climat et résilience\u00a0»\u00a0: au plus tard en août 2026, chaque marché comporte au moins une considération environnementale (spécifications, critères ou conditions d'exécution).",
	pnad: 'Plan national pour des achats durables (PNAD 2022-2025)\u00a0: viser 100\u00a0% de marchés avec une considération environnementale et 30\u00a0% avec une considération sociale.',
	agec: 'Loi n° 2020-105 du 10 février 2020 (AGEC), art. 58\u00a0: une part des biens achetés chaque année est issue du réemploi, de la réutilisation ou intègre des matières recyclées.',
	egalim:
		'Loi EGalim (2018), art. 24, et loi «\u00a0Climat et résilience\u00a0»\u00a0: au moins 50\u00a0% de produits durables et de qualité dans les repas servis en restauration collective, dont au moins 20\u00a0% de produits biologiques\u00a0; déclaration annuelle sur ma-cantine.agriculture.gouv.fr.',
	reserve:
		'Art. L2113-12 à L2113-16 du code de la commande publique\u00a0: marchés ou lots réservés aux entreprises adaptées et ESAT, aux structures d’insertion par l’activité économique et, pour certains services, aux entreprises de l’ESS.',
	innovation:
		"Art. R2122-9-1 du code de la commande publique\u00a0: achats innovants sans publicité ni mise en concurrence jusqu'à 100 000\u00a0€ HT.",
	ess: "Loi n° 2014-856 du 31 juillet 2014 relative à l'économie sociale et solidaire, art. 1er\u00a0: définition des entreprises de l'ESS."
};

const t = (
	indicator: string,
	label: string,
	unit: string,
	value: number,
	more: Omit<TargetSpec, 'indicator' | 'label' | 'unit' | 'value'> = {}
): TargetSpec => ({
	indicator,
	label,
	unit,
	value,
	...more
});

// Reusable targets
const T = {
	env: (first = 80) =>
		t('CAN-ENV-01', 'Marchés notifiés comportant au moins une considération environnementale', '%', 100, {
			at: 1,
			milestones: [
				[0, first],
				[1, 100]
			]
		}),
	envCriterion: () =>
		t('CAN-ENV-02', "Marchés notifiés avec un critère d'attribution environnemental", '%', 30, {
			milestones: [
				[0, 10],
				[2, 20]
			]
		}),
	social: (first = 30, last = 40) =>
		t('CAN-SOC-01', 'Marchés notifiés comportant au moins une considération sociale', '%', last, {
			milestones: [
				[0, first],
				[2, Math.round((first + last) / 2)]
			],
			threshold: 40000,
			scope: 'Marchés de plus de 40 000\u00a0€ HT'
		}),
	hours: () =>
		t('CAN-SOC-02', "Heures d'insertion réalisées par an", 'heures', 15000, {
			milestones: [
				[0, 8000],
				[2, 12000]
			]
		}),
	reserved: () =>
		t('CAN-SOC-07', 'Montant des marchés réservés', '€ HT', 10, {
			relative: true,
			baseline: -1,
			scope: '+10\u00a0% par an par rapport à l’année de référence'
		}),
	essBuy: () =>
		t('CAN-SOC-08', "Achats auprès des structures de l'ESS", '%', 10, {
			relative: true,
			baseline: -1,
			scope: '+10\u00a0% par an'
		}),
	equality: () =>
		t('CAN-SOC-10', "Marchés comportant une clause en faveur de l'égalité femmes-hommes", '%', 25, {
			milestones: [
				[0, 5],
				[2, 15]
			]
		}),
	reuse: () =>
		t('CAN-ENV-03', 'Achats de biens issus du réemploi ou intégrant des matières recyclées', '€ HT', 500000, {
			milestones: [
				[0, 200000],
				[2, 350000]
			]
		}),
	digital: () =>
		t('CAN-ENV-07', 'Marchés numériques avec exigences de sobriété ou de reconditionnement', '%', 60, {
			milestones: [
				[0, 25],
				[2, 45]
			]
		}),
	vehicles: () =>
		t('CAN-ENV-06', 'Véhicules à faibles émissions dans les renouvellements', '%', 50, { milestones: [[1, 30]] }),
	egalim: () =>
		t('CAN-ALIM-01', 'Produits durables et de qualité dans les achats de denrées (EGalim)', '%', 50, {
			at: 0,
			scope: 'Restauration collective de la collectivité'
		}),
	bio: () =>
		t('CAN-ALIM-02', 'Produits issus de l’agriculture biologique', '%', 20, {
			at: 0,
			scope: 'Restauration collective de la collectivité'
		}),
	sme: () =>
		t('CAN-ECO-01', 'Marchés attribués à des TPE/PME', '%', 70, {
			milestones: [
				[0, 60],
				[2, 65]
			]
		}),
	local: () =>
		t('CAN-ECO-02', "Part des achats auprès d'entreprises du territoire", '%', 50, {
			milestones: [[0, 40]],
			scope: 'Montant notifié, titulaires établis dans le département'
		}),
	payment: () =>
		t('CAN-ECO-07', 'Délai global de paiement moyen', 'jours', 20, {
			milestones: [
				[0, 30],
				[1, 25]
			]
		}),
	training: () =>
		t('CAN-GOV-01', 'Agents formés aux achats responsables', 'nombre', 120, {
			milestones: [
				[0, 30],
				[1, 60],
				[2, 90]
			]
		}),
	bilan: () =>
		t('CAN-GOV-04', 'Bilan biennal de mise en œuvre publié', 'oui/non', 1, {
			milestones: [
				[1, 1],
				[3, 1]
			],
			scope: 'Bilan présenté au comité de pilotage puis publié'
		})
};

// ---------------------------------------------------------------------------------------------------------
// Optional nodes shared by templates and added by the wizard.
// ---------------------------------------------------------------------------------------------------------

const FOOD: NodeSpec = {
	title: 'Servir une alimentation durable et de qualité en restauration collective',
	topic: 'alimentation',
	onlyIf: 'alimentation',
	body: [
		'Les repas servis dans nos établissements font appel à des produits durables, de saison et de proximité. Les cuisines sont accompagnées pour atteindre les objectifs nationaux et lutter contre le gaspillage.',
		{ legal: L.egalim }
	],
	targets: [T.egalim(), T.bio()],
	children: [
		{
			title: 'Accompagner les équipes de cuisine vers les objectifs EGalim',
			pilot: 'Direction de la restauration',
			resources: ['Service de la commande publique']
		},
		{ title: 'Déclarer chaque année les achats de denrées sur ma-cantine', pilot: 'Direction de la restauration' }
	]
};

const DIGITAL: NodeSpec = {
	title: 'Acheter un numérique sobre et durable',
	topic: 'numerique_responsable',
	body: [
		"Les équipements numériques pèsent lourd dans l'empreinte environnementale\u00a0: nous allongeons leur durée d'usage et privilégions le reconditionné."
	],
	targets: [T.digital()],
	children: [
		{
			title: "Exiger réparabilité, garantie longue et pièces détachées dans les marchés d'équipements",
			pilot: 'Direction des systèmes d’information'
		},
		{ title: 'Acquérir des smartphones et ordinateurs reconditionnés', pilot: 'Direction des systèmes d’information' }
	]
};

const ADDONS: Record<Priority, { category: Category; node: NodeSpec }> = {
	alimentation: { category: 'environnement', node: { ...FOOD, onlyIf: undefined } },
	numerique_responsable: { category: 'environnement', node: DIGITAL },
	environnement: {
		category: 'environnement',
		node: {
			title: 'Intégrer une considération environnementale dans chaque marché',
			topic: 'environnement',
			body: [{ legal: L.env2026 }],
			targets: [T.env()],
			children: [{ title: 'Proposer des exigences environnementales types par famille d’achat' }]
		}
	},
	economie_circulaire: {
		category: 'environnement',
		node: {
			title: 'Développer le réemploi et les matières recyclées',
			topic: 'economie_circulaire',
			body: [{ legal: L.agec }],
			targets: [T.reuse()],
			children: [{ title: 'Recenser les familles d’achat concernées par les obligations de réemploi' }]
		}
	},
	insertion: {
		category: 'social',
		node: {
			title: "Développer les clauses d'insertion",
			topic: 'insertion',
			body: [
				"Les marchés de travaux et de services se prêtent à des heures de travail réservées à des personnes éloignées de l'emploi, avec l'appui d'un facilitateur."
			],
			targets: [T.hours()],
			children: [
				{ title: 'Repérer avec le facilitateur les marchés propices à une clause d’insertion' },
				{ title: "Suivre les heures d'insertion réalisées et les parcours des bénéficiaires" }
			]
		}
	},
	ess: {
		category: 'social',
		node: {
			title: "Réserver des marchés et acheter auprès de l'ESS",
			topic: 'ess',
			body: [{ legal: L.reserve }],
			targets: [T.reserved()],
			children: [
				{ title: 'Identifier les familles d’achat qui peuvent être réservées' },
				{ title: "Faire connaître nos consultations aux structures de l'ESS du territoire" }
			]
		}
	},
	egalite: {
		category: 'social',
		node: {
			title: "Promouvoir l'égalité femmes-hommes dans nos marchés",
			topic: 'egalite',
			targets: [T.equality()],
			children: [{ title: 'Rédiger des clauses types sur l’égalité professionnelle' }]
		}
	},
	economie_locale: {
		category: 'economie',
		node: {
			title: 'Ouvrir nos marchés aux entreprises du territoire',
			topic: 'economie_locale',
			targets: [T.local()],
			children: [
				{ title: 'Publier chaque année la programmation de nos achats' },
				{ title: 'Organiser une rencontre annuelle acheteurs–entreprises' }
			]
		}
	},
	innovation: {
		category: 'economie',
		node: {
			title: 'Faire de la commande publique un soutien à l’innovation',
			topic: 'innovation',
			body: [{ legal: L.innovation }],
			children: [{ title: 'Lancer chaque année au moins un achat innovant' }]
		}
	}
};

const ROOT_FOR_CATEGORY: Record<Category, string> = {
	cadre: 'Cadre du schéma',
	environnement: 'Volet environnemental',
	social: 'Volet social',
	economie: 'Volet économique',
	gouvernance: 'Gouvernance et suivi'
};

// ---------------------------------------------------------------------------------------------------------
// (a) 5 axes / 20 chantiers
// ---------------------------------------------------------------------------------------------------------

const CINQ_AXES: TemplateSpec = {
	key: 'cinq_axes',
	name: '5 axes et une vingtaine de chantiers',
	description:
		'Une politique d’achat complète en cinq axes, déclinés en chantiers numérotés de 1 à 20 sur tout le document, puis en actions. Adaptée aux régions, départements et grandes collectivités.',
	settings: { levelNames: ['Axe', 'Chantier', 'Action'], numbering: 'global' },
	nodes: [
		{
			title: 'Des achats qui réduisent notre empreinte environnementale',
			category: 'environnement',
			topic: 'environnement',
			body: [
				'Chaque achat est l’occasion de limiter les émissions, les déchets et les atteintes à la biodiversité.',
				{ legal: L.env2026 },
				{ legal: L.pnad }
			],
			children: [
				{
					title: 'Intégrer une considération environnementale dans chaque marché',
					topic: 'environnement',
					body: [
						'Spécifications techniques, critères d’attribution ou conditions d’exécution\u00a0: au moins un levier environnemental par consultation.'
					],
					targets: [T.env()],
					children: [
						{
							title: 'Former acheteurs et prescripteurs aux leviers environnementaux',
							pilot: 'Service de la commande publique'
						},
						{
							title: 'Mettre à disposition des exigences environnementales types par famille d’achat',
							pilot: 'Service de la commande publique'
						},
						{
							title: 'Suivre la part des marchés avec une considération environnementale',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					title: "Faire de l'économie circulaire un réflexe d'achat",
					topic: 'economie_circulaire',
					body: [{ legal: L.agec }],
					targets: [T.reuse()],
					children: [
						{ title: 'Acheter des biens reconditionnés ou issus du réemploi', pilot: 'Direction des moyens généraux' },
						{
							title: 'Prévoir la réduction et la valorisation des déchets de chantier',
							pilot: 'Direction du patrimoine bâti'
						}
					]
				},
				{
					title: 'Raisonner en coût global et en cycle de vie',
					targets: [T.envCriterion()],
					children: [
						{
							title: 'Tester le coût du cycle de vie sur quelques achats pilotes',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					...DIGITAL,
					title: 'Sobriété énergétique et numérique responsable',
					targets: [T.digital(), T.vehicles()],
					children: [
						...DIGITAL.children!,
						{
							title: 'Renouveler la flotte avec des véhicules à faibles émissions',
							pilot: 'Direction des moyens généraux'
						}
					]
				},
				FOOD
			]
		},
		{
			title: "La commande publique, levier d'inclusion sociale",
			category: 'social',
			body: [
				'Nos marchés ouvrent des parcours vers l’emploi et soutiennent les structures qui emploient des personnes en situation de handicap ou éloignées de l’emploi.',
				{ legal: L.pnad }
			],
			children: [
				{
					title: "Développer les clauses d'insertion",
					topic: 'insertion',
					body: [
						"Avec l'appui du facilitateur du territoire, les marchés de travaux et de services réservent des heures de travail à des publics éloignés de l'emploi."
					],
					targets: [T.social(), T.hours()],
					children: [
						{
							title: 'Repérer avec le facilitateur les marchés propices à une clause',
							pilot: 'Service de la commande publique',
							resources: ['Facilitateur clauses sociales']
						},
						{
							title: "Suivre les heures d'insertion réalisées et la qualité des parcours",
							pilot: 'Direction de l’emploi et de l’insertion'
						}
					]
				},
				{
					title: 'Réserver des marchés aux structures inclusives',
					topic: 'ess',
					body: [{ legal: L.reserve }],
					targets: [T.reserved()],
					children: [
						{
							title: 'Identifier chaque année les familles d’achat réservables',
							pilot: 'Service de la commande publique'
						},
						{
							title: 'Réserver des lots aux SIAE, entreprises adaptées et ESAT',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					title: "Promouvoir l'égalité professionnelle et lutter contre les discriminations",
					topic: 'egalite',
					targets: [T.equality()],
					children: [
						{
							title: 'Insérer une clause égalité femmes-hommes dans les marchés qui s’y prêtent',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					title: 'Encourager la responsabilité sociétale des titulaires',
					children: [
						{
							title: 'Valoriser les engagements sociaux des entreprises dans l’analyse des offres',
							pilot: 'Service de la commande publique'
						}
					]
				}
			]
		},
		{
			title: "Un soutien à l'économie du territoire",
			category: 'economie',
			body: [
				'Des marchés accessibles aux petites entreprises, aux acteurs de l’économie sociale et solidaire et aux entreprises innovantes.'
			],
			children: [
				{
					title: 'Ouvrir la commande publique aux TPE/PME',
					targets: [T.sme()],
					children: [
						{
							title: 'Allotir au plus près de la structure des marchés fournisseurs',
							pilot: 'Service de la commande publique'
						},
						{
							title: 'Simplifier les dossiers de consultation et les pièces demandées',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					title: "Développer les achats auprès de l'économie sociale et solidaire",
					topic: 'ess',
					body: [{ legal: L.ess }],
					targets: [T.essBuy()],
					children: [{ title: "Cartographier les structures de l'ESS du territoire", pilot: 'Mission ESS' }]
				},
				{
					title: 'Renforcer l’ancrage territorial des achats',
					topic: 'economie_locale',
					targets: [T.local()],
					children: [
						{ title: 'Publier chaque année la programmation des achats', pilot: 'Service de la commande publique' },
						{
							title: 'Organiser une rencontre annuelle acheteurs–entreprises',
							pilot: 'Direction du développement économique'
						}
					]
				},
				{
					title: 'Soutenir l’innovation par l’achat',
					topic: 'innovation',
					body: [{ legal: L.innovation }],
					children: [
						{
							title: 'Recenser les besoins qui se prêtent à un achat innovant',
							pilot: 'Service de la commande publique'
						}
					]
				}
			]
		},
		{
			title: 'Une fonction achat professionnelle et performante',
			category: 'gouvernance',
			children: [
				{
					title: 'Professionnaliser acheteurs et prescripteurs',
					targets: [T.training()],
					children: [
						{
							title: 'Adopter un plan annuel de formation aux achats responsables',
							pilot: 'Direction des ressources humaines'
						}
					]
				},
				{
					title: 'Connaître et programmer nos achats',
					children: [
						{ title: 'Recenser les besoins au moment de la préparation budgétaire', pilot: 'Direction des finances' },
						{ title: 'Cartographier les dépenses par segment d’achat', pilot: 'Service de la commande publique' }
					]
				},
				{
					title: 'Mieux connaître les fournisseurs grâce au sourcing',
					children: [
						{ title: 'Conduire un sourcing avant chaque marché stratégique', pilot: 'Service de la commande publique' }
					]
				},
				{
					title: 'Payer les entreprises plus vite',
					targets: [T.payment()],
					children: [{ title: 'Dématérialiser la chaîne de paiement de bout en bout', pilot: 'Direction des finances' }]
				}
			]
		},
		{
			title: 'Gouvernance, transparence et suivi du schéma',
			category: 'gouvernance',
			body: [{ legal: L.spaser }, { legal: L.climat }],
			children: [
				{
					title: 'Piloter et animer le schéma',
					children: [
						{
							title: 'Installer un comité de pilotage réunissant élus et directions',
							pilot: 'Direction générale des services'
						},
						{
							title: 'Animer un réseau de référents achats responsables dans les directions',
							pilot: 'Service de la commande publique'
						}
					]
				},
				{
					title: 'Évaluer et publier un bilan tous les deux ans',
					body: [
						'Le bilan présente, pour chaque catégorie, les indicateurs en nombre de contrats ou en valeur, les cibles et les écarts constatés.',
						{
							list: [
								'Collecte des données auprès des directions',
								'Présentation au comité de pilotage',
								'Publication sur le site de la collectivité'
							]
						}
					],
					targets: [T.bilan()],
					children: [
						{ title: 'Produire le bilan biennal de mise en œuvre', pilot: 'Service de la commande publique' },
						{ title: 'Publier le schéma adopté et ses bilans', pilot: 'Direction de la communication' }
					]
				},
				{
					title: 'Entretenir des relations équilibrées avec les fournisseurs',
					children: [
						{
							title: 'Privilégier le dialogue et la médiation pour prévenir les litiges',
							pilot: 'Direction des affaires juridiques'
						}
					]
				},
				{
					title: 'Garantir la probité et la transparence des procédures',
					children: [
						{
							title: 'Rédiger une charte de déontologie de l’achat avec les directions',
							pilot: 'Direction des affaires juridiques'
						}
					]
				}
			]
		}
	]
};

// ---------------------------------------------------------------------------------------------------------
// (b) 4 axes: économique, environnemental, social, gouvernance
// ---------------------------------------------------------------------------------------------------------

const QUATRE_AXES: TemplateSpec = {
	key: 'quatre_axes',
	name: '4 axes\u00a0: économique, environnemental, social, gouvernance',
	description: 'Quatre axes déclinés en objectifs, puis en actions numérotées de façon continue sur tout le schéma.',
	settings: { levelNames: ['Axe', 'Objectif', 'Action'], numbering: 'global' },
	nodes: [
		{
			title: 'Axe économique\u00a0: connaître, simplifier, s’organiser',
			category: 'economie',
			body: ['Un achat public qui contribue au développement d’une économie locale responsable.'],
			children: [
				{
					title: 'Anticiper et faire connaître nos besoins',
					children: [
						{ title: 'Recenser et planifier les achats avec la préparation budgétaire' },
						{ title: 'Publier la programmation annuelle des consultations' }
					]
				},
				{
					title: 'Faciliter l’accès des TPE/PME et des structures de l’ESS',
					topic: 'economie_locale',
					targets: [T.sme()],
					children: [
						{ title: 'Adapter l’allotissement aux capacités des entreprises' },
						{ title: 'Alléger les pièces demandées aux candidats' }
					]
				},
				{
					title: 'Payer dans des délais courts',
					targets: [T.payment()],
					children: [{ title: 'Suivre mensuellement le délai global de paiement' }]
				}
			]
		},
		{
			title: 'Axe environnemental\u00a0: réduire, préserver, développer',
			category: 'environnement',
			topic: 'environnement',
			body: [{ legal: L.env2026 }],
			children: [
				{
					title: 'Intégrer des considérations environnementales dans tous les marchés',
					topic: 'environnement',
					targets: [T.env(), T.envCriterion()],
					children: [
						{ title: 'Diffuser des clauses et critères environnementaux types' },
						{ title: 'Appliquer le coût global aux achats à fort impact' }
					]
				},
				{
					title: 'Acheter durable, réemployé et recyclé',
					topic: 'economie_circulaire',
					body: [{ legal: L.agec }],
					targets: [T.reuse()],
					children: [
						{ title: 'Privilégier les biens réparables et à longue durée d’usage' },
						{ title: 'Limiter les emballages et le plastique dans les fournitures' }
					]
				},
				{ ...FOOD, title: 'Favoriser une alimentation de qualité et de proximité' }
			]
		},
		{
			title: 'Axe social\u00a0: protéger, intensifier, agir',
			category: 'social',
			body: [{ legal: L.pnad }],
			children: [
				{
					title: 'Diversifier les achats comportant une clause sociale',
					topic: 'insertion',
					targets: [T.social(25, 35), T.hours()],
					children: [
						{ title: 'Étendre les clauses d’insertion aux prestations intellectuelles' },
						{ title: 'Valoriser la qualité des parcours d’insertion dans l’analyse des offres' }
					]
				},
				{
					title: 'Développer les marchés réservés',
					topic: 'ess',
					body: [{ legal: L.reserve }],
					targets: [T.reserved()],
					children: [{ title: 'Sensibiliser les services au recours aux marchés réservés' }]
				},
				{
					title: 'Promouvoir l’égalité et de bonnes conditions de travail',
					topic: 'egalite',
					targets: [T.equality()],
					children: [{ title: 'Insérer des clauses sur l’égalité femmes-hommes et les conditions de travail' }]
				}
			]
		},
		{
			title: 'Axe gouvernance\u00a0: piloter, évaluer, associer',
			category: 'gouvernance',
			body: [{ legal: L.spaser }, { legal: L.climat }],
			children: [
				{
					title: 'Piloter le schéma avec les élus et les directions',
					children: [
						{ title: 'Réunir un comité de pilotage d’élus deux fois par an' },
						{ title: 'Animer un groupe des acheteurs responsables' }
					]
				},
				{
					title: 'Mesurer et rendre compte',
					body: [
						'Les indicateurs sont exprimés en nombre de contrats ou en valeur\u00a0; un bilan est publié tous les deux ans.'
					],
					targets: [T.bilan()],
					children: [{ title: 'Établir et publier le bilan biennal' }]
				},
				{
					title: 'Former et outiller les acheteurs',
					targets: [T.training()],
					children: [{ title: 'Proposer un parcours de formation aux nouveaux acheteurs' }]
				}
			]
		}
	]
};

// ---------------------------------------------------------------------------------------------------------
// (c) 3 piliers + transversal
// ---------------------------------------------------------------------------------------------------------

const TROIS_PILIERS: TemplateSpec = {
	key: 'trois_piliers',
	name: '3 piliers et un pilier transversal',
	description:
		'Piliers environnemental, économique et social plus un pilier transversal\u00a0; objectifs, actions (dont «\u00a0actions bonus\u00a0») et sous-actions numérotés dans chaque parent.',
	settings: { levelNames: ['Pilier', 'Objectif', 'Action', 'Sous-action'], numbering: 'per_parent' },
	nodes: [
		{
			title: 'Pilier environnemental',
			category: 'environnement',
			topic: 'environnement',
			body: [{ legal: L.env2026 }],
			children: [
				{ ...FOOD, title: 'Développer des achats alimentaires durables et de qualité' },
				{
					title: 'Réduire l’empreinte écologique de nos achats',
					topic: 'environnement',
					targets: [T.env()],
					children: [
						{
							title: 'Interroger le besoin avant chaque achat',
							pilot: 'Direction des achats',
							children: [
								{
									title: 'Sensibiliser les agents aux alternatives à l’achat neuf',
									body: [
										'Objectif\u00a0: éviter les achats inutiles. Mise en œuvre\u00a0: sessions courtes dans les services.'
									]
								},
								{
									title: 'Mettre en place un questionnement du besoin avant toute commande',
									body: ['Objectif\u00a0: intégrer la décarbonation dès l’expression du besoin.']
								}
							]
						},
						{
							title: 'Intégrer des considérations environnementales dans les marchés',
							pilot: 'Direction des achats',
							children: [
								{ title: 'Constituer une boîte à outils de clauses et critères environnementaux' },
								{ title: 'Réunir des experts environnementaux pour conseiller les acheteurs' }
							]
						}
					]
				},
				{
					title: 'Mieux gérer les déchets et préserver les ressources',
					topic: 'economie_circulaire',
					body: [{ legal: L.agec }],
					targets: [T.reuse()],
					children: [
						{
							title: 'Mutualiser le mobilier et les équipements entre services',
							pilot: 'Direction des moyens généraux'
						},
						{
							title: 'Développer une ressourcerie interne',
							kind: 'action_bonus',
							pilot: 'Direction des moyens généraux'
						}
					]
				}
			]
		},
		{
			title: 'Pilier économique',
			category: 'economie',
			children: [
				{
					title: 'Encourager l’innovation',
					topic: 'innovation',
					body: [{ legal: L.innovation }],
					children: [
						{
							title: 'Utiliser les outils du code de la commande publique',
							pilot: 'Direction des achats',
							children: [
								{ title: 'Promouvoir le dispositif des achats innovants' },
								{ title: 'Recourir au dialogue compétitif pour les besoins complexes' }
							]
						},
						{ title: 'Autoriser plus souvent les variantes', pilot: 'Direction des achats' }
					]
				},
				{
					title: 'Accroître la performance achat',
					targets: [T.sme(), T.payment()],
					children: [
						{
							title: 'Anticiper et optimiser la dépense',
							pilot: 'Direction des achats',
							children: [
								{ title: 'Recenser et programmer les achats' },
								{ title: 'Étudier le recours aux centrales d’achat et groupements' }
							]
						},
						{
							title: 'Professionnaliser les acteurs de l’achat',
							pilot: 'Direction des ressources humaines',
							targets: [T.training()]
						}
					]
				}
			]
		},
		{
			title: 'Pilier social',
			category: 'social',
			body: [{ legal: L.pnad }],
			children: [
				{
					title: 'Développer la dimension sociale des marchés',
					topic: 'insertion',
					targets: [T.social()],
					children: [
						{
							title: 'Intégrer des considérations sociales dans les marchés',
							pilot: 'Direction de l’insertion',
							children: [
								{ title: 'Créer une cellule d’experts insertion, handicap et ESS' },
								{ title: 'Étudier chaque marché sous l’angle de la clause sociale' }
							]
						},
						{
							title: 'Étendre les marchés réservés',
							topic: 'ess',
							body: [{ legal: L.reserve }],
							targets: [T.reserved()],
							children: [
								{ title: 'Réserver des marchés aux structures de l’ESS' },
								{ title: 'Réserver des lots aux secteurs du handicap et de l’insertion' }
							]
						},
						{
							title: 'Recueillir les données des structures de l’action sociale',
							kind: 'action_bonus',
							pilot: 'Direction de l’insertion'
						}
					]
				},
				{
					title: 'Favoriser l’accès de tous aux marchés',
					topic: 'egalite',
					targets: [T.equality()],
					children: [
						{ title: 'Rédiger des documents de consultation faciles à lire', pilot: 'Direction des achats' },
						{ title: 'Intégrer l’égalité femmes-hommes dans les pratiques d’achat', pilot: 'Mission égalité' }
					]
				}
			]
		},
		{
			title: 'Pilier transversal',
			category: 'gouvernance',
			body: [{ legal: L.spaser }, { legal: L.climat }],
			children: [
				{
					title: 'Développer le sourcing et le benchmark',
					children: [
						{ title: 'Pratiquer le benchmark avec d’autres acheteurs publics' },
						{ title: 'Conduire un sourcing avant les marchés à enjeux' }
					]
				},
				{
					title: 'Suivre, évaluer et publier',
					body: ['Les indicateurs sont suivis chaque année et un bilan de mise en œuvre est publié tous les deux ans.'],
					targets: [T.bilan()],
					children: [
						{ title: 'Établir le bilan biennal et le présenter aux élus', pilot: 'Direction des achats' },
						{ title: 'Publier le schéma et ses bilans', pilot: 'Direction de la communication' }
					]
				}
			]
		}
	]
};

// ---------------------------------------------------------------------------------------------------------
// (d) minimal legal
// ---------------------------------------------------------------------------------------------------------

const MINIMAL: TemplateSpec = {
	key: 'minimal_legal',
	name: 'Schéma minimal conforme à la loi',
	description:
		'Le contenu strictement exigé\u00a0: objectifs, volet social, volet environnemental, indicateurs en nombre de contrats ou en valeur, cibles, publication et bilan biennal. Un bon point de départ pour un premier schéma.',
	settings: { levelNames: ['Partie', 'Objectif', 'Action'], numbering: 'per_parent' },
	nodes: [
		{
			title: 'Cadre et objectifs du schéma',
			category: 'cadre',
			body: [
				'Ce schéma fixe les objectifs de la collectivité pour des achats socialement et écologiquement responsables sur la période, les indicateurs qui les mesurent et les modalités de suivi.',
				{ legal: L.spaser },
				{ legal: L.seuil },
				{ legal: L.climat }
			],
			children: [
				{
					title: 'Périmètre\u00a0: ensemble des achats de la collectivité',
					body: ['Les indicateurs portent sur les marchés notifiés dans l’année civile.']
				}
			]
		},
		{
			title: 'Volet social',
			category: 'social',
			body: [{ legal: L.pnad }],
			children: [
				{
					title: 'Augmenter la part des marchés comportant une considération sociale',
					topic: 'insertion',
					targets: [T.social(20, 30)],
					children: [
						{ title: 'Examiner chaque consultation de plus de 40 000\u00a0€ HT sous l’angle de la clause sociale' }
					]
				}
			]
		},
		{
			title: 'Volet environnemental',
			category: 'environnement',
			topic: 'environnement',
			body: [{ legal: L.env2026 }],
			children: [
				{
					title: 'Intégrer une considération environnementale dans tous les marchés',
					topic: 'environnement',
					targets: [T.env()],
					children: [{ title: 'Prévoir au moins une exigence environnementale dans chaque consultation' }]
				}
			]
		},
		{
			title: 'Indicateurs, publication et bilan',
			category: 'gouvernance',
			body: [
				'Les indicateurs sont exprimés en nombre de contrats ou en valeur, pour chaque catégorie d’achats responsables.',
				{
					list: [
						'Part des marchés notifiés avec une considération sociale (nombre de contrats)',
						'Part des marchés notifiés avec une considération environnementale (nombre de contrats)'
					]
				}
			],
			children: [
				{
					title: 'Publier le schéma adopté',
					children: [{ title: 'Mettre en ligne le schéma après la délibération' }]
				},
				{
					title: 'Établir un bilan tous les deux ans',
					targets: [T.bilan()],
					children: [{ title: 'Présenter le bilan aux élus puis le publier' }]
				}
			]
		}
	]
};

const SPECS: Record<TemplateKey, TemplateSpec> = {
	cinq_axes: CINQ_AXES,
	quatre_axes: QUATRE_AXES,
	trois_piliers: TROIS_PILIERS,
	minimal_legal: MINIMAL
};

export interface TemplateInfo {
	key: TemplateKey;
	name: string;
	description: string;
	settings: DocSettings;
}

export const TEMPLATES: TemplateInfo[] = Object.values(SPECS).map(({ key, name, description, settings }) => ({
	key,
	name,
	description,
	settings
}));

export function isTemplateKey(k: unknown): k is TemplateKey {
	return typeof k === 'string' && k in SPECS;
}

// ---------------------------------------------------------------------------------------------------------
// Building DocContent
// ---------------------------------------------------------------------------------------------------------

export interface BuildOptions {
	periodStart?: number;
	periodEnd?: number;
	/** Priorities for nodes marked `onlyIf`; 'all' (default) keeps every node. */
	include?: Priority[] | 'all';
}

function blockToRich(b: Block): RichNode {
	if (typeof b === 'string') return { type: 'paragraph', content: [{ type: 'text', text: b }] };
	if ('list' in b)
		return {
			type: 'bulletList',
			content: b.list.map((item) => ({
				type: 'listItem',
				content: [{ type: 'paragraph', content: [{ type: 'text', text: item }] }]
			}))
		};
	if ('heading' in b) return { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: b.heading }] };
	return {
		type: 'paragraph',
		content: [
			{ type: 'text', text: 'Référence\u00a0: ', marks: [{ type: 'bold' }] },
			{ type: 'text', text: b.legal, marks: [{ type: 'italic' }] }
		]
	};
}

function resolveYear(y: YearSpec, start: number, end: number): number {
	return y === 'end' ? end : Math.min(end, Math.max(start, start + y));
}

function toTarget(s: TargetSpec, i: number, start: number, end: number): Target {
	const milestones = new Map<number, number>();
	for (const [y, v] of s.milestones ?? []) milestones.set(resolveYear(y, start, end), v);
	const year = resolveYear(s.at ?? 'end', start, end);
	milestones.delete(year);
	return {
		id: `t${String(i + 1).padStart(2, '0')}-${s.indicator.toLowerCase()}`,
		indicatorCode: s.indicator,
		label: s.label,
		unit: s.unit,
		value: s.value,
		year,
		milestones: [...milestones].sort((a, b) => a[0] - b[0]).map(([y, value]) => ({ year: y, value })),
		baselineYear: s.baseline !== undefined ? start + s.baseline : null,
		relative: s.relative ?? false,
		thresholdEurHt: s.threshold ?? null,
		scope: s.scope ?? ''
	};
}

function defaultPeriod(opts: BuildOptions) {
	const start = opts.periodStart ?? new Date().getFullYear();
	const end = Math.max(start, opts.periodEnd ?? start + 3);
	return { start, end };
}

interface Built {
	spec: NodeSpec;
	node: PlainNode;
}

function buildNodes(
	specs: NodeSpec[],
	parentId: string | null,
	start: number,
	end: number,
	keep: (s: NodeSpec) => boolean,
	out: Built[]
) {
	let prev: string | null = null;
	for (const spec of specs) {
		if (!keep(spec)) continue;
		const order = keyBetween(prev, null);
		prev = order;
		const node: PlainNode = {
			id: crypto.randomUUID(),
			parentId,
			order,
			title: spec.title,
			body: (spec.body ?? []).map(blockToRich),
			kind: spec.kind ?? 'normal',
			status: 'a_lancer',
			pilot: spec.pilot ?? '',
			resources: spec.resources ?? [],
			tools: spec.tools ?? [],
			links: [],
			targets: (spec.targets ?? []).map((ts, i) => toTarget(ts, i, start, end)).sort((a, b) => a.id.localeCompare(b.id))
		};
		out.push({ spec, node });
		buildNodes(spec.children ?? [], node.id, start, end, keep, out);
	}
}

/** A fresh copy of a template (new ids), with target years placed inside the period. */
export function buildTemplate(key: TemplateKey, opts: BuildOptions = {}): DocContent {
	return buildInternal(key, opts).content;
}

function buildInternal(key: TemplateKey, opts: BuildOptions) {
	const spec = SPECS[key];
	if (!spec) throw new Error(`unknown template ${key}`);
	const { start, end } = defaultPeriod(opts);
	const include = opts.include ?? 'all';
	const keep = (s: NodeSpec) => !s.onlyIf || include === 'all' || include.includes(s.onlyIf);
	const built: Built[] = [];
	buildNodes(spec.nodes, null, start, end, keep, built);
	return {
		content: { settings: structuredClone(spec.settings), nodes: built.map((b) => b.node) },
		built,
		start,
		end,
		spec
	};
}

// ---------------------------------------------------------------------------------------------------------
// First-SPASER wizard
// ---------------------------------------------------------------------------------------------------------

export interface WizardAnswers {
	/** A key of ORG_KINDS (commune, departement, region…). */
	orgKind: string;
	/** Annual purchases in € HT, when known. */
	purchaseVolumeEur: number | null;
	priorities: Priority[];
	experience: 'first' | 'renewal';
	periodStart?: number;
	periodEnd?: number;
}

export interface WizardProposal {
	templateKey: TemplateKey;
	templateName: string;
	/** Whether the collectivité is bound to adopt a SPASER (≥ 50 M€ HT of annual purchases). */
	mandatory: boolean | null;
	reasons: string[];
	content: DocContent;
}

const LARGE_KINDS = new Set(['region', 'departement', 'metropole']);
const eur = (n: number) =>
	`${new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 }).format(n / 1_000_000)} M€ HT`;

/** Picks a template from the answers and tailors it (optional nodes, missing priorities, emphasis). */
export function proposeFromAnswers(answers: WizardAnswers): WizardProposal {
	const priorities = [...new Set(answers.priorities)].filter((p): p is Priority => p in PRIORITIES);
	const volume = answers.purchaseVolumeEur;
	const mandatory = volume === null || volume === undefined ? null : volume >= SPASER_MANDATORY_THRESHOLD_EUR;
	const large = LARGE_KINDS.has(answers.orgKind) || (volume ?? 0) >= 100_000_000;
	const reasons: string[] = [];

	if (mandatory === true)
		reasons.push(
			`Avec ${eur(volume!)} d’achats annuels, votre collectivité dépasse le seuil de 50\u00a0M€ HT\u00a0: l’adoption et la publication d’un SPASER sont obligatoires (art. L2111-3 du code de la commande publique).`
		);
	else if (mandatory === false)
		reasons.push(
			`Avec ${eur(volume!)} d’achats annuels, votre collectivité est sous le seuil de 50\u00a0M€ HT\u00a0: le SPASER n’est pas obligatoire, mais une démarche volontaire prépare les obligations d’août 2026.`
		);
	else
		reasons.push(
			'Indiquez votre volume d’achats annuel\u00a0: un SPASER est obligatoire à partir de 50\u00a0M€ HT d’achats par an.'
		);

	let key: TemplateKey;
	if (answers.experience === 'first' && mandatory !== true && priorities.length <= 3) {
		key = 'minimal_legal';
		reasons.push(
			'Pour un premier schéma non obligatoire, le modèle minimal contient exactement ce que la loi demande\u00a0; vous pourrez l’enrichir ensuite.'
		);
	} else if (large && (answers.experience === 'renewal' || priorities.length >= 5)) {
		key = 'cinq_axes';
		reasons.push(
			'Votre collectivité achète beaucoup et dans de nombreux domaines\u00a0: le modèle en 5 axes et une vingtaine de chantiers couvre toute la politique d’achat.'
		);
	} else if (answers.experience === 'first') {
		key = 'trois_piliers';
		reasons.push(
			'Pour un premier schéma, le modèle en 3 piliers et un pilier transversal structure la démarche en objectifs et en actions concrètes, avec des directions pilotes.'
		);
	} else {
		key = 'quatre_axes';
		reasons.push(
			'Pour un renouvellement, le modèle en 4 axes (économique, environnemental, social, gouvernance) permet de reprendre et de consolider les actions du schéma précédent.'
		);
	}

	const { content, built, start, end } = buildInternal(key, {
		periodStart: answers.periodStart,
		periodEnd: answers.periodEnd,
		include: priorities
	});
	const nodes = content.nodes;
	const covered = new Set(built.map((b) => b.spec.topic).filter(Boolean) as Priority[]);
	const rootFor = (cat: Category) => built.find((b) => b.node.parentId === null && b.spec.category === cat)?.node;

	// priorities the template does not cover: add a ready-made node under the matching root
	for (const p of priorities) {
		if (covered.has(p)) continue;
		const addon = ADDONS[p];
		let root = rootFor(addon.category);
		if (!root) {
			const lastRoot = nodes.filter((n) => n.parentId === null).at(-1);
			root = {
				id: crypto.randomUUID(),
				parentId: null,
				order: keyBetween(lastRoot?.order ?? null, null),
				title: ROOT_FOR_CATEGORY[addon.category],
				body: [],
				kind: 'normal',
				status: 'a_lancer',
				pilot: '',
				resources: [],
				tools: [],
				links: [],
				targets: []
			};
			nodes.push(root);
		}
		const siblings = nodes.filter((n) => n.parentId === root.id);
		const extra: Built[] = [];
		buildNodes([addon.node], root.id, start, end, () => true, extra);
		extra[0].node.order = keyBetween(
			siblings
				.map((s) => s.order)
				.sort()
				.at(-1) ?? null,
			null
		);
		nodes.push(...extra.map((e) => e.node));
		reasons.push(
			`Priorité «\u00a0${PRIORITIES[p]}\u00a0»\u00a0: ajout de «\u00a0${addon.node.title}\u00a0» dans «\u00a0${root.title}\u00a0».`
		);
	}

	const has = (p: Priority) => priorities.includes(p);
	if (has('alimentation') && covered.has('alimentation'))
		reasons.push(
			'Priorité «\u00a0alimentation\u00a0»\u00a0: la partie sur la restauration collective reprend les objectifs EGalim (50\u00a0% de produits durables et de qualité, dont 20\u00a0% de bio).'
		);
	if (!has('alimentation') && built.some((b) => b.spec.onlyIf === 'alimentation'))
		reasons.push(
			'La partie sur la restauration collective n’est pas incluse\u00a0; ajoutez-la si vous servez des repas (objectifs EGalim).'
		);
	if (has('ess')) {
		// bring reserved contracts and ESS nodes first among their siblings
		for (const b of built.filter((x) => x.spec.topic === 'ess')) {
			const sibs = nodes.filter((n) => n.parentId === b.node.parentId && n.id !== b.node.id);
			const first = sibs.map((s) => s.order).sort()[0] ?? null;
			b.node.order = keyBetween(null, first);
		}
		reasons.push(
			'Priorité «\u00a0ESS\u00a0»\u00a0: les marchés réservés (art. L2113-12 à L2113-16 du code de la commande publique) et les achats auprès de l’ESS sont placés en tête de leur partie.'
		);
	}
	if (answers.experience === 'renewal')
		reasons.push('Reprenez les valeurs atteintes lors de votre dernier bilan pour ajuster les cibles proposées.');
	else reasons.push('Les cibles proposées sont des exemples\u00a0: ajustez-les à votre situation avant l’adoption.');

	// keep document order: parents first, siblings by order key
	const byParent = new Map<string | null, PlainNode[]>();
	for (const n of nodes) {
		if (!byParent.has(n.parentId)) byParent.set(n.parentId, []);
		byParent.get(n.parentId)!.push(n);
	}
	const ordered: PlainNode[] = [];
	const walk = (p: string | null) => {
		for (const n of (byParent.get(p) ?? []).sort((a, b) => (a.order < b.order ? -1 : 1))) {
			ordered.push(n);
			walk(n.id);
		}
	};
	walk(null);

	return {
		templateKey: key,
		templateName: SPECS[key].name,
		mandatory,
		reasons,
		content: { settings: content.settings, nodes: ordered }
	};
}
