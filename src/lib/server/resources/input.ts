// Shared resources (clause models and REX): every input of the capability (forms, import, search and the JSON
// API), with its French messages.
import { z } from 'zod';
import { uuid } from '$lib/server/kit/input';
import { apiInput } from '$lib/server/api/schemas';
import { AMOUNT_BANDS, FAMILIES, MECHANISMS, SEGMENTS, type Family, type Mechanism } from '$lib/resources/labels';

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
		if (!m)
			return {
				results,
				error: `Ligne ${i + 1} des résultats : écrivez « indicateur : valeur unité » (ex. « Heures d'insertion : 1200 h »).`
			};
		results.push({
			label: m[1].trim(),
			value: Number(m[2].replace(/[\s\u00a0\u202f]/g, '').replace(',', '.')),
			unit: m[3].trim()
		});
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
			.enum(Object.keys(MECHANISMS) as [Mechanism, ...Mechanism[]], {
				error: 'Choisissez un mécanisme juridique de la liste.'
			})
			.optional()
			.nullable()
			.transform((v) => v ?? null),
		segments: list.pipe(
			z
				.array(z.string().refine((s) => s in SEGMENTS, { error: 'Segment d’achat inconnu.' }))
				.max(12, { error: '12 segments au plus.' })
		),
		cpvCodes: list.pipe(
			z
				.array(
					z.string().refine((s) => CPV_RE.test(s), {
						error: 'Code CPV invalide : format attendu 45000000-7 (8 chiffres, tiret, chiffre de contrôle).'
					})
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
		parameters: z
			.record(z.string(), z.union([z.number(), z.string()]))
			.optional()
			.default({}),
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
		linkedClauseIds: z
			.array(z.uuid({ error: 'Identifiant de clause invalide.' }))
			.max(30)
			.optional()
			.default([]),
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
		if (v.kind === 'rex' && !v.year)
			ctx.addIssue({ code: 'custom', path: ['year'], message: "Indiquez l'année du marché." });
		if (v.kind === 'rex' && !v.context.trim() && !v.actions.trim())
			ctx.addIssue({
				code: 'custom',
				path: ['context'],
				message: 'Décrivez au moins le contexte ou ce qui a été fait.'
			});
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
	segment: z
		.string()
		.refine((s) => s in SEGMENTS)
		.optional(),
	cpv: z
		.string()
		.regex(/^\d{2,8}$/)
		.optional(),
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
	hoursPer10k: z.coerce
		.number({ error: 'Nombre d’heures invalide.' })
		.positive({ error: 'Doit être positif.' })
		.max(200),
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

// ---------------------------------------------------------------------------------------------------------
// JSON API bodies and paths
// ---------------------------------------------------------------------------------------------------------
/** Most rows one import takes (API and form). */
export const MAX_IMPORT_ROWS = 2000;
export const resourceIdParams = z.object({ id: uuid });
export const resourceCreate = apiInput(
	z.object({
		orgId: uuid.describe('Collectivité auteure (vous devez en être administrateur ou rédacteur).'),
		resource: resourceInput
	}),
	'ResourceCreateInput',
	'Une ressource à créer dans une collectivité. Avec visibility = network, elle est soumise à la relecture des réseaux de la collectivité.'
);
export const resourceUpdate = apiInput(
	resourceInput,
	'ResourceInput',
	'Le contenu complet d’une ressource (une nouvelle version est créée).'
);
export const importInput = apiInput(
	z
		.object({
			orgId: uuid,
			items: z
				.array(z.record(z.string(), z.unknown()))
				.max(MAX_IMPORT_ROWS)
				.optional()
				.describe('Objets JSON (mêmes champs que ResourceInput, ou colonnes françaises du CSV).'),
			csv: z
				.string()
				.max(5_000_000)
				.optional()
				.describe('Contenu d’un fichier CSV (colonnes françaises, voir la page d’import).')
		})
		.refine((v) => !!v.items !== !!v.csv, { error: 'Envoyez soit « items », soit « csv ».' }),
	'ResourceImportInput',
	'Import en masse : chaque ligne est validée ; les lignes valables sont importées (privées), les autres refusées avec leur motif.'
);
