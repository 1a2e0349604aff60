// SPASER documents: the only zod inputs of the capability, with their French messages. The creation wizard, the
// settings page, the services and the JSON API (whose OpenAPI document names the bodies below) parse with them,
// so the title, years and period rules are written once.
import { z } from 'zod';
import { apiInput, calendarDate, spaserStatus } from '$lib/server/api/schemas';
import { uuid } from '$lib/server/kit/input';
import { spaserExportSchema } from '../../spaser/content-schema';
import { DOC_STATUSES } from '../../spaser/model';
import { isTemplateKey, PRIORITIES, TEMPLATES, type Priority, type TemplateKey } from '../../spaser/templates';
import { ORG_KINDS } from '../../organisations/labels';
import { AppError } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';

export type DocStatus = keyof typeof DOC_STATUSES;

// ---------------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------------

const YEAR_RANGE = { error: "L'année doit être comprise entre 2000 et 2100." };

/**
 * A year of the period, between 2000 and 2100. Forms and services coerce the typed text; the JSON API wants a number.
 * With `label` (« début », « fin ») the messages name the field, as the creation form shows them.
 */
function year({ coerce = true, label }: { coerce?: boolean; label?: string } = {}) {
	const typeError = label ? `Indiquez l'année de ${label}.` : "L'année doit être un nombre.";
	const base = coerce ? z.coerce.number({ error: typeError }) : z.number({ error: typeError });
	return base
		.int({ error: label ? `L'année de ${label} doit être un nombre entier.` : "L'année doit être un nombre entier." })
		.min(2000, YEAR_RANGE)
		.max(2100, YEAR_RANGE);
}

export const spaserTitle = z
	.string({ error: 'Indiquez le titre du SPASER.' })
	.trim()
	.min(2, { error: 'Le titre doit contenir au moins 2 caractères.' })
	.max(300, { error: 'Le titre est limité à 300 caractères.' });

const deliberationRef = z
	.string()
	.trim()
	.max(300, { error: 'La référence de délibération est limitée à 300 caractères.' });

/** The period of a SPASER: its end follows its start, ten years at most. */
function periodIssues(v: { periodStart: number; periodEnd: number }, ctx: z.RefinementCtx) {
	if (v.periodEnd < v.periodStart)
		ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'La fin de période doit suivre son début.' });
	else if (v.periodEnd - v.periodStart > 10)
		ctx.addIssue({ code: 'custom', path: ['periodEnd'], message: 'Un SPASER couvre au plus dix ans.' });
}

/**
 * An adoption date (`AAAA-MM-JJ`) that exists and is not in the future (one day of margin for time zones): the
 * refusal, or null. `field` names the field in the refusal (the import endpoint reports `document.adoptedOn`).
 */
export function adoptionDateError(adoptedOn: string | null | undefined, field = 'adoptedOn'): AppError | null {
	if (!adoptedOn) return null;
	const d = new Date(`${adoptedOn}T00:00:00Z`);
	if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== adoptedOn)
		return new AppError('invalid', "La date d'adoption n'existe pas.", 400, { field });
	if (d.getTime() > Date.now() + 86_400_000)
		return new AppError('invalid', "La date d'adoption ne peut pas être dans le futur.", 400, { field });
	return null;
}

/** A service's refusal of invalid input: the first message, with every issue in `details`. */
export function invalid(error: z.ZodError): AppError {
	const first = error.issues[0];
	return new AppError('invalid', first.message, 400, {
		field: first.path.join('.'),
		issues: error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }))
	});
}

// ---------------------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------------------

const orgId = z.uuid({ error: 'Identifiant de collectivité invalide.' });
// (services accept any identifier of the route's pattern; the API documents RFC 9562 UUIDs)
const anyOrgId = z.string().refine(isUuid, { error: 'Identifiant de collectivité invalide.' });

export const spaserCreateInput = z
	.object({
		orgIds: z
			.array(anyOrgId)
			.min(1, { error: 'Choisissez au moins une collectivité.' })
			.max(20, { error: 'Un SPASER conjoint compte au plus 20 collectivités.' }),
		leadOrgId: anyOrgId,
		title: spaserTitle,
		periodStart: year(),
		periodEnd: year(),
		templateKey: z.string().nullable().optional()
	})
	.superRefine((v, ctx) => {
		periodIssues(v, ctx);
		if (!v.orgIds.includes(v.leadOrgId))
			ctx.addIssue({
				code: 'custom',
				path: ['leadOrgId'],
				message: 'La collectivité pilote doit faire partie des collectivités du SPASER.'
			});
		if (v.templateKey && !isTemplateKey(v.templateKey))
			ctx.addIssue({ code: 'custom', path: ['templateKey'], message: 'Modèle inconnu.' });
	});
