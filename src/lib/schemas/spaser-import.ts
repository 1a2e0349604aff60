// API schemas of the SPASER import from a DOCX, Markdown or text document (dry run and creation).
import { z } from 'zod';
import { richNodeSchema } from '../spaser/content-schema';
import { MAX_DEPTH, NODE_KINDS } from '../spaser/model';
import { apiInput, apiOutput } from '$lib/server/api/schemas';

const fileFields = {
	fileName: z
		.string({ error: 'Indiquez le nom du fichier (« fileName »).' })
		.trim()
		.min(1, { error: 'Indiquez le nom du fichier (« fileName »).' })
		.max(255, { error: 'Le nom du fichier est limité à 255 caractères.' })
		.describe(
			'Nom du fichier d’origine (« spaser-2026.docx ») ; l’extension distingue Markdown (.md) et texte (.txt).'
		),
	contentBase64: z
		.string()
		.max(1_000_000, { error: 'Le fichier encodé en base64 est limité à 1 Mo (fichier d’environ 700 Ko).' })
		.regex(/^[A-Za-z0-9+/=\s]*$/, { error: 'Le contenu doit être encodé en base64.' })
		.optional()
		.describe(
			'Le fichier (.docx, .md ou .txt), encodé en base64. Son type est reconnu à son contenu. Les PDF sont refusés : envoyez leur texte dans « text ».'
		),
	text: z
		.string()
		.max(900_000, { error: 'Le texte est limité à 900 000 caractères par l’API.' })
		.optional()
		.describe('Ou le texte du SPASER (copié d’un PDF, Markdown accepté).')
};

const targetOut = z.object({
	id: z.string(),
	indicatorCode: z.string().nullable(),
	label: z.string(),
	unit: z.string(),
	value: z.number().nullable().describe('Valeur cible ; null pour un indicateur de suivi sans valeur.'),
	year: z.number().int().nullable(),
	milestones: z.array(z.object({ year: z.number().int(), value: z.number() })),
	baselineYear: z.number().int().nullable(),
	relative: z.boolean(),
	thresholdEurHt: z.number().nullable(),
	scope: z.string(),
	sourceText: z.string().describe('Le texte du document dont la cible a été lue.')
});

const reviewNode = z.object({
	id: z.uuid(),
	depth: z.number().int().min(1).max(MAX_DEPTH),
	number: z.string().nullable().describe('Numéro imprimé dans le document (« 6.2 », « B », « bonus »).'),
	title: z.string(),
	body: z.array(richNodeSchema).describe('Texte de l’élément (format riche ProseMirror/Tiptap).'),
	kind: z.enum(Object.keys(NODE_KINDS) as [keyof typeof NODE_KINDS]),
	pilot: z.string(),
	resources: z.array(z.string()),
	tools: z.array(z.string()),
	targets: z.array(targetOut),
	unplaced: z.boolean().describe('Élément « Éléments non classés » : le texte trouvé hors de la structure.')
});

export const spaserImportReviewSchema = apiInput(
	z.object({
		version: z.literal(1),
		levelNames: z.array(z.string()).min(1).max(MAX_DEPTH),
		numbering: z.enum(['global', 'per_parent']),
		nodes: z.array(reviewNode)
	}),
	'SpaserImportReview',
	'Arborescence relue : les éléments dans l’ordre du document, chacun avec sa profondeur (son parent est le précédent de profondeur inférieure d’un).'
);

export const spaserImportPreviewInputSchema = apiInput(
	z.object(fileFields),
	'SpaserImportPreviewInput',
	'Un document de SPASER à analyser : « contentBase64 » (fichier) ou « text ».'
);

export const spaserImportPreviewSchema = apiOutput(
	z.object({
		fileKind: z.enum(['docx', 'md', 'txt']),
		levelNames: z.array(z.string()),
		numbering: z.enum(['global', 'per_parent']),
		counts: z
			.array(z.object({ level: z.string(), count: z.number().int() }))
			.describe('Nombre d’éléments détectés par niveau.'),
		unplacedParagraphs: z
			.number()
			.int()
			.describe('Paragraphes trouvés hors de la structure (réunis dans « Éléments non classés »).'),
		dropped: z
			.array(
				z.object({ reason: z.string(), label: z.string(), count: z.number().int(), examples: z.array(z.string()) })
			)
			.describe('Ce qui a été écarté comme n’étant pas du texte : sommaire, numéros de page, en-têtes répétés, puces…'),
		suggested: z.object({
			title: z.string(),
			periodStart: z.number().int().nullable(),
			periodEnd: z.number().int().nullable()
		}),
		nodes: z
			.array(
				z.object({
					id: z.uuid(),
					depth: z.number().int(),
					label: z.string().describe('Libellé que le SPASER affichera (« Chantier 3 »).'),
					title: z.string(),
					text: z.string().describe('Texte brut de l’élément.'),
					pilot: z.string(),
					targets: z.array(targetOut)
				})
			)
			.describe('L’arborescence détectée, lisible.'),
		review: spaserImportReviewSchema.describe('L’état à corriger puis renvoyer dans « review » à la création.')
	}),
	'SpaserImportPreview',
	'Structure détectée dans un document (rien n’est enregistré).'
);

const year = z.number({ error: "L'année doit être un nombre." }).int({ error: "L'année doit être un nombre entier." });

export const spaserImportDocumentSchema = apiInput(
	z.object({
		...fileFields,
		title: z.string().optional().describe('Titre du SPASER ; par défaut, celui proposé par l’analyse.'),
		periodStart: year.optional().describe('Première année ; par défaut, celle lue dans le document.'),
		periodEnd: year.optional().describe('Dernière année ; par défaut, celle lue dans le document.'),
		review: spaserImportReviewSchema
			.optional()
			.describe(
				'Arborescence relue (le « review » de l’analyse, corrigé) ; sans elle, la structure détectée est importée telle quelle.'
			)
	}),
	'SpaserImportDocument',
	'Un document de SPASER à importer, et éventuellement sa structure relue.'
);
