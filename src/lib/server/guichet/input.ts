// Guichet vert inputs: the only zod schemas of the capability, with their French messages.
// - Service rules (parsed by the services themselves, whoever calls them: pages, API, tests): `parseInput`
//   turns the first issue into AppError 400 `invalid` with its field.
// - Form schemas (the pages' actions, through parseForm) and the API's query and parameters.
// Rules that depend on the database (who animates a network, whether a slot is free) stay in SQL and the services.
import { z } from 'zod';
import { uuid } from '$lib/server/kit/input';
import { AppError } from '$lib/server/kit/errors';
import { CONFIRMATION_MODES, MODALITY_KEYS, STAGE_KEYS, type Modality } from '$lib/guichet/labels';

const NBSP = '\u00a0';
const DAY = 86_400_000;
const cap = (s: string) => `${s[0].toUpperCase()}${s.slice(1)}`;

/** An AppError 400 `invalid` naming the field (also for the refusals of database-dependent rules). */
export const invalid = (message: string, field?: string) =>
	new AppError('invalid', message, 400, field ? { field } : undefined);

/** Parses a service input; the first issue becomes AppError 400 `invalid` (field: the last named path segment). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
	const parsed = schema.safeParse(value);
	if (parsed.success) return parsed.data;
	const issue = parsed.error.issues[0];
	const field = [...issue.path].reverse().find((p) => typeof p === 'string') as string | undefined;
	throw invalid(issue.message, field);
}

// ---------------------------------------------------------------------------------------------------------
// Service rules
// ---------------------------------------------------------------------------------------------------------
/** Free text: trimmed; required unless `required` is false (then anything but a string reads as ''). */
export function text(label: string, max: number, required = true) {
	const s = z
		.string()
		.trim()
		.max(max, { error: `${cap(label)} ne doit pas dépasser ${max}${NBSP}caractères.` });
	return z.preprocess(
		(v) => (typeof v === 'string' ? v : ''),
		required ? s.min(1, { error: `Indiquez ${label}.` }) : s
	);
}

/** A Date, or a string a Date can be made of. */
export const instant = z
	.custom<Date | string>((v) => v instanceof Date || typeof v === 'string', { error: 'La date indiquée est invalide.' })
	.transform((v, ctx) => {
		const d = v instanceof Date ? v : new Date(v);
		if (Number.isNaN(d.getTime())) {
			ctx.addIssue({ code: 'custom', message: 'La date indiquée est invalide.' });
			return z.NEVER;
		}
		return d;
	});

export const modality = z.enum(MODALITY_KEYS, { error: 'Choisissez une modalité.' });

/** The fields of a question minute or a session request, as the services check them. */
export const requestRules = z.object({
	topic: text('le sujet', 200),
	segment: text("le segment d'achat", 200, false),
	question: text('votre question', 10000),
	stage: z.enum(STAGE_KEYS, { error: "Choisissez l'étape de l'achat." }),
	deadline: z
		.string()
		.regex(/^\d{4}-\d{2}-\d{2}$/, { error: "La date d'échéance est invalide." })
		.or(z.literal(''))
		.nullish()
		.transform((v) => v || null)
});

export const bookingRules = z.object({ start: instant, modality });
export const messageRules = z.object({ body: text('votre message', 10000) });
export const redirectRules = z.object({ reason: text('le motif', 2000) });
export const cancelRules = z.object({ reason: text("le motif de l'annulation", 2000) });
export const rescheduleRules = z.object({ reason: text('le motif du changement', 2000), start: instant });

/** An integer between min and max, one message for every way of missing it. */
const intBetween = (min: number, max: number, message: string) =>
	z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });

const noticeMinutes = intBetween(0, 43200, 'Le délai doit être un nombre de minutes entre 0 et 43 200 (30 jours).');
export const settingsRules = z.object({
	cancelMinNoticeMinutes: noticeMinutes,
	rescheduleMinNoticeMinutes: noticeMinutes
});

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
export const weeklyHoursRules = z.array(
	z
		.object({
			weekday: intBetween(1, 7, 'Jour de la semaine invalide.'),
			start: z.unknown(),
			end: z.unknown()
		})
		.superRefine((h, ctx) => {
			if (
				typeof h.start !== 'string' ||
				typeof h.end !== 'string' ||
				!HHMM.test(h.start) ||
				!HHMM.test(h.end) ||
				h.start >= h.end
			)
				ctx.addIssue({
					code: 'custom',
					path: ['hours'],
					message: 'Chaque plage horaire doit avoir un début avant la fin (format HH:MM).'
				});
		})
);

