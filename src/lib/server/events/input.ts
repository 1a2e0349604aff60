// Events: every input of the capability (forms, actions and the JSON API), with its French messages.
import { z } from 'zod';
import { uuid } from '$lib/server/kit/input';
import { apiInput } from '$lib/server/api/schemas';
import { AUDIENCES, EVENT_KINDS, type Audience, type EventKind } from '$lib/events/labels';
import { parisParts } from './format';
import { isUuid } from '$lib/server/kit/ids';

/** A local date-time from <input type="datetime-local"> (Europe/Paris) or an ISO instant. */
const dateTime = (label: string) =>
	z
		.string({ error: `Indiquez ${label}.` })
		.trim()
		.refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s) && !Number.isNaN(parseLocal(s).getTime()), {
			error: `${label[0].toUpperCase()}${label.slice(1)} n'est pas une date valable.`
		})
		.transform(parseLocal);
const optionalDateTime = (label: string) => dateTime(label).optional();

/** Paris wall-clock time "2030-03-12T09:30" → instant; strings with an offset or Z are taken as they are. */
export function parseLocal(s: string): Date {
	if (/(Z|[+-]\d{2}:?\d{2})$/.test(s)) return new Date(s);
	const [d, t] = s.split('T');
	const [y, mo, da] = d.split('-').map(Number);
	const [h, mi] = t.split(':').map(Number);
	// Find the UTC instant whose Paris wall time is the one given (two passes settle DST).
	let guess = Date.UTC(y, mo - 1, da, h, mi);
	for (let i = 0; i < 2; i++) {
		const p = parisParts(new Date(guess));
		const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute);
		guess -= wall - Date.UTC(y, mo - 1, da, h, mi);
	}
	return new Date(guess);
}

const optionalInt = (label: string, min: number, max: number) =>
	z.preprocess(
		(v) => (v === '' || v === undefined || v === null ? undefined : typeof v === 'string' ? Number(v) : v),
		z
			.number({ error: `${label} doit être un nombre.` })
			.int({ error: `${label} doit être un nombre entier.` })
			.min(min, { error: `${label} doit être au moins ${min}.` })
			.max(max, { error: `${label} ne peut pas dépasser ${max}.` })
			.optional()
	);

const eventFields = z.object({
	kind: z.enum(Object.keys(EVENT_KINDS) as [EventKind, ...EventKind[]], { error: "Choisissez le type d'événement." }),
	title: z
		.string({ error: 'Indiquez un titre.' })
		.trim()
		.min(3, { error: 'Le titre doit compter au moins 3 caractères.' })
		.max(200),
	description: z.string().trim().max(20000).optional().default(''),
	organiser: z
		.string({ error: "Choisissez l'organisateur." })
		.refine((s) => /^(network|org):/.test(s) && isUuid(s.slice(s.indexOf(':') + 1)), {
			error: "Choisissez l'organisateur."
		}),
	partners: z.string().trim().max(2000).optional().default(''),
	themes: z.string().trim().max(1000).optional().default(''),
	audience: z.enum(Object.keys(AUDIENCES) as [Audience, ...Audience[]], { error: 'Choisissez le public.' }),
	place: z.string().trim().max(500).optional().default(''),
	visioUrl: z
		.string()
		.trim()
		.regex(/^https:\/\/\S+$/, { error: 'Le lien de visio doit commencer par https://.' })
		.optional(),
	startsAt: dateTime('la date de début'),
	endsAt: dateTime('la date de fin'),
	registrationOpensAt: optionalDateTime("la date d'ouverture des inscriptions"),
	registrationClosesAt: optionalDateTime('la date de clôture des inscriptions'),
	capacity: optionalInt('La capacité', 1, 100000),
	perOrgLimit: optionalInt('La limite par collectivité', 1, 1000),
	offerHours: optionalInt('Le délai de réponse', 1, 720),
	/** Check-in opens this many minutes before each session; empty: from the start of the session's day. */
	checkinOpensMinutes: optionalInt("L'ouverture du pointage", 0, 1440)
});
type Dates = { startsAt: Date; endsAt: Date; registrationOpensAt?: Date; registrationClosesAt?: Date };
const datesInOrder = <T extends z.ZodType<Dates>>(schema: T) =>
	schema
		.refine((v) => v.startsAt < v.endsAt, { error: 'La fin doit être après le début.', path: ['endsAt'] })
		.refine(
			(v) => !v.registrationOpensAt || !v.registrationClosesAt || v.registrationOpensAt < v.registrationClosesAt,
			{
				error: 'La clôture des inscriptions doit être après leur ouverture.',
				path: ['registrationClosesAt']
			}
		);
export const eventInputSchema = datesInOrder(eventFields);
/** Editing: the organiser does not change. */
export const eventUpdateSchema = datesInOrder(eventFields.omit({ organiser: true }));
export type EventInput = z.infer<typeof eventInputSchema>;
export type EventUpdate = z.infer<typeof eventUpdateSchema>;

