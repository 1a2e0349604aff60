// Shared resources (clause models and REX): nomenclatures and zod schemas shared by forms, import and the API.
import { z } from 'zod';
// French default messages (also set by $lib/server/kit/input on the server; this file is read by the browser too).
z.config(z.locales.fr());

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

export const CPV_RE = /^\d{8}-\d$/;

const text = (max: number, label: string) =>
	z
		.string()
		.trim()
		.max(max, { error: `${label} : ${max.toLocaleString('fr-FR')} caractères au plus.` })
		.optional()
		.transform((v) => v ?? '');

/** A list given as an array or as a string separated by commas, semicolons or line breaks. */
const list = z
	.union([z.array(z.string()), z.string()])
	.optional()
	.transform((v) =>
		(Array.isArray(v) ? v : (v ?? '').split(/[,;\n\s]+/))
			.map((s) => s.trim())
			.filter(Boolean)
			.filter((s, i, a) => a.indexOf(s) === i)
	);

const boolish = z
	.union([z.boolean(), z.string()])
	.optional()
	.transform((v) => v === true || v === 'on' || v === 'true' || v === '1' || v === 'oui');

export const resultSchema = z.object({
	label: z.string().trim().min(1).max(200),
	value: z.number(),
	unit: z.string().trim().max(40).default('')
});
export type RexResult = z.infer<typeof resultSchema>;

/** "Heures d'insertion : 1 200 h" per line → [{ label, value, unit }]. */
export function parseResultLines(textValue: string): { results: RexResult[]; error: string | null } {
	const results: RexResult[] = [];
	for (const [i, raw] of textValue.split('\n').entries()) {
		const line = raw.trim();
		if (!line) continue;
		const m = /^(.+?)\s*[:=]\s*([-+]?[\d\s\u00a0\u202f]+(?:[.,]\d+)?)\s*(.*)$/.exec(line);
		if (!m) return { results, error: `Ligne ${i + 1} des résultats : écrivez « indicateur : valeur unité » (ex. « Heures d'insertion : 1200 h »).` };
		results.push({ label: m[1].trim(), value: Number(m[2].replace(/[\s\u00a0\u202f]/g, '').replace(',', '.')), unit: m[3].trim() });
	}
	return { results, error: null };
}

export const resultsToLines = (results: RexResult[]) =>
	results.map((r) => `${r.label} : ${String(r.value).replace('.', ',')}${r.unit ? ' ' + r.unit : ''}`).join('\n');

export const resourceInput = z
	.object({
		kind: z.enum(['clause', 'rex'], { error: 'Choisissez le type : modèle de clause ou retour d’expérience.' }),
		title: z
			.string({ error: 'Indiquez un titre.' })
			.trim()
			.min(3, { error: 'Le titre doit faire au moins 3 caractères.' })
			.max(300, { error: 'Le titre est trop long (300 caractères au plus).' }),
		summary: text(2000, 'Résumé'),
		body: text(50000, 'Texte'),
		family: z.enum(Object.keys(FAMILIES) as [Family, ...Family[]], { error: 'Choisissez une famille.' }),
		mechanism: z
			.enum(Object.keys(MECHANISMS) as [Mechanism, ...Mechanism[]], { error: 'Choisissez un mécanisme juridique de la liste.' })
			.optional()
			.nullable()
			.transform((v) => v ?? null),
		segments: list.pipe(
			z.array(z.string().refine((s) => s in SEGMENTS, { error: 'Segment d’achat inconnu.' })).max(12, { error: '12 segments au plus.' })
		),
		cpvCodes: list.pipe(
			z
				.array(
					z.string().refine((s) => CPV_RE.test(s), { error: 'Code CPV invalide : format attendu 45000000-7 (8 chiffres, tiret, chiffre de contrôle).' })
				)
				.max(20, { error: '20 codes CPV au plus.' })
		),
		legalRefs: text(2000, 'Références juridiques'),
		legalCheckedOn: z
			.string()
			.regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'Date de vérification juridique invalide (AAAA-MM-JJ).' })
			.optional()
			.nullable()
			.transform((v) => v ?? null),
		licence: text(300, 'Licence').transform((v) => v || 'Licence Ouverte / Etalab 2.0'),
		visibility: z.enum(['private', 'network', 'public'], { error: 'Choisissez une visibilité.' }).default('private'),
		parameters: z.record(z.string(), z.union([z.number(), z.string()])).optional().default({}),
		// REX
		year: z.coerce
			.number({ error: 'Année invalide.' })
			.int({ error: 'Année invalide.' })
			.min(2000, { error: 'Année entre 2000 et 2100.' })
			.max(2100, { error: 'Année entre 2000 et 2100.' })
			.optional()
			.nullable()
			.transform((v) => v ?? null),
		procedure: text(200, 'Procédure'),
		amountBand: z
			.enum(Object.keys(AMOUNT_BANDS) as [keyof typeof AMOUNT_BANDS], { error: 'Tranche de montant inconnue.' })
			.optional()
			.nullable()
			.transform((v) => v ?? null),
		context: text(20000, 'Contexte'),
		actions: text(20000, 'Ce qui a été fait'),
		results: z.array(resultSchema).max(30).optional().default([]),
		difficulties: text(20000, 'Difficultés'),
		lessons: text(20000, 'Enseignements'),
		linkedClauseIds: z.array(z.uuid({ error: 'Identifiant de clause invalide.' })).max(30).optional().default([]),
		anonymised: boolish,
		contactName: text(200, 'Contact'),
		contactEmail: z
			.string()
			.trim()
			.optional()
			.transform((v) => v || null)
			.pipe(z.email({ error: "L'adresse e-mail du contact n'est pas valable." }).nullable())
	})
	.superRefine((v, ctx) => {
		if (v.kind === 'clause' && !v.body.trim())
			ctx.addIssue({ code: 'custom', path: ['body'], message: 'Écrivez le texte de la clause.' });
		if (v.kind === 'clause' && !v.mechanism)
			ctx.addIssue({ code: 'custom', path: ['mechanism'], message: 'Choisissez le mécanisme juridique de la clause.' });
		if (v.kind === 'rex' && !v.year) ctx.addIssue({ code: 'custom', path: ['year'], message: "Indiquez l'année du marché." });
		if (v.kind === 'rex' && !v.context.trim() && !v.actions.trim())
			ctx.addIssue({ code: 'custom', path: ['context'], message: 'Décrivez au moins le contexte ou ce qui a été fait.' });
	});