export type SpaserCreateInput = z.input<typeof spaserCreateInput>;

export const spaserMetadataPatch = z.object({
	title: spaserTitle.optional(),
	periodStart: year().nullable().optional(),
	periodEnd: year().nullable().optional(),
	status: z.enum(Object.keys(DOC_STATUSES) as [DocStatus], { error: 'Statut inconnu.' }).optional(),
	adoptedOn: z
		.string()
		.regex(/^\d{4}-\d{2}-\d{2}$/, { error: "La date d'adoption doit être au format AAAA-MM-JJ." })
		.nullable()
		.optional(),
	deliberationRef: deliberationRef.nullable().optional()
});
export type SpaserMetadataPatch = z.input<typeof spaserMetadataPatch>;

// ---------------------------------------------------------------------------------------------------------
// Forms
// ---------------------------------------------------------------------------------------------------------

const euros = z.preprocess(
	(v) => (typeof v === 'string' ? v.replace(/[\s\u00a0\u202f€]|HT/gi, '').replace(',', '.') || undefined : v),
	z.coerce
		.number({ error: "Le volume d'achats doit être un montant en euros, par exemple 12 500 000." })
		.min(0, { error: "Le volume d'achats ne peut pas être négatif." })
		.max(100_000_000_000, { error: "Ce volume d'achats paraît trop élevé : vérifiez le nombre de zéros." })
		.optional()
);

/** The creation wizard's answers (« assistant »). */
export const wizardInput = z
	.object({
		orgKind: z
			.string({ error: 'Choisissez le type de collectivité.' })
			.refine((k) => k in ORG_KINDS, { error: 'Type de collectivité inconnu.' }),
		purchaseVolumeEur: euros,
		priorities: z.array(z.enum(Object.keys(PRIORITIES) as [Priority], { error: 'Priorité inconnue.' })).default([]),
		experience: z.enum(['first', 'renewal'], {
			error: "Indiquez s'il s'agit de votre premier SPASER ou d'un renouvellement."
		}),
		periodStart: year({ label: 'début' }),
		periodEnd: year({ label: 'fin' }),
		title: spaserTitle
	})
	.superRefine(periodIssues);

/** « Choisir un modèle »: a template as it is. */
export const templateInput = z
	.object({
		templateKey: z.string({ error: 'Choisissez un modèle.' }).refine(isTemplateKey, { error: 'Modèle inconnu.' }),
		periodStart: year({ label: 'début' }),
		periodEnd: year({ label: 'fin' }),
		title: spaserTitle
	})
	.superRefine(periodIssues);

const optYear = z.preprocess(
	(v) => (v === undefined || v === '' ? null : v),
	z.coerce
		.number({ error: "L'année doit être un nombre." })
		.int({ error: "L'année doit être un nombre entier." })
		.nullable()
);
/** The settings page's form; the service then checks it with spaserMetadataPatch and the status rules. */
export const metadataForm = z.object({
	title: z.string({ error: 'Indiquez le titre du SPASER.' }),
	periodStart: optYear,
	periodEnd: optYear,
	status: z.string().optional(),
	adoptedOn: z.string().optional(),
	deliberationRef: z.string().optional()
});

// ---------------------------------------------------------------------------------------------------------
// JSON API bodies
// ---------------------------------------------------------------------------------------------------------

export const spaserCreateSchema = apiInput(
	z
		.object({
			title: spaserTitle,
			periodStart: year({ coerce: false }),
			periodEnd: year({ coerce: false }),
			templateKey: z
				.enum(TEMPLATES.map((t) => t.key) as [TemplateKey, ...TemplateKey[]], {
					error: `Modèle inconnu (${TEMPLATES.map((t) => t.key).join(', ')}).`
				})
				.optional()
				.describe(
					`Modèle de départ : ${TEMPLATES.map((t) => `${t.key} (${t.name})`).join(', ')}. Sans modèle, le SPASER est créé vide.`
				),
			coOwnerOrgIds: z
				.array(orgId)
				.max(19, { error: 'Un SPASER conjoint compte au plus 20 collectivités.' })
				.optional()
				.describe('Autres collectivités du SPASER conjoint (vous devez en être administrateur ou rédacteur).')
		})
		.superRefine(periodIssues),
	'SpaserInput',
	'Création d’un SPASER pour la collectivité (pilote) indiquée dans le chemin.'
);

