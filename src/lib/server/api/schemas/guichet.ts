// Schemas of the JSON API (/api/v1): Guichet vert. Registered under stable names for the OpenAPI document (see ./core.ts).
import { z } from 'zod';
import { apiInput, apiOutput, calendarDate, id, isoDate, listOf } from './core';
import { CONFIRMATION_MODES, MODALITY_KEYS, STAGE_KEYS } from '$lib/guichet/labels';

// ---------------------------------------------------------------------------------------------------------
// Guichet vert
// ---------------------------------------------------------------------------------------------------------
const guichetModality = z
	.enum(MODALITY_KEYS, { error: 'Modalité inconnue : visio, telephone ou sur_place.' })
	.describe('Modalité : visio (visioconférence), telephone ou sur_place.');
const guichetStage = z
	.enum(STAGE_KEYS, {
		error: 'Étape inconnue : definition_besoin, redaction_dce, analyse_offres, execution ou spaser.'
	})
	.describe("Étape de l'achat : definition_besoin, redaction_dce, analyse_offres, execution ou spaser.");
const guichetInstant = z.iso.datetime({
	offset: true,
	error: 'Indiquez une date et heure ISO 8601 (par exemple 2030-01-09T10:00:00+01:00).'
});
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
	confirmationMode: z
		.enum(['auto', 'manual'])
		.describe('auto : rendez-vous confirmé aussitôt ; manual : l’animateur confirme.')
});
export const guichetAnimatorListSchema = apiOutput(
	listOf(guichetAnimatorSchema),
	'GuichetAnimatorList',
	'Les animateurs du guichet du réseau.'
);

export const guichetSlotSchema = z.object({
	start: isoDate,
	end: isoDate,
	label: z
		.string()
		.describe('Le créneau en français, heure de Paris (« mercredi 9 janvier 2030, 10 h 00 – 11 h 00 »).'),
	animatorId: id,
	animatorName: z.string()
});
export const guichetSlotListSchema = apiOutput(
	listOf(guichetSlotSchema),
	'GuichetSlotList',
	'Créneaux libres, du plus proche au plus lointain.'
);

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
	maxPerDay: z
		.number()
		.int({ error: 'Maximum par jour : un nombre entier.' })
		.min(1, { error: 'Maximum par jour : au moins 1.' })
		.max(50)
		.nullable()
		.describe('Nombre maximal de séances par jour (null : sans limite).'),
	slotStepMinutes: minutes(5, 480, 'Pas des créneaux')
		.nullable()
		.optional()
		.describe('Écart entre deux débuts de créneau (par défaut : la durée de séance).'),
	modalities: z.array(guichetModality).min(1, { error: 'Choisissez au moins une modalité.' }),
	visioUrl: z
		.string()
		.trim()
		.max(500)
		.nullable()
		.optional()
		.describe('Lien de visioconférence (https://…), obligatoire avec la modalité visio.'),
	phone: z
		.string()
		.trim()
		.max(50)
		.nullable()
		.optional()
		.describe('Numéro de téléphone, obligatoire avec la modalité telephone.'),
	address: z
		.string()
		.trim()
		.max(500)
		.nullable()
		.optional()
		.describe('Adresse, obligatoire avec la modalité sur_place.'),
	topics: z
		.array(
			z
				.string()
				.trim()
				.min(1, { error: 'Un sujet ne peut pas être vide.' })
				.max(200, { error: 'Un sujet est limité à 200 caractères.' })
		)
		.max(50),
	confirmationMode: z.enum(CONFIRMATION_MODES, { error: 'Mode de confirmation : auto ou manual.' }),
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
		absences: z
			.array(z.object({ id, start: isoDate, end: isoDate, reason: z.string() }))
			.describe('Absences et indisponibilités.')
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
				if (h.start >= h.end)
					ctx.addIssue({
						code: 'custom',
						path: ['weeklyHours', i, 'end'],
						message: 'La fin de la plage doit suivre son début.'
					});
			});
			v.absences?.forEach((a, i) => {
				if (new Date(a.end) <= new Date(a.start))
					ctx.addIssue({
						code: 'custom',
						path: ['absences', i, 'end'],
						message: "La fin de l'absence doit suivre son début."
					});
			});
		}),
	'GuichetAvailabilityInput',
	'Remplace votre profil, vos horaires hebdomadaires et (si fournies) vos absences.'
);

