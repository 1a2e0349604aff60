/**
 * Guichet vert endpoints: the animators of a network's guichet, free slots, an animator's own availability,
 * bookings (book, list, confirm, cancel, reschedule) and questions minute with their follow-up messages.
 * A thin door over the guichet services (row-level security decides): inputs from guichet/input.ts, answers
 * serialised here.
 */
import type { z } from 'zod';
import {
	guichetAnimatorListSchema,
	guichetAvailabilityInputSchema,
	guichetAvailabilitySchema,
	guichetBookingInputSchema,
	guichetBookingListSchema,
	guichetBookingSchema,
	guichetMessageInputSchema,
	guichetQuestionInputSchema,
	guichetReasonInputSchema,
	guichetRequestSchema,
	guichetRescheduleInputSchema,
	guichetSlotListSchema
} from '$lib/server/api/schemas';
import type { Actor, Database } from '../../db';
import { MODALITIES, STAGES } from '$lib/guichet/labels';
import { apiAttachmentParams, apiIdParams, apiNetworkParams, apiSlotsQuery } from '../../guichet/input';
import { listGuichetAnimators, listFreeSlots, myAvailability, saveAvailability } from '../../guichet/availability';
import {
	bookSession,
	cancelBooking,
	confirmBooking,
	getBooking,
	listMyBookings,
	rescheduleBooking
} from '../../guichet/bookings';
import { askQuestion, getRequest, reply } from '../../guichet/requests';
import { seeGuichet } from '../../guichet/access';
import type { SidedBooking } from '../../guichet/booking-record';
import { formatDuration, formatSlotFr, type WeeklyHours } from '../../guichet/slots';
import { attachmentResponse, getAttachment } from '../../guichet/attachments';
import { API_PREFIX, iso } from '../http';
import { ApiResult, defineEndpoint } from '../registry';

const tags = ['Guichet vert'];
const DAY = 86_400_000;
const networkParams = apiNetworkParams;
const idParams = apiIdParams;

// ---------------------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------------------

const SIDES = ['booker', 'animator', 'buyer', 'admin'] as const;
type Side = (typeof SIDES)[number];
const sideOf = (s: string | null): Side | null => (SIDES.includes(s as Side) ? (s as Side) : null);

function bookingDto(b: SidedBooking) {
	const start = new Date(b.starts_at);
	const end = new Date(b.ends_at);
	return {
		id: b.id,
		requestId: b.request_id,
		networkId: b.network_id,
		animatorId: b.animator_id,
		animatorName: b.animator_name ?? null,
		bookerId: b.booker_id,
		bookerName: b.booker_name ?? null,
		orgId: b.org_id,
		start: start.toISOString(),
		end: end.toISOString(),
		label: formatSlotFr({ start, end }),
		modality: b.modality,
		modalityLabel: MODALITIES[b.modality],
		status: b.status,
		topic: b.topic,
		location: b.location ?? null,
		mySide: sideOf(b.side)
	};
}

async function bookingDetail(
	db: Database,
	actor: Actor,
	bookingId: string
): Promise<z.input<typeof guichetBookingSchema>> {
	const b = await getBooking(db, actor, bookingId);
	return {
		...bookingDto(b),
		history: b.history.map((h) => ({
			action: h.action,
			reason: h.reason ?? null,
			actorId: h.actor_id ?? null,
			createdAt: iso(h.created_at)
		}))
	};
}

async function requestDetail(
	db: Database,
	actor: Actor,
	requestId: string
): Promise<z.input<typeof guichetRequestSchema>> {
	const r = await getRequest(db, actor, requestId);
	return {
		id: r.id,
		networkId: r.network_id,
		orgId: r.org_id,
		requesterId: r.requester_id,
		kind: r.kind,
		topic: r.topic,
		segment: r.segment,
		stage: r.stage,
		stageLabel: STAGES[r.stage],
		question: r.question,
		deadline: r.deadline,
		status: r.status,
		assignedAnimatorId: r.assigned_animator_id,
		createdAt: iso(r.created_at),
		answeredAt: iso(r.answered_at),
		closedAt: iso(r.closed_at),
		messages: r.messages.map((m) => ({ id: m.id, authorId: m.author_id, body: m.body, createdAt: iso(m.created_at) })),
		attachments: r.attachments.map((a) => ({
			id: a.id,
			messageId: a.message_id,
			filename: a.filename,
			mediaType: a.mime,
			size: a.size,
			createdAt: iso(a.created_at),
			url: `${API_PREFIX}/guichet/requests/${r.id}/attachments/${a.id}`
		}))
	};
}

