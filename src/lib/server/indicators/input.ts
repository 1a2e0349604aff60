// Indicators, DECP imports and benchmarks: the inputs of forms and of the API, and the API outputs (French messages).
import { z } from 'zod';
import { DOMAINS, SIZES, UNITS, type IndicatorUnit } from '$lib/indicators/labels';
import { apiInput, apiOutput, listOf } from '$lib/server/api/schemas';
import { uuid } from '$lib/server/kit/input';
import { isUuid } from '$lib/server/kit/ids';
import { ORG_KINDS } from '$lib/organisations/labels';

/** The kinds of collectivités (one vocabulary: src/lib/organisations/labels.ts). */
export const KINDS = ORG_KINDS;

const year = z.coerce
	.number({ error: 'Indiquez une année.' })
	.int({ error: "L'année doit être un nombre entier." })
	.min(2000, { error: "L'année doit être comprise entre 2000 et 2100." })
	.max(2100, { error: "L'année doit être comprise entre 2000 et 2100." });

/** A French or plain number: « 12,5 », « 1 200 000 », « 12.5 ». */
export function parseFrenchNumber(x: unknown): number | null {
	if (typeof x === 'number') return Number.isFinite(x) ? x : null;
	if (typeof x !== 'string') return null;
	const s = x
		.replace(/[\s\u00a0\u202f]/g, '')
		.replace(/%$/, '')
		.replace(/€$/, '')
		.replace(',', '.');
	if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
	const n = Number(s);
	return Number.isFinite(n) ? n : null;
}

const numberField = (label: string) =>
	z.union([z.number(), z.string()], { error: `${label} : indiquez un nombre.` }).transform((x, ctx) => {
		const n = parseFrenchNumber(x);
		if (n === null) {
			ctx.addIssue({ code: 'custom', message: `${label} : indiquez un nombre (par exemple 12,5).` });
			return z.NEVER;
		}
		if (Math.abs(n) >= 1e15) {
			ctx.addIssue({ code: 'custom', message: `${label} : la valeur est trop grande.` });
			return z.NEVER;
		}
		return n;
	});

const optionalNumber = (label: string) => z.union([numberField(label), z.null()]).optional();

export const valueInputSchema = z.object({
	indicatorId: uuid.describe("Identifiant de l'indicateur (catalogue ou indicateur propre)."),
	year,
	value: numberField('Valeur'),
	numerator: optionalNumber('Numérateur'),
	denominator: optionalNumber('Dénominateur'),
	perimeter: z
		.string()
		.trim()
		.max(1000, { error: 'Le périmètre est limité à 1 000 caractères.' })
		.optional()
		.default(''),
	comment: z
		.string()
		.trim()
		.max(2000, { error: 'Le commentaire est limité à 2 000 caractères.' })
		.optional()
		.default('')
});
export type ValueInput = z.input<typeof valueInputSchema>;
export const valueInputApiSchema = apiInput(
	valueInputSchema,
	'IndicatorValueInput',
	"Valeur annuelle d'un indicateur pour sa collectivité."
);

export const customIndicatorSchema = z.object({
	code: z
		.string({ error: 'Indiquez un code.' })
		.trim()
		.toUpperCase()
		.regex(/^[A-Z0-9][A-Z0-9-]{1,39}$/, {
			error: 'Code : lettres majuscules, chiffres et tirets (2 à 40 caractères), par exemple LOC-01.'
		})
		.refine((c) => !c.startsWith('CAN-'), { error: 'Le préfixe CAN- est réservé au catalogue commun.' }),
	label: z
		.string({ error: 'Indiquez un libellé.' })
		.trim()
		.min(3, { error: 'Le libellé doit faire au moins 3 caractères.' })
		.max(300),
	unit: z.enum(Object.keys(UNITS) as [IndicatorUnit, ...IndicatorUnit[]], { error: 'Choisissez une unité.' }),
	domain: z.enum(Object.keys(DOMAINS) as [keyof typeof DOMAINS, ...(keyof typeof DOMAINS)[]], {
		error: 'Choisissez un domaine.'
	}),
	direction: z.enum(['higher', 'lower', 'none'], { error: 'Choisissez le sens souhaité.' }).default('higher'),
	definition: z.string().trim().max(4000).optional().default('')
});

