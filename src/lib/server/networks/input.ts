// Networks (réseaux) of collectivités: the only zod inputs of the capability, with their French messages.
import { z } from 'zod';
import { REGIONS } from '../../geo';
import { apiInput } from '$lib/server/api/schemas';

export const networkInput = z.object({
	name: z
		.string({ error: 'Indiquez le nom du réseau.' })
		.trim()
		.min(2, { error: 'Le nom doit contenir au moins 2 caractères.' })
		.max(200),
	description: z
		.string()
		.trim()
		.max(5000, { error: 'La description est trop longue (5 000 caractères au plus).' })
		.default(''),
	regionCodes: z.array(z.string().refine((c) => c in REGIONS, { error: 'Région inconnue.' })).default([])
});

export const joinRequestInput = z.object({
	orgId: z.uuid({ error: 'Choisissez une collectivité.' }),
	message: z.string().trim().max(2000).optional()
});

export const decisionInput = z
	.object({
		decision: z.enum(['approved', 'refused'], { error: 'Choisissez une décision.' }),
		reason: z.string().trim().max(2000).optional()
	})
	.refine((d) => d.decision === 'approved' || (d.reason && d.reason.length > 0), {
		error: 'Indiquez le motif du refus.',
		path: ['reason']
	});

const reason = z.string().trim().max(2000, { error: 'Le motif est trop long (2 000 caractères au plus).' }).optional();
const membershipId = z.uuid({ error: 'Demande inconnue.' });

/** A collectivité asks to join a network (from the collectivité's page: the network is chosen). */
export const joinNetworkInput = joinRequestInput
	.omit({ orgId: true })
	.extend({ networkId: z.uuid({ error: 'Choisissez un réseau.' }) });
/** The collectivité withdraws its request or leaves the network. */
export const endMembershipInput = z.object({ membershipId: z.uuid({ error: 'Adhésion inconnue.' }), reason });
/** An animator decides on a request. */
export const decideMembershipInput = decisionInput.and(z.object({ membershipId }));
/** An animator removes a member collectivité. */
export const removeMembershipInput = z.object({ membershipId, reason });

// JSON API bodies (the OpenAPI document names them), from the same rules.
export const joinRequestCreateSchema = apiInput(
	joinRequestInput,
	'JoinRequestInput',
	"Demande d'adhésion d'une collectivité (dont vous êtes administrateur)."
);
export const decisionCreateSchema = apiInput(
	decisionInput,
	'DecisionInput',
	'Décision d’un animateur ; le motif est obligatoire pour un refus.'
);