async function availability(
	db: Database,
	actor: Actor,
	networkId: string
): Promise<z.input<typeof guichetAvailabilitySchema>> {
	const { profile: p, absences } = await myAvailability(db, actor, networkId);
	if (!p) return { profile: null, weeklyHours: [], absences: [] };
	// The timing rules as the slots see them; the step as stored (null: the default).
	const { weekly, exceptions: _exceptions, slotStepMinutes: _step, ...timing } = p.rules;
	return {
		profile: {
			id: p.id,
			...timing,
			slotStepMinutes: p.slot_step_minutes,
			modalities: p.modalities,
			visioUrl: p.visio_url,
			phone: p.phone,
			address: p.address,
			topics: p.topics,
			confirmationMode: p.confirmation_mode,
			active: p.active
		},
		weeklyHours: weekly.map((h) => ({ weekday: h.weekday, start: h.start, end: h.end })),
		absences: absences.map((a) => ({ id: a.id, start: iso(a.starts_at), end: iso(a.ends_at), reason: a.reason }))
	};
}

// ---------------------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------------------

const slotsQuery = apiSlotsQuery;

export const guichetEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}/guichet/animators',
		operationId: 'listGuichetAnimators',
		summary: 'Les animateurs du guichet d’un réseau',
		description:
			'Les animateurs qui ont ouvert un guichet dans le réseau, avec leurs modalités, sujets et durée de séance. Visible par les animateurs du réseau et les membres de ses collectivités adhérentes.',
		tags,
		scope: 'read',
		params: networkParams,
		response: guichetAnimatorListSchema,
		handler: async ({ db, actor, params }) => {
			const profiles = await listGuichetAnimators(db, actor!, params.id);
			return {
				items: profiles.map((p) => ({
					animatorId: p.animator_id,
					displayName: p.animator_name,
					active: p.active,
					modalities: p.modalities,
					modalityLabels: p.modalities.map((m) => MODALITIES[m]),
					topics: p.topics,
					sessionMinutes: p.session_minutes,
					sessionLabel: formatDuration(p.session_minutes),
					confirmationMode: p.confirmation_mode
				}))
			};
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}/guichet/slots',
		operationId: 'listGuichetSlots',
		summary: 'Les créneaux libres du guichet',
		description:
			'Les créneaux libres entre `from` et `to` (trois mois au plus), d’un animateur ou de tous (`animatorId=any` : à une même heure de début, l’animateur le moins sollicité ce mois-ci). Chaque créneau a ses instants ISO 8601 et son libellé français (heure de Paris).',
		tags,
		scope: 'read',
		params: networkParams,
		query: slotsQuery,
		response: guichetSlotListSchema,
		handler: async ({ db, actor, params, query }) => {
			const from = query.from ? new Date(query.from) : new Date();
			const to = query.to ? new Date(query.to) : new Date(from.getTime() + 14 * DAY);
			const slots = await listFreeSlots(db, actor!, params.id, { animatorId: query.animatorId, from, to });
			return {
				items: slots.map((s) => ({
					start: s.start.toISOString(),
					end: s.end.toISOString(),
					label: formatSlotFr(s),
					animatorId: s.animatorId,
					animatorName: s.animatorName
				}))
			};
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}/guichet/availability',
		operationId: 'getGuichetAvailability',
		summary: 'Vos disponibilités d’animateur',
		description:
			'Votre profil d’animateur dans le réseau, vos horaires hebdomadaires et vos absences. Réservé aux animateurs du réseau.',
		tags,
		scope: 'read',
		params: networkParams,
		response: guichetAvailabilitySchema,
		handler: async ({ db, actor, params }) => {
			return availability(db, actor!, params.id);
		}
	}),
	defineEndpoint({
		method: 'PUT',
		path: '/networks/{id}/guichet/availability',
		operationId: 'putGuichetAvailability',
		summary: 'Enregistrer vos disponibilités d’animateur',
		description:
			'Crée ou remplace votre profil (durée, battements, délai de prévenance, horizon, modalités, sujets, mode de confirmation), vos horaires hebdomadaires et, si `absences` est fourni, toutes vos absences. Les rendez-vous déjà pris ne sont pas modifiés. Réservé aux animateurs du réseau.',
		tags,
		scope: 'write',
		params: networkParams,
		body: guichetAvailabilityInputSchema,
		response: guichetAvailabilitySchema,
		handler: async ({ db, actor, params, body }) => {
			await saveAvailability(db, actor!, params.id, {
				profile: {
					...body.profile,
					slotStepMinutes: body.profile.slotStepMinutes ?? null,
					visioUrl: body.profile.visioUrl ?? null,
					phone: body.profile.phone ?? null,
					address: body.profile.address ?? null
				},
				weeklyHours: body.weeklyHours.map((h) => ({ ...h, weekday: h.weekday as WeeklyHours['weekday'] })),
				absences: body.absences
			});
			return availability(db, actor!, params.id);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/networks/{id}/guichet/bookings',
		operationId: 'listGuichetBookings',
		summary: 'Vos rendez-vous au guichet d’un réseau',
		description:
			'Les rendez-vous que vous avez réservés et ceux que vous animez dans ce réseau, les plus lointains d’abord.',
		tags,
		scope: 'read',
		params: networkParams,
		response: guichetBookingListSchema,
		handler: async ({ db, actor, params }) => {
			return { items: (await listMyBookings(db, actor!, params.id)).map(bookingDto) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/networks/{id}/guichet/bookings',
		operationId: 'createGuichetBooking',
		summary: 'Réserver une séance',
		description:
			'Réserve un créneau libre pour une collectivité adhérente du réseau dont vous êtes membre. Confirmé aussitôt ou en attente de l’animateur selon son mode de confirmation ; les deux parties reçoivent un e-mail avec l’invitation de calendrier. Si le créneau vient d’être pris, réponse 409 `slot_taken` avec les trois prochains créneaux libres dans `details.nextSlots` ; 409 `booker_overlap` si vous avez déjà un rendez-vous à ce moment-là.',
		tags,
		scope: 'write',
		params: networkParams,
		body: guichetBookingInputSchema,
		response: guichetBookingSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await seeGuichet(db, actor!, params.id);
			const booked = await bookSession(db, actor!, { ...body, networkId: params.id });
			return new ApiResult(await bookingDetail(db, actor!, booked.id), 201, {
				location: `${API_PREFIX}/guichet/bookings/${booked.id}`
			});
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/guichet/bookings/{id}',
		operationId: 'getGuichetBooking',
		summary: 'Un rendez-vous du guichet',
		description:
			'Le rendez-vous et son historique. Visible par la personne qui l’a réservé, ses collègues de la collectivité et les animateurs du réseau.',
		tags,
		scope: 'read',
		params: idParams,
		response: guichetBookingSchema,
		handler: async ({ db, actor, params }) => bookingDetail(db, actor!, params.id)
	}),
	defineEndpoint({
		method: 'POST',
		path: '/guichet/bookings/{id}/confirm',
		operationId: 'confirmGuichetBooking',
		summary: 'Confirmer un rendez-vous',
		description:
			'Confirme un rendez-vous en attente. Réservé aux animateurs du réseau ; la personne qui a réservé est prévenue par e-mail.',
		tags,
		scope: 'write',
		params: idParams,
		response: guichetBookingSchema,
		errors: [409],
		handler: async ({ db, actor, params }) => {
			await confirmBooking(db, actor!, params.id);
			return bookingDetail(db, actor!, params.id);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/guichet/bookings/{id}/cancel',
		operationId: 'cancelGuichetBooking',
		summary: 'Annuler un rendez-vous',
		description:
			'Annule le rendez-vous avec un motif, communiqué à l’autre partie. La personne qui a réservé peut annuler si le réseau le permet et avant le délai minimal (409 `too_late` sinon).',
		tags,
		scope: 'write',
		params: idParams,
		body: guichetReasonInputSchema,
		response: guichetBookingSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await cancelBooking(db, actor!, params.id, body.reason);
			return bookingDetail(db, actor!, params.id);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/guichet/bookings/{id}/reschedule',
		operationId: 'rescheduleGuichetBooking',
		summary: 'Déplacer un rendez-vous',
		description:
			'Déplace le rendez-vous sur un autre créneau libre du même animateur, avec un motif. Si le créneau est pris : 409 `slot_taken` avec les prochains créneaux libres dans `details.nextSlots`.',
		tags,
		scope: 'write',
		params: idParams,
		body: guichetRescheduleInputSchema,
		response: guichetBookingSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await rescheduleBooking(db, actor!, params.id, { start: body.start, reason: body.reason });
			return bookingDetail(db, actor!, params.id);
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/networks/{id}/guichet/questions',
		operationId: 'askGuichetQuestion',
		summary: 'Poser une question minute',
		description:
			'Pose une question aux animateurs du réseau (ou à l’un d’eux) pour une collectivité adhérente dont vous êtes membre ; ils sont prévenus par e-mail et répondent par des messages.',
		tags,
		scope: 'write',
		params: networkParams,
		body: guichetQuestionInputSchema,
		response: guichetRequestSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => {
			await seeGuichet(db, actor!, params.id);
			const id = await askQuestion(db, actor!, { ...body, networkId: params.id, animatorId: body.animatorId ?? null });
			return new ApiResult(await requestDetail(db, actor!, id), 201, {
				location: `${API_PREFIX}/guichet/requests/${id}`
			});
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/guichet/requests/{id}',
		operationId: 'getGuichetRequest',
		summary: 'Une demande au guichet, avec ses messages',
		description:
			'Une question minute ou une demande de séance, et ses messages dans l’ordre. Visible par la collectivité qui l’a posée et les animateurs du réseau.',
		tags,
		scope: 'read',
		params: idParams,
		response: guichetRequestSchema,
		handler: async ({ db, actor, params }) => requestDetail(db, actor!, params.id)
	}),
	defineEndpoint({
		method: 'GET',
		path: '/guichet/requests/{id}/attachments/{fileId}',
		operationId: 'getGuichetAttachment',
		summary: 'Télécharger une pièce jointe',
		description:
			'Le fichier tel qu’il a été déposé, avec son type reconnu d’après le contenu. Seules les personnes qui voient la demande y ont accès (404 sinon, même avec un identifiant deviné).',
		tags,
		scope: 'read',
		params: apiAttachmentParams,
		status: 200,
		produces: [
			{
				mediaType: 'application/octet-stream',
				description: 'Le fichier (PDF, DOCX, ODT, XLSX, PNG ou JPEG) ; Content-Type donne son type réel.',
				headers: { 'Content-Disposition': 'Pièce jointe et nom du fichier (attachment; filename=…).' }
			}
		],
		handler: async ({ db, actor, params }) => {
			return attachmentResponse(await getAttachment(db, actor!, params.id, params.fileId));
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/guichet/requests/{id}/messages',
		operationId: 'postGuichetMessage',
		summary: 'Écrire un message de suivi',
		description:
			'Ajoute un message à la demande. Le message d’un animateur répond à la question ; celui de la collectivité la rouvre. Une demande close refuse les messages (409 `closed`).',
		tags,
		scope: 'write',
		params: idParams,
		body: guichetMessageInputSchema,
		response: guichetRequestSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await reply(db, actor!, params.id, body.body);
			return new ApiResult(await requestDetail(db, actor!, params.id), 201);
		}
	})
];
