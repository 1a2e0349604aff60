/**
 * Events endpoints: the agenda, an event with its programme, creating events and their programme, registrations
 * (with the waiting list), cancellation and check-in. Everything goes through the events services under the
 * caller's rights (row-level security and the security-definer functions of the migration decide).
 */
import { z } from 'zod';
import {
	EVENT_KINDS,
	apiRegistrationInputSchema,
	checkInInputSchema,
	choiceGroupInputSchema,
	eventChoiceGroupSchema,
	eventCheckInSchema,
	eventDetailSchema,
	eventInputSchema,
	eventListSchema,
	eventPublishInputSchema,
	eventRegistrationListSchema,
	eventRegistrationSchema,
	eventSessionSchema,
	sessionInputSchema
} from '../../../schemas/events';
import { uuid } from '$lib/server/kit/input';
import {
	addChoiceGroup,
	cancelRegistration,
	checkIn,
	createEvent,
	getEvent,
	getRegistration,
	listEvents,
	listRegistrations,
	register,
	saveSession,
	setPublished,
	undoCheckIn,
	type EventRow,
	type RegistrationRow
} from '../../events/service';
import { iso } from '../http';
import { ApiResult, defineEndpoint } from '../registry';

const tags = ['Événements'];
const idParams = z.object({ id: uuid });

function eventDto(e: EventRow) {
	return {
		id: e.id,
		kind: e.kind,
		kindLabel: EVENT_KINDS[e.kind],
		title: e.title,
		description: e.description,
		organiserNetworkId: e.organiser_network_id,
		organiserOrgId: e.organiser_org_id,
		organiserName: e.organiser_name,
		partners: e.partners,
		themes: e.themes,
		audience: e.audience,
		place: e.place,
		visioUrl: e.visio_url,
		start: iso(e.starts_at),
		end: iso(e.ends_at),
		registrationOpensAt: iso(e.registration_opens_at),
		registrationClosesAt: iso(e.registration_closes_at),
		capacity: e.capacity,
		perOrgLimit: e.per_org_limit,
		status: e.status,
		placesTaken: e.confirmed_count,
		waitlist: e.waitlist_count
	};
}

function registrationDto(r: RegistrationRow, rank: number | null, showCode: boolean) {
	return {
		id: r.id,
		eventId: r.event_id,
		userId: r.user_id,
		orgId: r.org_id,
		orgName: r.org_name,
		fullName: r.full_name,
		status: r.status,
		waitlistPosition: rank,
		offerExpiresAt: iso(r.offer_expires_at),
		walkIn: r.walk_in,
		noShow: r.no_show,
		choices: r.choices,
		checkinCode: showCode && r.status === 'confirmed' ? r.checkin_code : null,
		createdAt: iso(r.created_at)!
	};
}

async function eventDetail(db: Parameters<typeof getEvent>[0], actor: Parameters<typeof getEvent>[1], id: string) {
	const d = await getEvent(db, actor, id);
	return {
		...eventDto(d.event),
		choiceGroups: d.groups.map((g) => ({ id: g.id, title: g.title })),
		sessions: d.sessions.map((s) => ({
			id: s.id,
			choiceGroupId: s.choice_group_id,
			title: s.title,
			description: s.description,
			start: iso(s.starts_at),
			end: iso(s.ends_at),
			room: s.room,
			speakers: s.speakers,
			capacity: s.capacity,
			placesTaken: s.taken
		}))
	};
}