const guichetRequestFields = {
	orgId: id
		.optional()
		.describe(
			'La collectivité pour laquelle vous demandez (par défaut : votre première collectivité adhérente du réseau).'
		),
	topic: z
		.string()
		.trim()
		.min(1, { error: 'Indiquez le sujet.' })
		.max(200, { error: 'Le sujet est limité à 200 caractères.' }),
	segment: z.string().trim().max(200, { error: "Le segment d'achat est limité à 200 caractères." }).optional(),
	stage: guichetStage,
	question: z
		.string()
		.trim()
		.min(1, { error: 'Indiquez votre question.' })
		.max(10000, { error: 'La question est limitée à 10 000 caractères.' }),
	deadline: calendarDate.nullable().optional().describe('Échéance de votre achat, le cas échéant.')
};

export const guichetBookingInputSchema = apiInput(
	z.object({
		animatorId: z
			.union([z.uuid({ error: 'Identifiant invalide.' }), z.literal('any')], {
				error: 'Indiquez l’identifiant de l’animateur ou « any ».'
			})
			.default('any')
			.describe(
				'Animateur choisi, ou « any » (par défaut) : le moins sollicité ce mois-ci parmi ceux qui sont libres.'
			),
		start: guichetInstant.describe('Début du créneau (un `start` renvoyé par /guichet/slots).'),
		modality: guichetModality,
		...guichetRequestFields
	}),
	'GuichetBookingInput',
	'Réservation d’une séance de conseil sur un créneau libre.'
);
export const guichetQuestionInputSchema = apiInput(
	z.object({
		animatorId: id
			.optional()
			.describe('Animateur à qui poser la question (par défaut : tous les animateurs du réseau).'),
		...guichetRequestFields
	}),
	'GuichetQuestionInput',
	'Une question minute aux animateurs du réseau.'
);
export const guichetReasonInputSchema = apiInput(
	z.object({
		reason: z
			.string()
			.trim()
			.min(1, { error: 'Indiquez le motif.' })
			.max(2000, { error: 'Le motif est limité à 2 000 caractères.' })
	}),
	'GuichetReasonInput',
	'Le motif, communiqué à l’autre partie.'
);
export const guichetRescheduleInputSchema = apiInput(
	z.object({
		start: guichetInstant.describe('Nouveau début (un créneau libre du même animateur).'),
		reason: z
			.string()
			.trim()
			.min(1, { error: 'Indiquez le motif.' })
			.max(2000, { error: 'Le motif est limité à 2 000 caractères.' })
	}),
	'GuichetRescheduleInput',
	'Nouveau créneau et motif du changement.'
);
export const guichetMessageInputSchema = apiInput(
	z.object({
		body: z
			.string()
			.trim()
			.min(1, { error: 'Indiquez votre message.' })
			.max(10000, { error: 'Le message est limité à 10 000 caractères.' })
	}),
	'GuichetMessageInput',
	'Un message de suivi.'
);

const guichetBookingStatus = z
	.enum(['pending', 'confirmed', 'cancelled', 'done', 'no_show'])
	.describe('pending (à confirmer), confirmed, cancelled, done (a eu lieu) ou no_show.');
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
	mySide: z
		.enum(['booker', 'animator', 'buyer', 'admin'])
		.nullable()
		.describe('Votre place : booker (vous avez réservé), animator, buyer (un collègue a réservé) ou admin.')
};
export const guichetBookingListSchema = apiOutput(
	listOf(z.object(guichetBookingFields)),
	'GuichetBookingList',
	'Vos rendez-vous dans ce réseau, comme personne qui réserve ou comme animateur.'
);
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
		kind: z
			.enum(['question', 'session'])
			.describe('question (question minute) ou session (demande liée à un rendez-vous).'),
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
					messageId: id
						.nullable()
						.describe('Le message qui porte le fichier, ou null pour un fichier joint à la demande.'),
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