export const benchmarkQuerySchema = z.object({
	indicator: uuid.describe('Indicateur du catalogue commun.'),
	year: year.describe('Année.'),
	scope: z
		.string()
		.refine((s) => /^r:[0-9]{2}$/.test(s) || (s.startsWith('n:') && isUuid(s.slice(2))), {
			error: 'Groupe de pairs invalide.'
		})
		.describe('Groupe de pairs : « n:<uuid du réseau> » ou « r:<code région> ».'),
	kind: z
		.enum(['*', ...Object.keys(KINDS)] as [string, ...string[]])
		.optional()
		.default('*')
		.describe('Type de collectivité, ou * pour tous.'),
	size: z
		.enum(['*', ...Object.keys(SIZES)] as [string, ...string[]])
		.optional()
		.default('*')
		.describe('Classe de taille, ou * pour toutes.'),
	org: uuid.optional().describe('Ma collectivité (pour ma valeur comptée et ma position).')
});

// ---------------------------------------------------------------------------------------------------------
// API outputs
// ---------------------------------------------------------------------------------------------------------
const num = z.number().nullable();

export const indicatorSchema = apiOutput(
	z.object({
		id: z.uuid(),
		code: z.string(),
		version: z.number().int(),
		custom: z.boolean().describe('Indicateur propre à une collectivité (jamais comparé).'),
		label: z.string(),
		domain: z.string(),
		unit: z.string(),
		numerator: z.string(),
		denominator: z.string(),
		perimeter: z.record(z.string(), z.unknown()),
		countingUnit: z.string(),
		period: z.string(),
		direction: z.string(),
		definition: z.string(),
		decpComputable: z.boolean(),
		references: z.array(
			z.object({
				year: z.number(),
				value: z.number(),
				kind: z.string(),
				label: z.string(),
				source: z.string(),
				sourceYear: z.number()
			})
		)
	}),
	'Indicator',
	'Indicateur du catalogue (avec ses lignes de référence nationales) ou indicateur propre.'
);
export const indicatorListSchema = apiOutput(listOf(indicatorSchema), 'IndicatorList');

export const indicatorValueSchema = apiOutput(
	z.object({
		id: z.uuid(),
		indicatorId: z.uuid(),
		code: z.string(),
		year: z.number().int(),
		value: z.number(),
		numerator: num,
		denominator: num,
		perimeter: z.string(),
		source: z.string(),
		comment: z.string(),
		updatedAt: z.string()
	}),
	'IndicatorValue',
	"Valeur annuelle d'un indicateur de la collectivité."
);
export const indicatorValueListSchema = apiOutput(listOf(indicatorValueSchema), 'IndicatorValueList');

export const decpImportSchema = apiOutput(
	z.object({
		id: z.uuid(),
		fileName: z.string(),
		format: z.string(),
		total: z.number().int(),
		accepted: z.number().int(),
		inserted: z.number().int(),
		unchanged: z.number().int(),
		rejected: z.number().int(),
		flagged: z.number().int(),
		rejections: z.array(z.object({ index: z.number().int(), id: z.string().nullable(), reason: z.string() })),
		createdAt: z.string()
	}),
	'DecpImport',
	"Compte rendu d'un import DECP : enregistrements retenus, déjà présents, rejetés (avec le motif) et montants aberrants."
);

export const benchmarkStatSchema = apiOutput(
	z.object({
		status: z.enum(['ok', 'refused']),
		reason: z
			.string()
			.nullable()
			.describe(
				'Motif du refus : « too_few » (pas assez de collectivités comparables — le motif précis et le nombre ne sont jamais donnés), « not_published » (aucune publication encore), « not_allowed », « custom_indicator ».'
			),
		publishedAt: z.string().nullable().describe('Date de la publication consolidée dont viennent les chiffres.'),
		n: z.number().int().nullable().describe('Collectivités contributrices (seulement pour une statistique publiée).'),
		k: z.number().int().nullable(),
		median: num,
		p25: num,
		p75: num,
		p10: num,
		p90: num,
		mean: num,
		myValue: num.describe('Ma valeur telle que comptée dans la publication (arrondie au pas de publication).'),
		myBand: z
			.enum(['q1', 'q2', 'q3', 'q4'])
			.nullable()
			.describe(
				'Ma position par rapport aux quartiles publiés : q1 sous P25, q2 de P25 à la médiane, q3 de la médiane à P75, q4 au-dessus de P75.'
			)
	}),
	'BenchmarkStatistic',
	'Statistique anonymisée sur un groupe de pairs, lue dans la dernière publication consolidée (publiée seulement si les règles de secret sont respectées).'
);
export const decpImportListSchema = apiOutput(listOf(decpImportSchema), 'DecpImportList');