export const spaserPatchSchema = apiInput(
	z.object({
		title: spaserTitle.optional(),
		periodStart: year({ coerce: false }).nullable().optional(),
		periodEnd: year({ coerce: false }).nullable().optional(),
		status: spaserStatus.optional(),
		adoptedOn: calendarDate.nullable().optional(),
		deliberationRef: deliberationRef.nullable().optional(),
		sharedWithNetworks: z.boolean({ error: 'Indiquez true ou false.' }).optional()
	}),
	'SpaserPatch',
	'Modification partielle : seuls les champs envoyés changent ; null efface un champ facultatif.'
);

export const spaserVersionCreateSchema = apiInput(
	z.object({
		name: z
			.string({ error: 'Donnez un nom à la version.' })
			.trim()
			.min(1, {
				error: 'Donnez un nom à la version, par exemple « Version adoptée le 15/12/2025 — délibération n° 2025-12-07 ».'
			})
			.max(300, { error: 'Le nom de la version est limité à 300 caractères.' })
	}),
	'SpaserVersionInput',
	'Nom de la version à enregistrer (l’état actuel du document).'
);

export const spaserImportSchema = apiInput(
	spaserExportSchema.extend({
		orgId: orgId
			.optional()
			.describe('Collectivité (pilote) du nouveau SPASER ; peut aussi être passée en paramètre de requête « orgId ».')
	}),
	'SpaserImport',
	'Un export JSON de SPASER (tel que renvoyé par GET /spasers/{id}/export), et la collectivité qui le reçoit.'
);

/** The file of an import request: decoded base64, or the text; a French 400 when neither or both are given. */
export function importInput(body: { fileName: string; contentBase64?: string; text?: string }): {
	bytes?: Uint8Array;
	text?: string;
	fileName: string;
} {
	const hasFile = !!body.contentBase64?.trim();
	const hasText = !!body.text?.trim();
	if (hasFile === hasText)
		throw new AppError(
			'invalid',
			'Envoyez soit le fichier encodé en base64 (« contentBase64 »), soit le texte du SPASER (« text »).',
			400,
			{ field: 'contentBase64' }
		);
	if (hasText) return { text: body.text, fileName: body.fileName };
	const bytes = new Uint8Array(Buffer.from(body.contentBase64!.replace(/\s+/g, ''), 'base64'));
	return { bytes, fileName: body.fileName };
}

/** The collectivité that receives an imported export: in the body or the query, not two different ones. */
export function importTargetOrg(inBody: string | undefined, inQuery: string | undefined): string {
	const orgId = inBody ?? inQuery;
	if (!orgId)
		throw new AppError(
			'invalid',
			'Indiquez la collectivité qui reçoit le SPASER (« orgId », dans le corps ou en paramètre de requête).',
			400,
			{ field: 'orgId' }
		);
	if (inBody && inQuery && inBody !== inQuery)
		throw new AppError(
			'invalid',
			'Le corps et le paramètre de requête indiquent deux collectivités différentes.',
			400,
			{ field: 'orgId' }
		);
	return orgId;
}

// Path and query parameters of the API.
export const organisationParams = z.object({ id: uuid });
export const spaserParams = z.object({ id: uuid });
export const versionParams = z.object({ id: uuid, versionId: uuid });
export const exportQuery = z.object({
	format: z
		.enum(['json', 'docx'], { error: 'Format inconnu : json ou docx.' })
		.default('json')
		.describe('json (par défaut) ou docx.'),
	versionId: uuid.optional().describe('Exporte cette version plutôt que l’état actuel du document.')
});
export const importQuery = z.object({
	orgId: uuid.optional().describe('Collectivité (pilote) du nouveau SPASER, si elle n’est pas dans le corps.')
});

/** « Insérer depuis la bibliothèque » of the document view: a clause (text, parameters filled in) or a REX (link). */
export const insertResourceInput = z.object({
	resourceId: z.uuid({ error: 'Choisissez une clause ou un retour d’expérience.' }),
	nodeId: z.uuid({ error: 'Choisissez l’élément du SPASER.' }),
	mode: z.enum(['inserted', 'linked'], { error: 'Choisissez : insérer le texte ou lier la ressource.' }),
	params: z
		.record(
			z.string().trim().min(1).max(60),
			z.string().trim().max(200, { error: 'Une valeur de paramètre compte au plus 200 caractères.' })
		)
		.refine((r) => Object.keys(r).length <= 30, { error: 'Trop de paramètres.' })
		.optional()
});

/** The library search of the document view's insert dialog (GET /spaser/<id>/bibliotheque). */
export const librarySearchInput = z.object({
	q: z.string().trim().max(200, { error: 'Recherche limitée à 200 caractères.' }).default(''),
	type: z.enum(['clause', 'rex'], { error: 'Type « clause » ou « rex ».' }).default('clause')
});
