// Schemas of the JSON API (/api/v1): SPASER documents. Registered under stable names for the OpenAPI document (see ./core.ts).
import { z } from 'zod';
import { docContentSchema, richNodeSchema, spaserExportSchema } from '$lib/spaser/content-schema';
import { DOC_STATUSES, NODE_KINDS, NODE_STATUSES } from '$lib/spaser/model';
import { apiInput, apiOutput, calendarDate, id, isoDate, listOf } from './core';

// ---------------------------------------------------------------------------------------------------------
// SPASER
// ---------------------------------------------------------------------------------------------------------
export const spaserStatus = z
	.enum(Object.keys(DOC_STATUSES) as [keyof typeof DOC_STATUSES], {
		error: 'Statut inconnu (brouillon, en_consultation, adopte ou archive).'
	})
	.describe('État du SPASER : brouillon, en_consultation, adopte (adopté) ou archive (archivé).');

// The document model's own schemas, under stable names (the rich text is recursive: it must be a named schema).
apiOutput(richNodeSchema, 'SpaserRichNode', 'Élément de texte riche (arbre au format ProseMirror/Tiptap).');
apiInput(richNodeSchema, 'SpaserRichNodeInput', 'Élément de texte riche (arbre au format ProseMirror/Tiptap).');
export const spaserContentSchema = apiOutput(
	docContentSchema,
	'SpaserContent',
	'Contenu complet d’un SPASER : réglages (noms des niveaux, numérotation) et éléments de l’arborescence.'
);
apiInput(
	docContentSchema,
	'SpaserContentInput',
	'Contenu complet d’un SPASER : réglages (noms des niveaux, numérotation) et éléments de l’arborescence.'
);

export const spaserSchema = apiOutput(
	z.object({
		id,
		slug: z.string().describe('Adresse courte, unique parmi les SPASER de ses collectivités.'),
		title: z.string(),
		periodStart: z.number().int().nullable().describe('Première année couverte.'),
		periodEnd: z.number().int().nullable().describe('Dernière année couverte.'),
		status: spaserStatus,
		statusLabel: z.string().describe('Libellé français du statut.'),
		nextStatuses: z.array(spaserStatus).describe('Statuts vers lesquels le SPASER peut passer (PATCH status).'),
		adoptedOn: calendarDate.nullable().describe("Date d'adoption par l'assemblée délibérante."),
		deliberationRef: z.string().nullable().describe('Référence de la délibération qui adopte le SPASER.'),
		sharedWithNetworks: z.boolean().describe('Les animateurs des réseaux des collectivités peuvent le lire.'),
		templateKey: z.string().nullable().describe('Modèle de départ, le cas échéant.'),
		createdAt: isoDate,
		updatedAt: isoDate,
		projectedAt: isoDate
			.nullable()
			.describe('Dernière mise à jour des éléments et cibles lisibles par /nodes et /targets.'),
		publishedAt: isoDate.nullable().describe('Dernière publication d’une version sur la page publique.'),
		myAccess: z
			.enum(['write', 'read'])
			.nullable()
			.describe('Votre droit : write (modification) ou read (lecture seule).'),
		owners: z
			.array(
				z.object({
					orgId: id,
					slug: z.string(),
					name: z.string(),
					isLead: z.boolean().describe('Collectivité pilote.')
				})
			)
			.describe(
				'Collectivités auxquelles appartient le SPASER (la pilote d’abord) ; plusieurs pour un SPASER conjoint.'
			)
	}),
	'Spaser',
	'Un SPASER (schéma de promotion des achats socialement et écologiquement responsables) : ses informations, sans son contenu.'
);
export const spaserListSchema = apiOutput(listOf(spaserSchema), 'SpaserList');

