/**
 * Schemas of the public JSON API (/api/v1): the response bodies, plus the request bodies specific to the API.
 * The OpenAPI document is generated from these same schemas (z.toJSONSchema), so what is documented is what
 * the server validates and returns.
 *
 * Every schema used as a request or response body must be registered under a stable name with `apiInput` or
 * `apiOutput`: the name becomes `#/components/schemas/<name>` in the document.
 */
import { z } from 'zod';
import { ORG_KINDS } from '../geo';
import { decisionInput, invitationInput, joinRequestInput, organisationInput } from './orgs';

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

export const organisationCreateSchema = apiInput(organisationInput, 'OrganisationInput', 'Informations d’une collectivité.');

const nullable = <S extends z.ZodType>(s: S) => s.nullable().optional();
const shape = organisationInput.shape;
/**
 * PATCH body: any subset of the fields; `null` clears an optional field. The merged result is then checked
 * against the full OrganisationInput schema (cross-field rules such as SIRET ⊃ SIREN).
 */
export const organisationPatchSchema = apiInput(
	z.object({
		name: shape.name.optional(),
		kind: shape.kind.optional(),
		siren: nullable(shape.siren.unwrap()),
		siret: nullable(shape.siret.unwrap()),
		regionCode: nullable(shape.regionCode.unwrap()),
		departementCode: nullable(shape.departementCode.unwrap()),
		population: nullable(shape.population.unwrap()),
		purchaseVolumeEur: nullable(shape.purchaseVolumeEur.unwrap()),
		referentsCount: nullable(shape.referentsCount.unwrap())
	}),
	'OrganisationPatch',
	'Modification partielle : seuls les champs envoyés changent ; null efface un champ facultatif.'
);

export const memberSchema = apiOutput(
	z.object({ userId: id, displayName: z.string(), email: z.email(), role, joinedAt: isoDate }),
	'Member',
	'Un membre de la collectivité.'
);
export const memberListSchema = apiOutput(listOf(memberSchema), 'MemberList');

export const invitationCreateSchema = apiInput(invitationInput, 'InvitationInput', 'Adresse e-mail et rôle de la personne invitée.');
export const invitationSchema = apiOutput(
	z.object({ id, email: z.email(), role, expiresAt: isoDate }),
	'Invitation',
	"Invitation envoyée par e-mail. Le lien secret n'est jamais renvoyé par l'API : seule la personne invitée le reçoit."
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

export const joinRequestCreateSchema = apiInput(joinRequestInput, 'JoinRequestInput', "Demande d'adhésion d'une collectivité (dont vous êtes administrateur).");
export const decisionCreateSchema = apiInput(decisionInput, 'DecisionInput', 'Décision d’un animateur ; le motif est obligatoire pour un refus.');

// ---------------------------------------------------------------------------------------------------------
// Documentation
// ---------------------------------------------------------------------------------------------------------
export const openApiDocumentSchema = apiOutput(
	z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose(),
	'OpenApiDocument',
	'Le présent document OpenAPI 3.1.'
);