const MODALITIES_NEEDED = 'Choisissez au moins une modalité (visio, téléphone ou sur place).';
/** The modalities offered and the details each needs (a visio link, a phone number, an address). */
export const profileRules = z
	.object({
		modalities: z
			.array(z.unknown(), { error: MODALITIES_NEEDED })
			.transform((m) => [...new Set(m)])
			.refine((m): m is Modality[] => m.length > 0 && m.every((x) => (MODALITY_KEYS as unknown[]).includes(x)), {
				error: MODALITIES_NEEDED
			}),
		visioUrl: z.string().nullish(),
		phone: z.string().nullish(),
		address: z.string().nullish()
	})
	.superRefine((p, ctx) => {
		if (p.modalities.includes('visio') && !/^https:\/\//.test(p.visioUrl ?? ''))
			ctx.addIssue({
				code: 'custom',
				path: ['visioUrl'],
				message: 'Indiquez le lien de visioconférence (adresse commençant par https://).'
			});
		else if (p.modalities.includes('telephone') && !p.phone?.trim())
			ctx.addIssue({ code: 'custom', path: ['phone'], message: 'Indiquez le numéro de téléphone.' });
		else if (p.modalities.includes('sur_place') && !p.address?.trim())
			ctx.addIssue({ code: 'custom', path: ['address'], message: "Indiquez l'adresse du rendez-vous sur place." });
	});

export const exceptionRules = z
	.object({ start: instant, end: instant, reason: z.string().nullish() })
	.refine((x) => x.end > x.start, { path: ['end'], error: "La fin de l'absence doit suivre son début." });

export const slotRangeRules = z
	.object({ from: z.date(), to: z.date() })
	.refine((r) => r.to > r.from, { path: ['to'], error: 'La fin de la période doit suivre son début.' })
	.refine((r) => r.to.getTime() - r.from.getTime() <= 92 * DAY, {
		path: ['to'],
		error: 'La période demandée ne doit pas dépasser trois mois.'
	});

/** A calendar feed token as createFeedToken makes them (base32); anything else is unknown. */
export const feedToken = z.string().regex(/^[a-z2-7]{16,64}$/);

export const reportRules = z
	.object({
		outcome: z.enum(['done', 'no_show'], { error: 'Indiquez si la séance a eu lieu.' }),
		advice: text('les conseils donnés', 20000, false),
		nextSteps: text('les prochaines étapes', 10000, false)
	})
	.refine((r) => r.outcome !== 'done' || r.advice !== '', { path: ['advice'], error: 'Indiquez les conseils donnés.' });

export const surveyRules = z.object({
	rating: intBetween(1, 5, 'Choisissez une note de 1 à 5.'),
	comment: text('le commentaire', 2000, false)
});

// ---------------------------------------------------------------------------------------------------------
// Forms (the pages' actions)
// ---------------------------------------------------------------------------------------------------------
/** Fields shared by a question minute and a session request. */
export const requestForm = {
	topic: z
		.string({ error: 'Indiquez le sujet.' })
		.trim()
		.min(1, { error: 'Indiquez le sujet.' })
		.max(200, { error: 'Le sujet ne doit pas dépasser 200 caractères.' }),
	segment: z
		.string()
		.trim()
		.max(200, { error: "Le segment d'achat ne doit pas dépasser 200 caractères." })
		.optional()
		.default(''),
	stage: z.enum(STAGE_KEYS, { error: "Choisissez l'étape de l'achat." }),
	question: z
		.string({ error: 'Indiquez votre question.' })
		.trim()
		.min(1, { error: 'Indiquez votre question.' })
		.max(10000, { error: 'Votre question ne doit pas dépasser 10 000 caractères.' }),
	deadline: z
		.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "La date d'échéance est invalide." })])
		.optional()
};
export const questionForm = z.object(requestForm);
export const bookForm = z.object({
	...requestForm,
	animatorId: z.string().min(1),
	start: z.string({ error: 'Choisissez un créneau.' }).min(1, { error: 'Choisissez un créneau.' }),
	modality: z.enum(MODALITY_KEYS, { error: 'Choisissez une modalité.' })
});

export const revokeFeedForm = z.object({
	intent: z.literal('revoke').optional(),
	id: z.uuid({ error: 'Lien inconnu.' })
});

export const replyForm = z.object({
	body: z
		.string({ error: 'Écrivez votre message.' })
		.trim()
		.min(1, { error: 'Écrivez votre message.' })
		.max(10000, { error: 'Le message ne doit pas dépasser 10 000 caractères.' })
});

const reasonField = z
	.string({ error: 'Indiquez le motif.' })
	.trim()
	.min(1, { error: 'Indiquez le motif.' })
	.max(2000, { error: 'Le motif ne doit pas dépasser 2 000 caractères.' });
export const redirectForm = z.object({
	intent: z.literal('redirect').optional(),
	animatorId: z.uuid({ error: 'Choisissez la personne à qui confier la demande.' }),
	reason: reasonField
});
export const cancelForm = z.object({ reason: reasonField });
export const rescheduleForm = z.object({
	reason: reasonField,
	start: z.string({ error: 'Choisissez un nouveau créneau.' }).min(1, { error: 'Choisissez un nouveau créneau.' })
});
export const reportForm = z.object({
	outcome: z.enum(['done', 'no_show'], { error: 'Indiquez si la séance a eu lieu.' }),
	advice: z
		.string()
		.trim()
		.max(20000, { error: 'Les conseils ne doivent pas dépasser 20 000 caractères.' })
		.optional()
		.default(''),
	nextSteps: z
		.string()
		.trim()
		.max(10000, { error: 'Les prochaines étapes ne doivent pas dépasser 10 000 caractères.' })
		.optional()
		.default('')
});
const rating = 'Choisissez une note de 1 à 5.';
export const surveyForm = z.object({
	rating: z.coerce.number({ error: rating }).int({ error: rating }).min(1, { error: rating }).max(5, { error: rating }),
	comment: z
		.string()
		.trim()
		.max(2000, { error: 'Le commentaire ne doit pas dépasser 2 000 caractères.' })
		.optional()
		.default('')
});

