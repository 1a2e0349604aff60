import { z } from 'zod';
import { decisionCreateSchema, joinRequestCreateSchema } from '../../networks/input';
import {
	membershipListSchema,
	membershipSchema,
	networkDetailSchema,
	networkListSchema
} from '$lib/server/api/schemas';
import { uuid } from '$lib/server/kit/input';
import {
	decideMembership,
	getMembership,
	getNetworkBySlug,
	listNetworks,
	networkSlug,
	requestToJoin
} from '../../networks/service';
import { membershipDto, networkDetailDto, networkDto } from '../dto';
import { ApiResult, defineEndpoint } from '../registry';

const idParams = z.object({ id: uuid });
const tags = ['Réseaux'];

export const networkEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/networks',
		operationId: 'listNetworks',
		summary: 'Les réseaux',
		description:
			'Annuaire public des réseaux, accessible sans jeton. Avec un jeton, chaque réseau indique aussi si vous l’animez et son nombre de collectivités membres.',
		tags,
		scope: 'public',
		response: networkListSchema,
		handler: async ({ db, actor }) => ({ items: (await listNetworks(db, actor)).map((n) => networkDto(n, !actor)) })
	}),
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}',
		operationId: 'getNetwork',
		summary: 'Un réseau',
		description:
			'Accessible sans jeton (description et animateurs, sans leurs coordonnées). Avec un jeton : coordonnées des animateurs et collectivités membres que vous pouvez voir (si votre collectivité est membre du réseau, ou si vous l’animez).',
		tags,
		scope: 'public',
		params: idParams,
		response: networkDetailSchema,
		handler: async ({ db, actor, params }) => {
			const detail = await getNetworkBySlug(db, actor, await networkSlug(db, actor, params.id));
			return networkDetailDto(detail, !actor);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}/memberships',
		operationId: 'listNetworkMemberships',
		summary: 'Les adhésions et demandes d’adhésion d’un réseau',
		description:
			'Les animateurs du réseau voient toutes les demandes (en attente d’abord) et leur historique ; une collectivité voit ses propres demandes ; les membres du réseau voient les adhésions acceptées.',
		tags,
		scope: 'read',
		params: idParams,
		response: membershipListSchema,
		handler: async ({ db, actor, params }) => {
			const detail = await getNetworkBySlug(db, actor, await networkSlug(db, actor, params.id));
			return { items: detail.memberships.map(membershipDto) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/networks/{id}/join-requests',
		operationId: 'requestToJoinNetwork',
		summary: 'Demander l’adhésion d’une collectivité à un réseau',
		description:
			'Réservé aux administrateurs de la collectivité (`orgId`). Les animateurs du réseau sont prévenus par e-mail. Refusé (409 already_requested) si une demande est déjà en attente ou si la collectivité est déjà membre.',
		tags,
		scope: 'write',
		params: idParams,
		body: joinRequestCreateSchema,
		response: membershipSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await networkSlug(db, actor, params.id);
			const membershipId = await requestToJoin(db, actor!, params.id, body.orgId, body.message || undefined);
			return new ApiResult(membershipDto(await getMembership(db, actor!, membershipId)), 201);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/memberships/{id}/decision',
		operationId: 'decideMembership',
		summary: 'Accepter ou refuser une demande d’adhésion',
		description:
			'Réservé aux animateurs du réseau (et aux administrateurs de la plateforme). Le motif (`reason`) est obligatoire pour un refus. Les administrateurs de la collectivité sont prévenus par e-mail. Une demande déjà traitée ne peut plus changer (409 already_decided).',
		tags,
		scope: 'write',
		params: idParams,
		body: decisionCreateSchema,
		response: membershipSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await decideMembership(db, actor!, params.id, body.decision, body.reason || undefined);
			return membershipDto(await getMembership(db, actor!, params.id));
		}
	})
];