export type ResourceInput = z.infer<typeof resourceInput>;

/** The form version: results as lines of text, parameters as "clé = valeur" lines. */
export function resourceFromForm(raw: Record<string, unknown>) {
	const resultsText = typeof raw.resultsText === 'string' ? raw.resultsText : '';
	const parsed = parseResultLines(resultsText);
	const params: Record<string, number | string> = {};
	const paramsText = typeof raw.parametersText === 'string' ? raw.parametersText : '';
	for (const line of paramsText.split('\n')) {
		const m = /^\s*([\p{L}\w]+)\s*=\s*(.+?)\s*$/u.exec(line);
		if (m) params[m[1]] = /^-?\d+(?:[.,]\d+)?$/.test(m[2]) ? Number(m[2].replace(',', '.')) : m[2];
	}
	const linked = list.parse(raw.linkedClauseIds);
	const out = resourceInput.safeParse({ ...raw, results: parsed.results, parameters: params, linkedClauseIds: linked });
	if (parsed.error) {
		return { success: false as const, errors: { ...(out.success ? {} : {}), resultsText: parsed.error } };
	}
	return out.success ? { success: true as const, data: out.data } : { success: false as const, error: out.error };
}

export const searchParamsSchema = z.object({
	q: z.string().trim().max(200).optional().default(''),
	kind: z.enum(['clause', 'rex']).optional(),
	family: z.enum(Object.keys(FAMILIES) as [Family]).optional(),
	mechanism: z.enum(Object.keys(MECHANISMS) as [Mechanism]).optional(),
	segment: z.string().refine((s) => s in SEGMENTS).optional(),
	cpv: z.string().regex(/^\d{2,8}$/).optional(),
	network: z.uuid().optional(),
	reliability: z.enum(['collectivite', 'reseau', 'national']).optional(),
	year: z.coerce.number().int().min(2000).max(2100).optional(),
	mine: z.enum(['1']).optional(),
	sort: z.enum(['relevance', 'recent', 'usage']).optional().default('relevance'),
	page: z.coerce.number().int().min(1).max(1000).optional().default(1)
});
export type SearchParams = z.infer<typeof searchParamsSchema>;

/** Reads search params from a URL, dropping invalid ones (a bad facet in a shared link shows all results). */
export function searchParamsFromUrl(url: URL): SearchParams {
	const raw: Record<string, string> = {};
	for (const [k, v] of url.searchParams) if (v !== '') raw[k] = v;
	const out: Record<string, unknown> = {};
	const shape = searchParamsSchema.shape;
	for (const [k, v] of Object.entries(raw)) {
		const field = shape[k as keyof typeof shape];
		if (field && field.safeParse(v).success) out[k] = v;
	}
	return searchParamsSchema.parse(out);
}

export const calculatorInput = z.object({
	amount: z.coerce
		.number({ error: 'Indiquez le montant estimé en euros HT.' })
		.positive({ error: 'Le montant doit être positif.' })
		.max(10_000_000_000, { error: 'Montant trop élevé.' }),
	years: z.coerce
		.number({ error: 'Indiquez la durée en années.' })
		.min(0.25, { error: 'Durée minimale : 3 mois (0,25 an).' })
		.max(10, { error: 'Durée maximale : 10 ans.' }),
	segment: z.string().refine((s) => s in SEGMENTS, { error: 'Choisissez un segment d’achat.' }),
	network: z.uuid().optional(),
	departement: z
		.string()
		.regex(/^([0-9]{2}|2A|2B|97[1-6])$/, { error: 'Département invalide (ex. 31, 2A, 974).' })
		.optional()
});

export const calcSettingsInput = z.object({
	hoursPer10k: z.coerce.number({ error: 'Nombre d’heures invalide.' }).positive({ error: 'Doit être positif.' }).max(200),
	minHoursPerYear: z.coerce.number({ error: 'Minimum invalide.' }).int().min(0).max(100000),
	thresholdEurHt: z.coerce.number({ error: 'Seuil invalide.' }).min(0)
});

export const feedbackInput = z.object({
	worked: text(2000, 'Ce qui a fonctionné'),
	notWorked: text(2000, "Ce qui n'a pas fonctionné")
});

export const reviewInput = z
	.object({
		networkId: z.uuid({ error: 'Réseau invalide.' }),
		decision: z.enum(['validated', 'changes_requested'], { error: 'Choisissez une décision.' }),
		comment: text(5000, 'Commentaire')
	})
	.superRefine((v, ctx) => {
		if (v.decision === 'changes_requested' && !v.comment)
			ctx.addIssue({ code: 'custom', path: ['comment'], message: 'Expliquez les modifications demandées.' });
	});

export const useInSpaserInput = z.object({
	documentId: z.uuid({ error: 'Choisissez un SPASER.' }),
	nodeId: z.uuid({ error: 'Choisissez l’élément du SPASER.' }),
	mode: z.enum(['inserted', 'linked'], { error: 'Choisissez : insérer le texte ou lier la clause.' })
});