const int = (label: string, min: number, max: number) =>
	z.coerce
		.number({ error: `Indiquez ${label} (nombre entier).` })
		.int({ error: `Indiquez ${label} (nombre entier).` })
		.min(min, { error: `${cap(label)} : entre ${min} et ${max}.` })
		.max(max, { error: `${cap(label)} : entre ${min} et ${max}.` });

export const profileForm = z.object({
	sessionMinutes: int('la durée de séance en minutes', 10, 480),
	bufferBeforeMinutes: int('la marge avant en minutes', 0, 240),
	bufferAfterMinutes: int('la marge après en minutes', 0, 240),
	minNoticeHours: int('le délai de prévenance en heures', 0, 720),
	horizonDays: int('l’horizon de réservation en jours', 1, 365),
	maxPerDay: int('le nombre maximal de séances par jour', 1, 50).optional(),
	modalities: z
		.array(z.enum(MODALITY_KEYS), { error: 'Choisissez au moins une modalité.' })
		.min(1, { error: 'Choisissez au moins une modalité.' }),
	visioUrl: z.string().trim().optional(),
	phone: z.string().trim().optional(),
	address: z.string().trim().optional(),
	topics: z.string().max(2000, { error: 'La liste des thèmes est trop longue.' }).optional(),
	confirmationMode: z.enum(CONFIRMATION_MODES, { error: 'Choisissez le mode de confirmation.' }),
	active: z.literal('on').optional(),
	socialClauseFacilitator: z.literal('on').optional()
});

export const settingsForm = z.object({
	intent: z.literal('settings').optional(),
	cancelNoticeHours: int('le délai d’annulation en heures', 0, 720),
	rescheduleNoticeHours: int('le délai de report en heures', 0, 720),
	buyerMayCancel: z.literal('on').optional(),
	buyerMayReschedule: z.literal('on').optional()
});

export const hoursForm = z.object({
	weekday: z.coerce
		.number({ error: 'Choisissez le jour.' })
		.int()
		.min(1, { error: 'Choisissez le jour.' })
		.max(7, { error: 'Choisissez le jour.' }),
	start: z
		.string({ error: "Indiquez l'heure de début." })
		.regex(/^\d{2}:\d{2}$/, { error: "Indiquez l'heure de début (HH:MM)." }),
	end: z
		.string({ error: "Indiquez l'heure de fin." })
		.regex(/^\d{2}:\d{2}$/, { error: "Indiquez l'heure de fin (HH:MM)." })
});
export const removeHoursForm = z.object({ hourId: z.string().optional().default('') });
export const removeAbsenceForm = z.object({ absenceId: z.string().optional().default('') });

const localDateTime = (label: string) =>
	z
		.string({ error: `Indiquez ${label}.` })
		.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, { error: `Indiquez ${label} (date et heure).` });
export const absenceForm = z.object({
	start: localDateTime('le début de l’absence'),
	end: localDateTime('la fin de l’absence'),
	reason: z.string().trim().max(500, { error: 'Le motif ne doit pas dépasser 500 caractères.' }).optional()
});

/** The dashboard's `?annee=`: a year from 2020 to next year, this year otherwise. */
export function dashboardYear(asked: string | null, thisYear: number): number {
	const year = Number(asked);
	return Number.isInteger(year) && year >= 2020 && year <= thisYear + 1 ? year : thisYear;
}

// ---------------------------------------------------------------------------------------------------------
// JSON API query and parameters (the API's bodies are registered with their OpenAPI names in schemas/api.ts,
// which browser code also imports: they move here when that registry becomes server-only)
// ---------------------------------------------------------------------------------------------------------
const instantQuery = (what: string) =>
	z.iso
		.datetime({
			offset: true,
			error: `${what} : indiquez une date et heure ISO 8601 (par exemple 2030-01-09T10:00:00+01:00).`
		})
		.optional();
export const apiSlotsQuery = z.object({
	animatorId: z
		.union([z.uuid({ error: 'Identifiant invalide.' }), z.literal('any')], {
			error: 'Indiquez l’identifiant d’un animateur ou « any ».'
		})
		.default('any')
		.describe('Un animateur, ou « any » (par défaut) : tous les animateurs, un créneau par heure de début.'),
	from: instantQuery('Début').describe('Début de la période (par défaut : maintenant).'),
	to: instantQuery('Fin').describe('Fin de la période (par défaut : 14 jours après le début ; trois mois au plus).')
});
export const apiNetworkParams = z.object({ id: uuid });
export const apiIdParams = z.object({ id: uuid });
export const apiAttachmentParams = z.object({ id: uuid, fileId: uuid });
