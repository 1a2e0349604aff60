/**
 * Schemas of the public JSON API (/api/v1): the response bodies, plus the request bodies specific to the API.
 * The OpenAPI document is generated from these same schemas (z.toJSONSchema), so what is documented is what
 * the server validates and returns.
 *
 * Every schema used as a request or response body must be registered under a stable name with `apiInput` or
 * `apiOutput`: the name becomes `#/components/schemas/<name>` in the document.
 */
import { z } from 'zod';
import { ORG_KINDS } from '../organisations/labels';
import { docContentSchema, richNodeSchema, spaserExportSchema } from '../spaser/content-schema';
import { DOC_STATUSES, NODE_KINDS, NODE_STATUSES } from '../spaser/model';

export interface ApiSchemaMeta {
	id: string;
	description?: string;
}

/** Request bodies, documented as they are sent (before transforms and defaults). */
export const apiInputSchemas = z.registry<ApiSchemaMeta>();
/** Response bodies, documented as they are returned. */
export const apiOutputSchemas = z.registry<ApiSchemaMeta>();

/** Registers a request body schema under `id` and returns it unchanged. */
export function apiInput<S extends z.ZodType>(schema: S, id: string, description?: string): S {
	apiInputSchemas.add(schema, { id, description });
	return schema;
}

/** Registers a response body schema under `id` and returns it unchanged. */
export function apiOutput<S extends z.ZodType>(schema: S, id: string, description?: string): S {
	apiOutputSchemas.add(schema, { id, description });
	return schema;
}

const isoDate = z.iso.datetime().describe('Date et heure ISO 8601 (UTC).');
const id = z.uuid().describe('Identifiant (UUID).');
const role = z.enum(['admin', 'editor', 'viewer']).describe('Rôle dans la collectivité : admin, editor (rédacteur) ou viewer (lecteur).');

/** Wraps a list: `{ items: [...] }` (room for pagination fields later). */
export function listOf<S extends z.ZodType>(item: S) {
	return z.object({ items: z.array(item) });
}

// ---------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------
export const apiErrorSchema = apiOutput(
	z.object({
		error: z.object({
			code: z.string().describe('Code stable, en anglais (unauthenticated, insufficient_scope, invalid, not_found, conflict…).'),
			message: z.string().describe('Message en français, destiné à une personne.'),
			details: z
				.object({
					fields: z
						.record(z.string(), z.string())
						.optional()
						.describe('Pour les erreurs de validation : message par champ (chemin pointé, par exemple « siren »).')
				})
				.catchall(z.unknown())
				.optional()
		})
	}),
	'Error',
	'Erreur renvoyée par tous les points d’accès.'
);
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;

// ---------------------------------------------------------------------------------------------------------
// Account
// ---------------------------------------------------------------------------------------------------------
export const meMembershipSchema = z.object({
	orgId: id,
	slug: z.string(),
	name: z.string(),
	role
});

export const meSchema = apiOutput(
	z.object({
		id,
		email: z.email(),
		displayName: z.string(),
		emailVerified: z.boolean(),
		isPlatformAdmin: z.boolean(),
		scopes: z.array(z.enum(['read', 'write'])).describe('Permissions du jeton utilisé.'),
		memberships: z.array(meMembershipSchema).describe('Collectivités dont la personne est membre.'),
		animatedNetworks: z.array(z.object({ id, slug: z.string(), name: z.string() })).describe('Réseaux que la personne anime.')
	}),
	'Me',
	'La personne à qui appartient le jeton.'
);

// ---------------------------------------------------------------------------------------------------------
// Collectivités
// ---------------------------------------------------------------------------------------------------------
export const organisationSchema = apiOutput(
	z.object({
		id,
		slug: z.string(),
		name: z.string(),
		kind: z.enum(Object.keys(ORG_KINDS) as [string, ...string[]]),
		siren: z.string().nullable(),
		siret: z.string().nullable(),
		regionCode: z.string().nullable().describe('Code INSEE de la région.'),
		departementCode: z.string().nullable().describe('Code INSEE du département.'),
		population: z.number().int().nullable(),
		purchaseVolumeEur: z.number().nullable().describe("Volume annuel d'achats, en euros."),
		referentsCount: z.number().int().nullable(),
		spaserMandatory: z.boolean().describe("Le SPASER est obligatoire (volume d'achats d'au moins 50 millions d'euros)."),
		hasLogo: z.boolean(),
		myRole: role.nullable().describe("Votre rôle dans la collectivité (null si vous n'en êtes pas membre)."),
		createdAt: isoDate,
		archivedAt: isoDate.nullable()
	}),
	'Organisation',
	'Une collectivité (ou un autre acheteur public).'
);
export const organisationListSchema = apiOutput(listOf(organisationSchema), 'OrganisationList');

