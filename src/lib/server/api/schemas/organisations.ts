// Schemas of the JSON API (/api/v1): account, collectivités and networks. Registered under stable names for the OpenAPI document (see ./core.ts).
import { z } from 'zod';
import { ORG_KINDS } from '$lib/organisations/labels';
import { apiOutput, id, isoDate, listOf, role } from './core';

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
		animatedNetworks: z
			.array(z.object({ id, slug: z.string(), name: z.string() }))
			.describe('Réseaux que la personne anime.')
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
		spaserMandatory: z
			.boolean()
			.describe("Le SPASER est obligatoire (volume d'achats d'au moins 50 millions d'euros)."),
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
	z.object({
		name: z.string(),
		notified: z.number().int(),
		deletedDocuments: z.number().int(),
		cancelledSessions: z.number().int()
	}),
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
		status: membershipStatus.describe(
			'pending (en attente), approved, refused, withdrawn (retirée), left (partie), removed (exclue).'
		),
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