export const choiceGroupInputSchema = z.object({
	title: z.string({ error: 'Indiquez un intitulé.' }).trim().min(1, { error: 'Indiquez un intitulé.' }).max(200)
});

export const sessionInputSchema = z
	.object({
		title: z.string({ error: 'Indiquez un titre.' }).trim().min(1, { error: 'Indiquez un titre.' }).max(200),
		description: z.string().trim().max(5000).optional().default(''),
		startsAt: dateTime('le début de la séance'),
		endsAt: dateTime('la fin de la séance'),
		room: z.string().trim().max(200).optional().default(''),
		speakers: z.string().trim().max(1000).optional().default(''),
		capacity: optionalInt('La capacité', 1, 100000),
		choiceGroupId: uuid.optional()
	})
	.refine((v) => v.startsAt < v.endsAt, { error: 'La fin doit être après le début.', path: ['endsAt'] });
export type SessionInput = z.infer<typeof sessionInputSchema>;

export const registrationInputSchema = z.object({
	/** The person registered (default: the caller). */
	userId: uuid.optional(),
	orgId: uuid.optional(),
	choices: z.array(uuid).max(50).optional().default([])
});
export type RegistrationInput = z.infer<typeof registrationInputSchema>;

export const walkInInputSchema = z.object({
	fullName: z.string({ error: 'Indiquez le nom.' }).trim().min(1, { error: 'Indiquez le nom.' }).max(200),
	email: z.string().trim().max(254).optional().default(''),
	orgName: z.string().trim().max(200).optional().default(''),
	choices: z.array(uuid).max(50).optional().default([])
});

export const checkInInputSchema = z
	.object({
		code: z
			.string()
			.trim()
			.regex(/^[0-9a-f]{32}$/, { error: "Ce code n'est pas un code d'inscription." })
			.optional(),
		registrationId: uuid.optional()
	})
	.refine((v) => !!v.code !== !!v.registrationId, { error: 'Indiquez un code ou une inscription.', path: ['code'] });

export const cancelEventInputSchema = z.object({
	reason: z.string().trim().max(2000).optional().default('')
});

export const apiRegistrationInputSchema = z.object({
	userId: uuid
		.optional()
		.describe('La personne à inscrire (vous par défaut ; un collègue si vous administrez sa collectivité).'),
	orgId: uuid.optional().describe('La collectivité au titre de laquelle la personne s’inscrit.'),
	choices: z.array(uuid).max(50).optional().default([]).describe('Une séance par groupe de choix.')
});
export const eventPublishInputSchema = apiInput(
	z.object({ published: z.boolean({ error: 'published : true ou false.' }) }),
	'EventPublishInput',
	'true : publier (inscriptions ouvertes selon les dates) ; false : repasser en brouillon.'
);
// The form schemas double as API request bodies.
apiInput(
	eventInputSchema,
	'EventInput',
	'Un événement : type, titre, organisateur, public, lieu ou visio, dates, inscriptions.'
);
apiInput(choiceGroupInputSchema, 'EventChoiceGroupInput', 'Intitulé du groupe d’ateliers au choix.');
apiInput(
	sessionInputSchema,
	'EventSessionInput',
	'Une séance : titre, horaires, salle, intervenants, capacité, groupe de choix.'
);
apiInput(
	apiRegistrationInputSchema,
	'EventRegistrationInput',
	'La personne à inscrire, sa collectivité et ses choix d’ateliers.'
);
apiInput(checkInInputSchema, 'EventCheckInInput', 'Le code lu sur le QR code, ou l’identifiant de l’inscription.');

/** Organiser forms: a choice group or a session to delete, a check-in to undo. */
export const groupIdInputSchema = z.object({ groupId: uuid });
export const sessionIdInputSchema = z.object({ sessionId: uuid });
/** Saving a session: a new one, or the one being edited. */
export const sessionSaveInputSchema = sessionInputSchema.and(z.object({ sessionId: uuid.optional() }));
export const registrationIdInputSchema = z.object({ registrationId: uuid });

/** ?reseau=<uuid> of the figures pages (anything else: no network). */
export const networkQuerySchema = uuid.optional().catch(undefined);
/** ?reseau=<slug> of the public agenda feed (anything else: every network). */
export const networkSlugSchema = z
	.string()
	.regex(/^[a-z0-9-]{1,80}$/)
	.nullable()
	.catch(null);

// JSON API: paths and queries.
export const eventIdParams = z.object({ id: uuid });
export const checkInParams = z.object({ id: uuid, registrationId: uuid });
export const eventListQuerySchema = z.object({
	scope: z
		.enum(['upcoming', 'past', 'organised'], { error: 'scope : upcoming, past ou organised.' })
		.default('upcoming')
});
/** ?format=xlsx of the exports (CSV otherwise). */
export const exportFormat = (url: URL): 'csv' | 'xlsx' => (url.searchParams.get('format') === 'xlsx' ? 'xlsx' : 'csv');

/** The year asked in ?annee= (the current year by default). */
export function yearOf(url: URL) {
	const y = Number(url.searchParams.get('annee'));
	return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : new Date().getFullYear();
}