export const eventEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/events',
		operationId: 'listEvents',
		summary: 'L’agenda des événements',
		description: 'Les événements publiés à venir que vous pouvez voir (sans jeton : ceux ouverts à tous les acheteurs publics ou aux entreprises). `scope=organised` : ceux que vous organisez, brouillons compris.',
		tags,
		scope: 'public',
		query: z.object({ scope: z.enum(['upcoming', 'past', 'organised'], { error: 'scope : upcoming, past ou organised.' }).default('upcoming') }),
		response: eventListSchema,
		handler: async ({ db, actor, query }) => ({ items: (await listEvents(db, actor, { scope: actor ? query.scope : query.scope === 'organised' ? 'upcoming' : query.scope })).map(eventDto) })
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events',
		operationId: 'createEvent',
		summary: 'Créer un événement (brouillon)',
		description: 'Crée un événement en brouillon pour un réseau que vous animez (`organiser: "network:<id>"`) ou une collectivité dont vous êtes administrateur ou rédacteur (`"org:<id>"`). Les dates sont en ISO 8601 avec fuseau, ou en heure de Paris sans fuseau.',
		tags,
		scope: 'write',
		body: eventInputSchema,
		response: eventDetailSchema,
		status: 201,
		handler: async ({ db, actor, body }) => {
			const { id } = await createEvent(db, actor!, body);
			return new ApiResult(await eventDetail(db, actor, id), 201, { location: `/api/v1/events/${id}` });
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/events/{id}',
		operationId: 'getEvent',
		summary: 'Un événement et son programme',
		tags,
		scope: 'public',
		params: idParams,
		response: eventDetailSchema,
		handler: async ({ db, actor, params }) => eventDetail(db, actor, params.id)
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/publish',
		operationId: 'publishEvent',
		summary: 'Publier ou dépublier un événement',
		tags,
		scope: 'write',
		params: idParams,
		body: eventPublishInputSchema,
		response: eventDetailSchema,
		handler: async ({ db, actor, params, body }) => {
			await setPublished(db, actor!, params.id, body.published);
			return eventDetail(db, actor, params.id);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/choice-groups',
		operationId: 'createEventChoiceGroup',
		summary: 'Ajouter un groupe d’ateliers au choix',
		tags,
		scope: 'write',
		params: idParams,
		body: choiceGroupInputSchema,
		response: eventChoiceGroupSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => new ApiResult({ id: (await addChoiceGroup(db, actor!, params.id, body.title)).id, title: body.title }, 201)
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/sessions',
		operationId: 'createEventSession',
		summary: 'Ajouter une séance au programme',
		description: 'Une séance sans `choiceGroupId` est suivie par tous les participants ; avec, elle est l’un des ateliers du groupe.',
		tags,
		scope: 'write',
		params: idParams,
		body: sessionInputSchema,
		response: eventSessionSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => {
			const { id } = await saveSession(db, actor!, params.id, body);
			const s = (await getEvent(db, actor, params.id)).sessions.find((x) => x.id === id)!;
			return new ApiResult(
				{ id, choiceGroupId: s.choice_group_id, title: s.title, description: s.description, start: iso(s.starts_at), end: iso(s.ends_at), room: s.room, speakers: s.speakers, capacity: s.capacity, placesTaken: s.taken },
				201
			);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/events/{id}/registrations',
		operationId: 'listEventRegistrations',
		summary: 'Les inscriptions à un événement',
		description: 'Toutes pour un organisateur ; sinon les vôtres et celles des collègues que vous administrez.',
		tags,
		scope: 'read',
		params: idParams,
		response: eventRegistrationListSchema,
		handler: async ({ db, actor, params }) => {
			const d = await getEvent(db, actor, params.id);
			const regs = await listRegistrations(db, actor!, params.id);
			const waiting = regs.filter((r) => r.status === 'waitlisted');
			return { items: regs.map((r) => registrationDto(r, r.status === 'waitlisted' ? waiting.indexOf(r) + 1 : null, d.isOrganiser || r.user_id === actor!.id)) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/registrations',
		operationId: 'registerToEvent',
		summary: 'S’inscrire (ou inscrire un collègue)',
		description: "Confirmée s'il reste de la place pour l'événement et chaque atelier choisi ; sinon sur la liste d'attente (une seule par événement, dans l'ordre d'arrivée). Un e-mail de confirmation (avec invitation de calendrier et QR code) ou d'attente est envoyé.",
		tags,
		scope: 'write',
		params: idParams,
		body: apiRegistrationInputSchema,
		response: eventRegistrationSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			const r = await register(db, actor!, { eventId: params.id, userId: body.userId, orgId: body.orgId ?? null, choices: body.choices });
			const { waitlistRank } = await getRegistration(db, actor!, r.id);
			return new ApiResult(registrationDto(r, waitlistRank, r.user_id === actor!.id), 201);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/event-registrations/{id}/cancel',
		operationId: 'cancelEventRegistration',
		summary: 'Annuler une inscription',
		description: "La place libérée est proposée à la première personne de la liste d'attente dont les choix tiennent (offre limitée dans le temps, par e-mail).",
		tags,
		scope: 'write',
		params: idParams,
		response: eventRegistrationSchema,
		errors: [409],
		handler: async ({ db, actor, params }) => {
			await cancelRegistration(db, actor!, params.id);
			const { registration } = await getRegistration(db, actor!, params.id);
			return registrationDto(registration, null, false);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/event-sessions/{id}/check-ins',
		operationId: 'checkInEventSession',
		summary: 'Émarger une personne à une séance',
		description: 'Par le code du QR code (`code`) ou par l’inscription (`registrationId`). Réservé aux organisateurs ; une seconde présence n’est pas comptée deux fois.',
		tags,
		scope: 'write',
		params: idParams,
		body: checkInInputSchema,
		response: eventCheckInSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			const r = await checkIn(db, actor!, params.id, body);
			return { registrationId: r.registrationId, fullName: r.fullName, alreadyCheckedIn: r.already };
		}
	}),
	defineEndpoint({
		method: 'DELETE',
		path: '/event-sessions/{id}/check-ins/{registrationId}',
		operationId: 'undoEventCheckIn',
		summary: 'Annuler un émargement',
		tags,
		scope: 'write',
		params: z.object({ id: uuid, registrationId: uuid }),
		handler: async ({ db, actor, params }) => {
			await undoCheckIn(db, actor!, params.id, params.registrationId);
		}
	})
];
