/**
 * Events endpoints: the agenda, an event with its programme, creating events and their programme, registrations
 * (with the waiting list), cancellation and check-in. Everything goes through the events services under the
 * caller's rights (row-level security and the security-definer functions of the migration decide).
 */
import { z } from 'zod';
import { EVENT_KINDS, type EventKind } from '$lib/events/labels';
import { apiOutput, listOf } from '$lib/server/api/schemas';
import {
	apiRegistrationInputSchema,
	checkInInputSchema,
	checkInParams,
	choiceGroupInputSchema,
	eventIdParams,
	eventInputSchema,
	eventListQuerySchema,
	eventPublishInputSchema,
	sessionInputSchema
} from '../../events/input';
import { addChoiceGroup, createEvent, getEvent, listEvents, saveSession, setPublished } from '../../events/events';
import { cancelRegistration, getRegistration, listRegistrations, register } from '../../events/registrations';
import { checkIn, undoCheckIn } from '../../events/attendance';
import type { EventRow, RegistrationRow } from '../../events/model';
import { iso } from '../http';
import { ApiResult, defineEndpoint } from '../registry';

const tags = ['Événements'];
const idParams = eventIdParams;

// Responses (OpenAPI components).
const isoDate = z.iso.datetime().describe('Date et heure ISO 8601 (UTC).');
const eventFieldsOut = {
	id: z.uuid(),
	kind: z
		.enum(Object.keys(EVENT_KINDS) as [EventKind, ...EventKind[]])
		.describe('Type : formation, webinaire, atelier, rencontre, forum, matinale, cohorte.'),
	kindLabel: z.string(),
	title: z.string(),
	description: z.string(),
	organiserNetworkId: z.uuid().nullable(),
	organiserOrgId: z.uuid().nullable(),
	organiserName: z.string(),
	partners: z.string(),
	themes: z.array(z.string()),
	audience: z
		.enum(['network', 'buyers', 'open'])
		.describe('network : membres du réseau ; buyers : tous les acheteurs publics ; open : ouvert aux entreprises.'),
	place: z.string(),
	visioUrl: z.string().nullable(),
	start: isoDate,
	end: isoDate,
	registrationOpensAt: isoDate.nullable(),
	registrationClosesAt: isoDate.nullable(),
	capacity: z.number().int().nullable(),
	perOrgLimit: z.number().int().nullable(),
	status: z.enum(['draft', 'published', 'cancelled']),
	placesTaken: z.number().int().describe('Inscriptions confirmées ou places proposées.'),
	waitlist: z.number().int().describe("Personnes sur la liste d'attente.")
};
const eventListSchema = apiOutput(
	listOf(z.object(eventFieldsOut)),
	'EventList',
	'Événements visibles, du plus proche au plus lointain.'
);
const eventSessionSchema = apiOutput(
	z.object({
		id: z.uuid(),
		choiceGroupId: z.uuid().nullable(),
		title: z.string(),
		description: z.string(),
		start: isoDate,
		end: isoDate,
		room: z.string(),
		speakers: z.string(),
		capacity: z.number().int().nullable(),
		placesTaken: z.number().int()
	}),
	'EventSession',
	'Une séance du programme (plénière, atelier, journée de cohorte).'
);
const eventChoiceGroupSchema = apiOutput(
	z.object({ id: z.uuid(), title: z.string() }),
	'EventChoiceGroup',
	'Un groupe d’ateliers parmi lesquels chaque participant en choisit un.'
);
const eventDetailSchema = apiOutput(
	z.object({ ...eventFieldsOut, choiceGroups: z.array(eventChoiceGroupSchema), sessions: z.array(eventSessionSchema) }),
	'Event',
	'Un événement avec son programme.'
);
const eventRegistrationSchema = apiOutput(
	z.object({
		id: z.uuid(),
		eventId: z.uuid(),
		userId: z.uuid().nullable(),
		orgId: z.uuid().nullable(),
		orgName: z.string().nullable(),
		fullName: z.string(),
		status: z.enum(['confirmed', 'waitlisted', 'offered', 'cancelled']),
		waitlistPosition: z.number().int().nullable().describe("Rang sur la liste d'attente (ordre d'arrivée)."),
		offerExpiresAt: isoDate.nullable(),
		walkIn: z.boolean(),
		noShow: z.boolean(),
		choices: z.array(z.uuid()),
		checkinCode: z
			.string()
			.nullable()
			.describe('Code porté par le QR code (pour la personne inscrite et les organisateurs).'),
		createdAt: isoDate
	}),
	'EventRegistration',
	'Une inscription à un événement.'
);
const eventRegistrationListSchema = apiOutput(
	listOf(eventRegistrationSchema),
	'EventRegistrationList',
	'Inscriptions visibles : les vôtres, celles de vos collègues (administrateur) ou toutes (organisateur).'
);
const eventCheckInSchema = apiOutput(
	z.object({ registrationId: z.uuid(), fullName: z.string(), alreadyCheckedIn: z.boolean() }),
	'EventCheckIn',
	'Résultat d’un émargement.'
);

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