export const memberSchema = apiOutput(
	z.object({ userId: id, displayName: z.string(), email: z.email(), role, joinedAt: isoDate }),
	'Member',
	'Un membre de la collectivité.'
);
export const memberListSchema = apiOutput(listOf(memberSchema), 'MemberList');

export const invitationSchema = apiOutput(
	z.object({ id, email: z.email(), role, expiresAt: isoDate }),
	'Invitation',
	"Invitation envoyée par e-mail. Le lien secret n'est jamais renvoyé par l'API : seule la personne invitée le reçoit."
);

export const organisationClosureResultSchema = apiOutput(
	z.object({ name: z.string(), notified: z.number().int(), deletedDocuments: z.number().int(), cancelledSessions: z.number().int() }),
	'OrganisationClosure',
	'La collectivité fermée : son nom, le nombre de membres prévenus par e-mail, de SPASER supprimés (les SPASER rédigés avec d’autres collectivités leur restent) et de séances à venir du Guichet vert annulées (les animateurs sont prévenus).'
);

// ---------------------------------------------------------------------------------------------------------
// Réseaux
// ---------------------------------------------------------------------------------------------------------
export const networkSchema = apiOutput(
	z.object({
		id,
		slug: z.string(),
		name: z.string(),
		description: z.string(),
		regionCodes: z.array(z.string()),
		createdAt: isoDate,
		iAnimate: z.boolean().describe('Vous animez ce réseau.'),
		memberCount: z.number().int().nullable().describe('Nombre de collectivités membres (null sans jeton).')
	}),
	'Network',
	'Un réseau régional d’acheteurs publics.'
);
export const networkListSchema = apiOutput(listOf(networkSchema), 'NetworkList');

export const membershipStatus = z.enum(['pending', 'approved', 'refused', 'withdrawn', 'left', 'removed']);

export const membershipSchema = apiOutput(
	z.object({
		id,
		networkId: id,
		orgId: id,
		orgName: z.string().nullable().describe('null si la collectivité ne vous est pas visible.'),
		orgSlug: z.string().nullable(),
		orgKind: z.string().nullable(),
		departementCode: z.string().nullable(),
		status: membershipStatus.describe('pending (en attente), approved, refused, withdrawn (retirée), left (partie), removed (exclue).'),
		message: z.string().nullable(),
		reason: z.string().nullable().describe('Motif du refus ou de la fin de l’adhésion.'),
		requestedAt: isoDate,
		requestedByName: z.string().nullable(),
		decidedAt: isoDate.nullable(),
		decidedByName: z.string().nullable()
	}),
	'Membership',
	"L'adhésion (ou la demande d'adhésion) d'une collectivité à un réseau."
);
export const membershipListSchema = apiOutput(listOf(membershipSchema), 'MembershipList');

export const networkDetailSchema = apiOutput(
	networkSchema.extend({
		animators: z.array(
			z.object({
				userId: id,
				displayName: z.string().nullable().describe('null sans jeton.'),
				email: z.string().nullable().describe('null sans jeton.')
			})
		),
		members: z
			.array(
				z.object({
					membershipId: id,
					orgId: id,
					orgName: z.string().nullable(),
					orgSlug: z.string().nullable(),
					orgKind: z.string().nullable(),
					departementCode: z.string().nullable(),
					since: isoDate.nullable()
				})
			)
			.describe('Collectivités membres que vous pouvez voir (vide sans jeton).')
	}),
	'NetworkDetail',
	'Un réseau, ses animateurs et ses collectivités membres visibles.'
);