export const spaserNodeSchema = z.object({
	id: id.describe('Identifiant de l’élément (stable).'),
	parentId: id.nullable(),
	position: z.number().int().describe('Rang dans l’ordre du document (0 pour le premier).'),
	depth: z.number().int().min(1).max(5).describe('Niveau (1 = premier niveau).'),
	number: z.string().describe('Numéro : « 3 » (numérotation globale) ou « 1.2.3 » (par parent).'),
	label: z.string().describe('Par exemple « Chantier 3 ».'),
	levelName: z.string().describe('Nom du niveau dans ce SPASER (Axe, Chantier, Action…).'),
	title: z.string(),
	bodyText: z.string().describe('Texte brut du corps.'),
	body: z.array(richNodeSchema).describe('Corps en texte riche.'),
	kind: z
		.enum(Object.keys(NODE_KINDS) as [keyof typeof NODE_KINDS])
		.describe('normal, action_bonus (action bonus) ou focus (encadré).'),
	status: z
		.enum(Object.keys(NODE_STATUSES) as [keyof typeof NODE_STATUSES])
		.describe('a_lancer, en_cours, realisee ou abandonnee.'),
	pilot: z.string().describe('Direction pilote.'),
	resources: z.array(z.string()).describe('Directions ressources.'),
	tools: z.array(z.string()).describe('Outils.'),
	links: z.array(z.string()).describe('Identifiants des éléments liés.')
});
export const spaserNodeListSchema = apiOutput(
	z.object({
		projectedAt: isoDate.nullable().describe('Date de la projection lue.'),
		items: z.array(spaserNodeSchema)
	}),
	'SpaserNodeList',
	'Les éléments du SPASER dans l’ordre du document.'
);

export const spaserTargetSchema = z.object({
	nodeId: id,
	nodeLabel: z.string().describe('Élément porteur, par exemple « Action 12 ».'),
	nodeTitle: z.string(),
	id: z.string().describe('Identifiant de la cible dans l’élément.'),
	indicatorCode: z.string().nullable().describe('Code de l’indicateur du catalogue (null pour un indicateur libre).'),
	indicatorLabel: z.string().nullable().describe('Libellé de l’indicateur du catalogue.'),
	label: z.string(),
	unit: z.string(),
	value: z.number().nullable().describe('Valeur cible.'),
	year: z.number().int().nullable().describe('Année de la valeur cible.'),
	milestones: z.array(z.object({ year: z.number().int(), value: z.number() })).describe('Jalons intermédiaires.'),
	baselineYear: z.number().int().nullable().describe('Année de référence d’une cible relative.'),
	relative: z.boolean(),
	thresholdEurHt: z.number().nullable().describe('Seuil en euros HT du périmètre.'),
	scope: z.string().describe('Périmètre.')
});
export const spaserTargetListSchema = apiOutput(
	z.object({
		projectedAt: isoDate.nullable().describe('Date de la projection lue.'),
		items: z.array(spaserTargetSchema)
	}),
	'SpaserTargetList',
	'Les cibles du SPASER, dans l’ordre du document.'
);

export const spaserVersionSchema = apiOutput(
	z.object({
		id,
		kind: z
			.enum(['auto', 'named', 'imported', 'restored', 'bilan'])
			.describe('auto (enregistrement automatique), named (nommée), imported, restored ou bilan.'),
		kindLabel: z.string(),
		name: z.string().nullable(),
		createdBy: id.nullable(),
		createdByName: z.string().nullable(),
		createdAt: isoDate,
		publishedAt: isoDate.nullable().describe('Publiée sur la page publique depuis cette date.')
	}),
	'SpaserVersion',
	'Une version enregistrée d’un SPASER (sans son contenu).'
);
export const spaserVersionListSchema = apiOutput(listOf(spaserVersionSchema), 'SpaserVersionList');
export const spaserVersionDetailSchema = apiOutput(
	spaserVersionSchema.extend({ content: docContentSchema }),
	'SpaserVersionDetail',
	'Une version et son contenu.'
);

export const spaserExportOutputSchema = apiOutput(
	spaserExportSchema,
	'SpaserExport',
	'Export JSON complet d’un SPASER (format « spaser-commun », version 1) : réimportable sans perte avec POST /spasers/import.'
);