/** One session of the programme, as the API shows it. */
function sessionDto(s: Awaited<ReturnType<typeof getEvent>>['sessions'][number]) {
	return {
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
	};
}

async function eventDetail(db: Parameters<typeof getEvent>[0], actor: Parameters<typeof getEvent>[1], id: string) {
	const d = await getEvent(db, actor, id);
	return {
		...eventDto(d.event),
		choiceGroups: d.groups.map((g) => ({ id: g.id, title: g.title })),
		sessions: d.sessions.map(sessionDto)
	};
}

export const eventEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/events',
		operationId: 'listEvents',
		summary: 'L’agenda des événements',
		description:
			'Les événements publiés à venir que vous pouvez voir (sans jeton : ceux ouverts à tous les acheteurs publics ou aux entreprises). `scope=organised` : ceux que vous organisez, brouillons compris.',
		tags,
		scope: 'public',
		query: eventListQuerySchema,
		response: eventListSchema,
		handler: async ({ db, actor, query }) => ({
			items: (
				await listEvents(db, actor, {
					scope: actor ? query.scope : query.scope === 'organised' ? 'upcoming' : query.scope
				})
			).map(eventDto)
		})
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events',
		operationId: 'createEvent',
		summary: 'Créer un événement (brouillon)',
		description:
			'Crée un événement en brouillon pour un réseau que vous animez (`organiser: "network:<id>"`) ou une collectivité dont vous êtes administrateur ou rédacteur (`"org:<id>"`). Les dates sont en ISO 8601 avec fuseau, ou en heure de Paris sans fuseau.',
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
		handler: async ({ db, actor, params, body }) =>
			new ApiResult({ id: (await addChoiceGroup(db, actor!, params.id, body.title)).id, title: body.title }, 201)
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/sessions',
		operationId: 'createEventSession',
		summary: 'Ajouter une séance au programme',
		description:
			'Une séance sans `choiceGroupId` est suivie par tous les participants ; avec, elle est l’un des ateliers du groupe.',
		tags,
		scope: 'write',
		params: idParams,
		body: sessionInputSchema,
		response: eventSessionSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => {
			const { id } = await saveSession(db, actor!, params.id, body);
			const s = (await getEvent(db, actor, params.id)).sessions.find((x) => x.id === id)!;
			return new ApiResult(sessionDto(s), 201);
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
			return {
				items: regs.map((r) =>
					registrationDto(
						r,
						r.status === 'waitlisted' ? waiting.indexOf(r) + 1 : null,
						d.isOrganiser || r.user_id === actor!.id
					)
				)
			};
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/events/{id}/registrations',
		operationId: 'registerToEvent',
		summary: 'S’inscrire (ou inscrire un collègue)',
		description:
			"Confirmée s'il reste de la place pour l'événement et chaque atelier choisi ; sinon sur la liste d'attente (une seule par événement, dans l'ordre d'arrivée). Un e-mail de confirmation (avec invitation de calendrier et QR code) ou d'attente est envoyé.",
		tags,
		scope: 'write',
		params: idParams,
		body: apiRegistrationInputSchema,
		response: eventRegistrationSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			const r = await register(db, actor!, {
				eventId: params.id,
				userId: body.userId,
				orgId: body.orgId ?? null,
				choices: body.choices
			});
			const { waitlistRank } = await getRegistration(db, actor!, r.id);
			return new ApiResult(registrationDto(r, waitlistRank, r.user_id === actor!.id), 201);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/event-registrations/{id}/cancel',
		operationId: 'cancelEventRegistration',
		summary: 'Annuler une inscription',
		description:
			"La place libérée est proposée à la première personne de la liste d'attente dont les choix tiennent (offre limitée dans le temps, par e-mail).",
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
		description:
			'Par le code du QR code (`code`) ou par l’inscription (`registrationId`). Réservé aux organisateurs ; une seconde présence n’est pas comptée deux fois.',
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
		params: checkInParams,
		handler: async ({ db, actor, params }) => {
			await undoCheckIn(db, actor!, params.id, params.registrationId);
		}
	})
];