// ---------------------------------------------------------------------------------------------------------
// SPASER
// ---------------------------------------------------------------------------------------------------------
export const spaserStatus = z
	.enum(Object.keys(DOC_STATUSES) as [keyof typeof DOC_STATUSES], { error: 'Statut inconnu (brouillon, en_consultation, adopte ou archive).' })
	.describe('État du SPASER : brouillon, en_consultation, adopte (adopté) ou archive (archivé).');
export const calendarDate = z.iso.date({ error: 'La date doit être au format AAAA-MM-JJ.' }).describe('Date ISO 8601 (AAAA-MM-JJ).');

// The document model's own schemas, under stable names (the rich text is recursive: it must be a named schema).
apiOutput(richNodeSchema, 'SpaserRichNode', 'Élément de texte riche (arbre au format ProseMirror/Tiptap).');
apiInput(richNodeSchema, 'SpaserRichNodeInput', 'Élément de texte riche (arbre au format ProseMirror/Tiptap).');
export const spaserContentSchema = apiOutput(docContentSchema, 'SpaserContent', 'Contenu complet d’un SPASER : réglages (noms des niveaux, numérotation) et éléments de l’arborescence.');
apiInput(docContentSchema, 'SpaserContentInput', 'Contenu complet d’un SPASER : réglages (noms des niveaux, numérotation) et éléments de l’arborescence.');

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
		projectedAt: isoDate.nullable().describe('Dernière mise à jour des éléments et cibles lisibles par /nodes et /targets.'),
		publishedAt: isoDate.nullable().describe('Dernière publication d’une version sur la page publique.'),
		myAccess: z.enum(['write', 'read']).nullable().describe('Votre droit : write (modification) ou read (lecture seule).'),
		owners: z
			.array(z.object({ orgId: id, slug: z.string(), name: z.string(), isLead: z.boolean().describe('Collectivité pilote.') }))
			.describe('Collectivités auxquelles appartient le SPASER (la pilote d’abord) ; plusieurs pour un SPASER conjoint.')
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
	kind: z.enum(Object.keys(NODE_KINDS) as [keyof typeof NODE_KINDS]).describe('normal, action_bonus (action bonus) ou focus (encadré).'),
	status: z.enum(Object.keys(NODE_STATUSES) as [keyof typeof NODE_STATUSES]).describe('a_lancer, en_cours, realisee ou abandonnee.'),
	pilot: z.string().describe('Direction pilote.'),
	resources: z.array(z.string()).describe('Directions ressources.'),
	tools: z.array(z.string()).describe('Outils.'),
	links: z.array(z.string()).describe('Identifiants des éléments liés.')
});
export const spaserNodeListSchema = apiOutput(
	z.object({ projectedAt: isoDate.nullable().describe('Date de la projection lue.'), items: z.array(spaserNodeSchema) }),
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
	z.object({ projectedAt: isoDate.nullable().describe('Date de la projection lue.'), items: z.array(spaserTargetSchema) }),
	'SpaserTargetList',
	'Les cibles du SPASER, dans l’ordre du document.'
);

export const spaserVersionSchema = apiOutput(
	z.object({
		id,
		kind: z.enum(['auto', 'named', 'imported', 'restored', 'bilan']).describe('auto (enregistrement automatique), named (nommée), imported, restored ou bilan.'),
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

// ---------------------------------------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------------------------------------
export const openApiDocumentSchema = apiOutput(
	z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose(),
	'OpenApiDocument',
	'Le présent document OpenAPI 3.1.'
);

// ---------------------------------------------------------------------------------------------------------
// Guichet vert
// ---------------------------------------------------------------------------------------------------------
const guichetModality = z
	.enum(['visio', 'telephone', 'sur_place'], { error: 'Modalité inconnue : visio, telephone ou sur_place.' })
	.describe('Modalité : visio (visioconférence), telephone ou sur_place.');
const guichetStage = z
	.enum(['definition_besoin', 'redaction_dce', 'analyse_offres', 'execution', 'spaser'], {
		error: 'Étape inconnue : definition_besoin, redaction_dce, analyse_offres, execution ou spaser.'
	})
	.describe("Étape de l'achat : definition_besoin, redaction_dce, analyse_offres, execution ou spaser.");
const guichetInstant = z.iso.datetime({ offset: true, error: 'Indiquez une date et heure ISO 8601 (par exemple 2030-01-09T10:00:00+01:00).' });
const guichetHhmm = z
	.string()
	.regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'Heure au format HH:MM (00:00 à 24:00).' })
	.describe('Heure locale (Europe/Paris), HH:MM.');
const minutes = (min: number, max: number, label: string) =>
	z
		.number({ error: `${label} : indiquez un nombre de minutes.` })
		.int({ error: `${label} : indiquez un nombre entier de minutes.` })
		.min(min, { error: `${label} : au moins ${min} minutes.` })
		.max(max, { error: `${label} : au plus ${max} minutes.` });

export const guichetAnimatorSchema = z.object({
	animatorId: id,
	displayName: z.string(),
	active: z.boolean().describe('Le guichet de cet animateur est ouvert aux réservations.'),
	modalities: z.array(guichetModality),
	modalityLabels: z.array(z.string()).describe('Libellés français des modalités.'),
	topics: z.array(z.string()).describe('Sujets de prédilection.'),
	sessionMinutes: z.number().int().describe('Durée d’une séance, en minutes.'),
	sessionLabel: z.string().describe('Durée d’une séance, en français (« 1 h », « 45 min »).'),
	confirmationMode: z.enum(['auto', 'manual']).describe('auto : rendez-vous confirmé aussitôt ; manual : l’animateur confirme.')
});
export const guichetAnimatorListSchema = apiOutput(listOf(guichetAnimatorSchema), 'GuichetAnimatorList', 'Les animateurs du guichet du réseau.');

export const guichetSlotSchema = z.object({
	start: isoDate,
	end: isoDate,
	label: z.string().describe('Le créneau en français, heure de Paris (« mercredi 9 janvier 2030, 10 h 00 – 11 h 00 »).'),
	animatorId: id,
	animatorName: z.string()
});
export const guichetSlotListSchema = apiOutput(listOf(guichetSlotSchema), 'GuichetSlotList', 'Créneaux libres, du plus proche au plus lointain.');

const guichetWeeklyHours = z.object({
	weekday: z
		.number({ error: 'Jour de la semaine : un nombre de 1 (lundi) à 7 (dimanche).' })
		.int({ error: 'Jour de la semaine : un nombre de 1 (lundi) à 7 (dimanche).' })
		.min(1, { error: 'Jour de la semaine : un nombre de 1 (lundi) à 7 (dimanche).' })
		.max(7, { error: 'Jour de la semaine : un nombre de 1 (lundi) à 7 (dimanche).' })
		.describe('1 = lundi … 7 = dimanche.'),
	start: guichetHhmm,
	end: guichetHhmm
});
const guichetProfileFields = {
	sessionMinutes: minutes(10, 480, 'Durée de séance'),
	bufferBeforeMinutes: minutes(0, 240, 'Battement avant'),
	bufferAfterMinutes: minutes(0, 240, 'Battement après'),
	minNoticeMinutes: minutes(0, 43200, 'Délai de prévenance'),
	horizonDays: z
		.number({ error: 'Horizon : indiquez un nombre de jours.' })
		.int({ error: 'Horizon : indiquez un nombre entier de jours.' })
		.min(1, { error: 'Horizon : au moins 1 jour.' })
		.max(365, { error: 'Horizon : au plus 365 jours.' })
		.describe('Réservable jusqu’à ce nombre de jours à l’avance.'),
	maxPerDay: z.number().int({ error: 'Maximum par jour : un nombre entier.' }).min(1, { error: 'Maximum par jour : au moins 1.' }).max(50).nullable().describe('Nombre maximal de séances par jour (null : sans limite).'),
	slotStepMinutes: minutes(5, 480, 'Pas des créneaux').nullable().optional().describe('Écart entre deux débuts de créneau (par défaut : la durée de séance).'),
	modalities: z.array(guichetModality).min(1, { error: 'Choisissez au moins une modalité.' }),
	visioUrl: z.string().trim().max(500).nullable().optional().describe('Lien de visioconférence (https://…), obligatoire avec la modalité visio.'),
	phone: z.string().trim().max(50).nullable().optional().describe('Numéro de téléphone, obligatoire avec la modalité telephone.'),
	address: z.string().trim().max(500).nullable().optional().describe('Adresse, obligatoire avec la modalité sur_place.'),
	topics: z.array(z.string().trim().min(1, { error: 'Un sujet ne peut pas être vide.' }).max(200, { error: 'Un sujet est limité à 200 caractères.' })).max(50),
	confirmationMode: z.enum(['auto', 'manual'], { error: 'Mode de confirmation : auto ou manual.' }),
	active: z.boolean({ error: 'Indiquez true ou false.' })
};

export const guichetAvailabilitySchema = apiOutput(
	z.object({
		profile: z
			.object({
				id,
				...guichetProfileFields,
				slotStepMinutes: z.number().int().nullable(),
				visioUrl: z.string().nullable(),
				phone: z.string().nullable(),
				address: z.string().nullable()
			})
			.nullable()
			.describe('Votre profil d’animateur dans ce réseau (null tant qu’il n’est pas créé).'),
		weeklyHours: z.array(guichetWeeklyHours).describe('Plages horaires hebdomadaires (heure de Paris).'),
		absences: z.array(z.object({ id, start: isoDate, end: isoDate, reason: z.string() })).describe('Absences et indisponibilités.')
	}),
	'GuichetAvailability',
	'Vos disponibilités d’animateur dans un réseau : profil, horaires hebdomadaires et absences.'
);

export const guichetAvailabilityInputSchema = apiInput(
	z
		.object({
			profile: z.object(guichetProfileFields),
			weeklyHours: z.array(guichetWeeklyHours).max(100),
			absences: z
				.array(
					z.object({
						start: guichetInstant,
						end: guichetInstant,
						reason: z.string().trim().max(500, { error: 'Le motif est limité à 500 caractères.' }).optional()
					})
				)
				.max(200)
				.optional()
				.describe('Si présent, remplace toutes vos absences ; absent, elles restent inchangées.')
		})
		.superRefine((v, ctx) => {
			v.weeklyHours.forEach((h, i) => {
				if (h.start >= h.end) ctx.addIssue({ code: 'custom', path: ['weeklyHours', i, 'end'], message: 'La fin de la plage doit suivre son début.' });
			});
			v.absences?.forEach((a, i) => {
				if (new Date(a.end) <= new Date(a.start)) ctx.addIssue({ code: 'custom', path: ['absences', i, 'end'], message: "La fin de l'absence doit suivre son début." });
			});
		}),
	'GuichetAvailabilityInput',
	'Remplace votre profil, vos horaires hebdomadaires et (si fournies) vos absences.'
);

const guichetRequestFields = {
	orgId: id.optional().describe('La collectivité pour laquelle vous demandez (par défaut : votre première collectivité adhérente du réseau).'),
	topic: z.string().trim().min(1, { error: 'Indiquez le sujet.' }).max(200, { error: 'Le sujet est limité à 200 caractères.' }),
	segment: z.string().trim().max(200, { error: "Le segment d'achat est limité à 200 caractères." }).optional(),
	stage: guichetStage,
	question: z.string().trim().min(1, { error: 'Indiquez votre question.' }).max(10000, { error: 'La question est limitée à 10 000 caractères.' }),
	deadline: calendarDate.nullable().optional().describe('Échéance de votre achat, le cas échéant.')
};

export const guichetBookingInputSchema = apiInput(
	z.object({
		animatorId: z
			.union([z.uuid({ error: 'Identifiant invalide.' }), z.literal('any')], { error: 'Indiquez l’identifiant de l’animateur ou « any ».' })
			.default('any')
			.describe('Animateur choisi, ou « any » (par défaut) : le moins sollicité ce mois-ci parmi ceux qui sont libres.'),
		start: guichetInstant.describe('Début du créneau (un `start` renvoyé par /guichet/slots).'),
		modality: guichetModality,
		...guichetRequestFields
	}),
	'GuichetBookingInput',
	'Réservation d’une séance de conseil sur un créneau libre.'
);
export const guichetQuestionInputSchema = apiInput(
	z.object({ animatorId: id.optional().describe('Animateur à qui poser la question (par défaut : tous les animateurs du réseau).'), ...guichetRequestFields }),
	'GuichetQuestionInput',
	'Une question minute aux animateurs du réseau.'
);
export const guichetReasonInputSchema = apiInput(
	z.object({ reason: z.string().trim().min(1, { error: 'Indiquez le motif.' }).max(2000, { error: 'Le motif est limité à 2 000 caractères.' }) }),
	'GuichetReasonInput',
	'Le motif, communiqué à l’autre partie.'
);
export const guichetRescheduleInputSchema = apiInput(
	z.object({
		start: guichetInstant.describe('Nouveau début (un créneau libre du même animateur).'),
		reason: z.string().trim().min(1, { error: 'Indiquez le motif.' }).max(2000, { error: 'Le motif est limité à 2 000 caractères.' })
	}),
	'GuichetRescheduleInput',
	'Nouveau créneau et motif du changement.'
);
export const guichetMessageInputSchema = apiInput(
	z.object({ body: z.string().trim().min(1, { error: 'Indiquez votre message.' }).max(10000, { error: 'Le message est limité à 10 000 caractères.' }) }),
	'GuichetMessageInput',
	'Un message de suivi.'
);

const guichetBookingStatus = z.enum(['pending', 'confirmed', 'cancelled', 'done', 'no_show']).describe('pending (à confirmer), confirmed, cancelled, done (a eu lieu) ou no_show.');
const guichetBookingFields = {
	id,
	requestId: id,
	networkId: id,
	animatorId: id,
	animatorName: z.string().nullable(),
	bookerId: id,
	bookerName: z.string().nullable(),
	orgId: id,
	start: isoDate,
	end: isoDate,
	label: z.string().describe('Le créneau en français, heure de Paris.'),
	modality: guichetModality,
	modalityLabel: z.string(),
	status: guichetBookingStatus,
	topic: z.string(),
	location: z.string().nullable().describe('Lien de visio, téléphone ou adresse selon la modalité.'),
	mySide: z.enum(['booker', 'animator', 'buyer', 'admin']).nullable().describe('Votre place : booker (vous avez réservé), animator, buyer (un collègue a réservé) ou admin.')
};
export const guichetBookingListSchema = apiOutput(listOf(z.object(guichetBookingFields)), 'GuichetBookingList', 'Vos rendez-vous dans ce réseau, comme personne qui réserve ou comme animateur.');
export const guichetBookingSchema = apiOutput(
	z.object({
		...guichetBookingFields,
		history: z.array(
			z.object({
				action: z.string().describe('created, confirmed, cancelled, rescheduled, redirected, done ou no_show.'),
				reason: z.string().nullable(),
				actorId: id.nullable(),
				createdAt: isoDate
			})
		)
	}),
	'GuichetBooking',
	'Un rendez-vous du guichet, avec son historique.'
);

export const guichetRequestSchema = apiOutput(
	z.object({
		id,
		networkId: id,
		orgId: id,
		requesterId: id,
		kind: z.enum(['question', 'session']).describe('question (question minute) ou session (demande liée à un rendez-vous).'),
		topic: z.string(),
		segment: z.string(),
		stage: guichetStage,
		stageLabel: z.string(),
		question: z.string(),
		deadline: calendarDate.nullable(),
		status: z.enum(['open', 'answered', 'closed']).describe('open, answered ou closed.'),
		assignedAnimatorId: id.nullable(),
		createdAt: isoDate,
		answeredAt: isoDate.nullable(),
		closedAt: isoDate.nullable(),
		messages: z.array(z.object({ id, authorId: id, body: z.string(), createdAt: isoDate })),
		attachments: z
			.array(
				z.object({
					id,
					messageId: id.nullable().describe('Le message qui porte le fichier, ou null pour un fichier joint à la demande.'),
					filename: z.string(),
					mediaType: z.string().describe('Type reconnu d’après le contenu : PDF, DOCX, ODT, XLSX, PNG ou JPEG.'),
					size: z.number().int().describe('Taille en octets (10 Mo au plus).'),
					createdAt: isoDate,
					url: z.string().describe('Chemin de téléchargement dans l’API.')
				})
			)
			.describe('Pièces jointes de la demande et de ses messages, dans l’ordre d’envoi.')
	}),
	'GuichetRequest',
	'Une demande au guichet (question minute ou séance), avec ses messages.'
);
