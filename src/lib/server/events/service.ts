// Trainings and network events: events and their programme, registrations with one waiting list per event,
// offers, attendance, figures. Every call runs through withUser (row-level security decides); capacity and the
// waiting list live in security-definer functions of the migration that lock the event row. E-mails are queued in
// the same transaction as the action.
import QRCode from 'qrcode';
import type { Actor, Database, Tx } from '../db';
import { asService, elevated, withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, notFound, toAppError } from '$lib/server/kit/errors';
import { calendarToIcs, eventToIcs, type IcsEvent } from '../guichet/ics';
import type { EventInput, EventUpdate, SessionInput, RegistrationStatus, EventKind, Audience } from '../../schemas/events';
import { EVENT_KINDS } from '../../schemas/events';
import { formatDay, formatHourMinute, formatHours, formatRange } from './format';
import { log } from '$lib/server/kit/log';
import { startJob } from '$lib/server/kit/jobs';

export interface EventRow {
	id: string;
	kind: EventKind;
	title: string;
	description: string;
	organiser_network_id: string | null;
	organiser_org_id: string | null;
	organiser_name: string;
	partners: string;
	themes: string[];
	audience: Audience;
	place: string;
	visio_url: string | null;
	starts_at: Date;
	ends_at: Date;
	registration_opens_at: Date | null;
	registration_closes_at: Date | null;
	capacity: number | null;
	per_org_limit: number | null;
	offer_hours: number;
	/** Check-in opens this many minutes before a session; null: from the start of the session's day. */
	checkin_opens_minutes: number | null;
	status: 'draft' | 'published' | 'cancelled';
	cancel_reason: string;
	ical_uid: string;
	sequence: number;
	confirmed_count: number;
	waitlist_count: number;
}

export interface ChoiceGroupRow {
	id: string;
	event_id: string;
	title: string;
	position: number;
}

export interface SessionRow {
	id: string;
	event_id: string;
	choice_group_id: string | null;
	title: string;
	description: string;
	starts_at: Date;
	ends_at: Date;
	room: string;
	speakers: string;
	capacity: number | null;
	taken: number;
}

export interface RegistrationRow {
	id: string;
	event_id: string;
	user_id: string | null;
	org_id: string | null;
	org_name: string | null;
	full_name: string;
	email: string;
	registered_by: string | null;
	status: RegistrationStatus;
	arrival: string;
	offer_expires_at: Date | null;
	cancel_reason: string | null;
	walk_in: boolean;
	no_show: boolean;
	checkin_code: string;
	created_at: Date;
	choices: string[];
}

const ERRORS: Record<string, [number, string]> = {
	event_not_found: [404, "Cet événement n'existe pas ou vous n'y avez pas accès."],
	event_not_open: [409, 'Les inscriptions à cet événement ne sont pas ouvertes.'],
	not_allowed: [403, "Vous ne pouvez inscrire que vous-même, ou les collègues d'une collectivité dont vous êtes administrateur."],
	not_a_member: [400, "Cette personne n'est pas membre de la collectivité choisie."],
	not_in_audience: [403, "Cet événement est réservé à un autre public (membres du réseau organisateur)."],
	already_registered: [409, 'Cette personne est déjà inscrite à cet événement.'],
	invalid_choices: [400, 'Choisissez un atelier dans chaque groupe de choix.'],
	org_limit: [409, "Votre collectivité a atteint le nombre maximal d'inscrits fixé par l'organisateur."],
	full: [409, "Plus de place disponible : augmentez la capacité de l'événement ou de l'atelier pour accueillir cette personne."],
	registration_not_found: [404, "Cette inscription n'existe pas ou vous n'y avez pas accès."],
	registration_act_not_allowed: [
		403,
		"Vous ne pouvez plus agir sur l'inscription d'un collègue\u00a0: il faut être administrateur ou rédacteur de sa collectivité."
	],
	already_cancelled: [409, 'Cette inscription est déjà annulée.'],
	offer_not_available: [409, "Cette proposition de place n'est plus valable (délai dépassé ou déjà traitée)."],
	session_not_found: [404, "Cette séance n'existe pas ou vous n'en êtes pas organisateur."],
	not_registered_for_session: [409, "Cette personne n'est pas inscrite (confirmée) à cette séance."],
	checkin_not_open: [409, "Le pointage de cette séance n'est pas encore ouvert."],
	checkin_closed: [409, 'Le pointage de cette séance est clos (sept jours après sa fin).'],
	event_not_ended: [409, "L'événement n'est pas terminé : les absences se constatent après sa fin."]
};

/** « Le pointage ouvre le jeudi 21 janvier 2027 à 00 h 00. » */
export function checkinOpensMessage(opensAt: Date): string {
	return `Le pointage ouvre le ${formatDay(opensAt)} à ${formatHourMinute(opensAt)}.`;
}

/** Maps the migration's exceptions to French AppErrors. */
function mapError(e: unknown): AppError {
	const err = e as { code?: string; message?: string };
	if (err?.code === 'P0001' && err.message && err.message in ERRORS) {
		const [status, message] = ERRORS[err.message];
		const detail = (e as { detail?: string }).detail;
		if (err.message === 'checkin_not_open' && detail && !Number.isNaN(Date.parse(detail)))
			return new AppError(err.message, checkinOpensMessage(new Date(detail)), status, { opensAt: detail });
		return new AppError(err.message, message, status);
	}
	if (process.env.DEBUG_EVENTS) log.error('events: unexpected database error', { error: String((e as Error)?.stack ?? e) });
	return toAppError(e);
}
async function guard<T>(p: Promise<T>): Promise<T> {
	try {
		return await p;
	} catch (e) {
		throw mapError(e);
	}
}
const invalid = (message: string, field?: string) => new AppError('invalid', message, 400, field ? { field } : undefined);

const EVENT_COLUMNS = `e.id, e.kind, e.title, e.description, e.organiser_network_id, e.organiser_org_id,
	coalesce(app.event_organiser_name(e.id), '') as organiser_name, e.partners, e.themes, e.audience, e.place, e.visio_url, e.starts_at, e.ends_at,
	e.registration_opens_at, e.registration_closes_at, e.capacity, e.per_org_limit, e.offer_hours, e.checkin_opens_minutes, e.status, e.cancel_reason,
	e.ical_uid, e.sequence,
	coalesce(app.event_count(e.id, false), 0) as confirmed_count, coalesce(app.event_count(e.id, true), 0) as waitlist_count`;
const EVENT_FROM = `public.events e left join public.networks n on n.id = e.organiser_network_id`;

// Counts go through a security-definer-free query: the registrations an ordinary participant cannot see still count.
// confirmed_count/waitlist_count above are therefore computed in elevated reads where they matter (see getEvent).

export function eventUrl(id: string) {
	return `${appOrigin()}/evenements/${id}`;
}
export function registrationUrl(eventId: string, registrationId: string) {
	return `${appOrigin()}/evenements/${eventId}/inscription/${registrationId}`;
}

// ---------------------------------------------------------------------------------------------------------
// Events and programme
// ---------------------------------------------------------------------------------------------------------
function organiserOf(input: EventInput): { network: string | null; org: string | null } {
	const [kind, id] = input.organiser.split(':');
	return kind === 'network' ? { network: id, org: null } : { network: null, org: id };
}
const themesOf = (s: string) =>
	s
		.split(/[,;\n]/)
		.map((t) => t.trim())
		.filter(Boolean)
		.slice(0, 20);

export async function createEvent(db: Database, actor: Actor, input: EventInput): Promise<{ id: string }> {
	const o = organiserOf(input);
	return guard(
		withUser(db, actor, async (tx) => {
			const [ok] = await tx.query<{ ok: boolean }>('select app.event_may_organise($1, $2) as ok', [o.network, o.org]);
			if (!ok?.ok) throw forbidden("Vous ne pouvez organiser des événements que pour un réseau que vous animez ou une collectivité dont vous êtes administrateur ou rédacteur.");
			const [row] = await tx.query<{ id: string }>(
				`insert into public.events (kind, title, description, organiser_network_id, organiser_org_id, partners, themes, audience, place,
				   visio_url, starts_at, ends_at, registration_opens_at, registration_closes_at, capacity, per_org_limit, offer_hours,
				   checkin_opens_minutes)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, 48), $18) returning id`,
				eventParams(input, o)
			);
			return row;
		})
	);
}

function eventParams(input: EventUpdate, o: { network: string | null; org: string | null }) {
	return [
		input.kind,
		input.title,
		input.description,
		o.network,
		o.org,
		input.partners,
		themesOf(input.themes),
		input.audience,
		input.place,
		input.visioUrl ?? null,
		input.startsAt,
		input.endsAt,
		input.registrationOpensAt ?? null,
		input.registrationClosesAt ?? null,
		input.capacity ?? null,
		input.perOrgLimit ?? null,
		input.offerHours ?? null,
		input.checkinOpensMinutes ?? null
	];
}

export async function updateEvent(db: Database, actor: Actor, id: string, input: EventUpdate): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			// the organiser does not change: its two parameters are left out (an unused parameter has no type, and
			// PostgreSQL refuses the statement)
			const p = eventParams(input, { network: null, org: null });
			p.splice(3, 2);
			const rows = await tx.query(
				`update public.events set kind = $2, title = $3, description = $4, partners = $5, themes = $6, audience = $7, place = $8,
				        visio_url = $9, starts_at = $10, ends_at = $11, registration_opens_at = $12, registration_closes_at = $13,
				        capacity = $14, per_org_limit = $15, offer_hours = coalesce($16, offer_hours), checkin_opens_minutes = $17,
				        sequence = sequence + 1
				  where id = $1 returning id`,
				[id, ...p]
			);
			if (!rows.length) throw notFound('Cet événement');
			// A larger capacity may free places for the waiting list.
			const offered = await elevated(tx, (t) => t.query<{ id: string }>('select app.event_promote($1) as id', [id]));
			await notifyOffers(tx, offered.map((r) => r.id));
		})
	);
}

export async function setPublished(db: Database, actor: Actor, id: string, published: boolean): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(`update public.events set status = $2, sequence = sequence + 1 where id = $1 returning id`, [
				id,
				published ? 'published' : 'draft'
			]);
			if (!rows.length) throw notFound('Cet événement');
		})
	);
}

/** Cancels the event and its registrations, and tells every registered person (with a cancelling ICS). */
export async function cancelEvent(db: Database, actor: Actor, id: string, reason: string): Promise<number> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [event] = await tx.query<EventRow>(`select ${EVENT_COLUMNS} from ${EVENT_FROM} where e.id = $1`, [id]);
			if (!event || !(await isOrganiser(tx, id))) throw notFound('Cet événement');
			if (event.status === 'cancelled') throw new AppError('conflict', 'Cet événement est déjà annulé.', 409);
			const people = await tx.query<{ email: string; full_name: string; id: string }>(
				`select id, email, full_name from public.event_registrations where event_id = $1 and status <> 'cancelled' and email <> ''`,
				[id]
			);
			await tx.query('select app.event_cancel($1, $2)', [id, reason]);
			const ics = eventToIcs(icsOf({ ...event, sequence: event.sequence + 1 }, 'CANCEL'));
			for (const p of people) {
				const body = renderEmail({
					greeting: `Bonjour ${p.full_name},`,
					paragraphs: [
						`L'événement « ${event.title} » (${formatRange(event.starts_at, event.ends_at)}) est annulé par son organisateur.`,
						...(reason ? [`Motif : ${reason}`] : []),
						'Votre inscription est annulée ; nous vous prions de nous excuser pour ce changement.'
					],
					action: { label: "Voir l'événement", url: eventUrl(id) }
				});
				await enqueueEmail(tx, {
					to: p.email,
					subject: `Annulé : ${event.title}`,
					...body,
					kind: 'event_cancelled',
					attachments: [{ filename: 'evenement.ics', contentType: 'text/calendar; charset=utf-8; method=CANCEL', content: ics }]
				});
			}
			return people.length;
		})
	);
}

/** Copies an event (programme included) as a draft, shifted so that it starts at `startsAt`. */
export async function duplicateEvent(db: Database, actor: Actor, id: string, startsAt?: Date): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			if (!(await isOrganiser(tx, id))) throw notFound('Cet événement');
			const [row] = await tx.query<{ id: string }>(
				`insert into public.events (kind, title, description, organiser_network_id, organiser_org_id, partners, themes, audience, place,
				   visio_url, starts_at, ends_at, registration_opens_at, registration_closes_at, capacity, per_org_limit, offer_hours,
				   checkin_opens_minutes, duplicated_from)
				 select kind, 'Copie de ' || left(title, 190), description, organiser_network_id, organiser_org_id, partners, themes, audience, place,
				        visio_url, coalesce($2, starts_at), coalesce($2, starts_at) + (ends_at - starts_at),
				        registration_opens_at + (coalesce($2, starts_at) - starts_at), registration_closes_at + (coalesce($2, starts_at) - starts_at),
				        capacity, per_org_limit, offer_hours, checkin_opens_minutes, id
				   from public.events where id = $1 returning id`,
				[id, startsAt ?? null]
			);
			const groups = await tx.query<{ id: string; title: string; position: number }>(
				'select id, title, position from public.event_choice_groups where event_id = $1',
				[id]
			);
			const map = new Map<string, string>();
			for (const g of groups) {
				const [ng] = await tx.query<{ id: string }>(
					'insert into public.event_choice_groups (event_id, title, position) values ($1, $2, $3) returning id',
					[row.id, g.title, g.position]
				);
				map.set(g.id, ng.id);
			}
			await tx.query(
				`insert into public.event_sessions (event_id, choice_group_id, title, description, starts_at, ends_at, room, speakers, capacity)
				 select $2::uuid, (($3::text::jsonb) ->> s.choice_group_id::text)::uuid, s.title, s.description,
				        s.starts_at + (ne.starts_at - oe.starts_at), s.ends_at + (ne.starts_at - oe.starts_at), s.room, s.speakers, s.capacity
				   from public.event_sessions s
				   join public.events oe on oe.id = s.event_id join public.events ne on ne.id = $2::uuid
				  where s.event_id = $1::uuid`,
				[id, row.id, JSON.stringify(Object.fromEntries(map))]
			);
			return row;
		})
	);
}

export async function addChoiceGroup(db: Database, actor: Actor, eventId: string, title: string): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			if (!(await isOrganiser(tx, eventId))) throw notFound('Cet événement');
			const [row] = await tx.query<{ id: string }>(
				`insert into public.event_choice_groups (event_id, title, position)
				 values ($1, $2, (select coalesce(max(position), 0) + 1 from public.event_choice_groups where event_id = $1)) returning id`,
				[eventId, title]
			);
			return row;
		})
	);
}

export async function deleteChoiceGroup(db: Database, actor: Actor, eventId: string, groupId: string): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const [used] = await tx.query<{ n: number }>(
				`select count(*)::int as n from public.event_sessions where choice_group_id = $1`,
				[groupId]
			);
			if (used.n) throw new AppError('conflict', "Ce groupe contient encore des séances : déplacez-les ou supprimez-les d'abord.", 409);
			const rows = await tx.query(`delete from public.event_choice_groups where id = $1 and event_id = $2 returning id`, [groupId, eventId]);
			if (!rows.length) throw notFound('Ce groupe');
		})
	);
}

export async function saveSession(db: Database, actor: Actor, eventId: string, input: SessionInput, sessionId?: string): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			if (!(await isOrganiser(tx, eventId))) throw notFound('Cet événement');
			if (input.choiceGroupId) {
				const g = await tx.query('select 1 from public.event_choice_groups where id = $1 and event_id = $2', [input.choiceGroupId, eventId]);
				if (!g.length) throw invalid("Ce groupe de choix n'appartient pas à l'événement.", 'choiceGroupId');
			}
			const params = [eventId, input.choiceGroupId ?? null, input.title, input.description, input.startsAt, input.endsAt, input.room, input.speakers, input.capacity ?? null];
			if (sessionId) {
				const [row] = await tx.query<{ id: string }>(
					`update public.event_sessions set choice_group_id = $2, title = $3, description = $4, starts_at = $5, ends_at = $6, room = $7,
					        speakers = $8, capacity = $9 where id = $10 and event_id = $1 returning id`,
					[...params, sessionId]
				);
				if (!row) throw notFound('Cette séance');
				const offered = await elevated(tx, (t) => t.query<{ id: string }>('select app.event_promote($1) as id', [eventId]));
				await notifyOffers(tx, offered.map((r) => r.id));
				return row;
			}
			const [row] = await tx.query<{ id: string }>(
				`insert into public.event_sessions (event_id, choice_group_id, title, description, starts_at, ends_at, room, speakers, capacity)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
				params
			);
			return row;
		})
	);
}

export async function deleteSession(db: Database, actor: Actor, eventId: string, sessionId: string): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const [chosen] = await tx.query<{ n: number }>(
				'select count(*)::int as n from public.event_registration_choices c where c.session_id = $1',
				[sessionId]
			);
			// Counted as the organiser (RLS lets organisers see every registration of their event).
			if (chosen.n) throw new AppError('conflict', 'Des participants ont choisi cette séance : elle ne peut plus être supprimée.', 409);
			const rows = await tx.query(`delete from public.event_sessions where id = $1 and event_id = $2 returning id`, [sessionId, eventId]);
			if (!rows.length) throw notFound('Cette séance');
		})
	);
}

async function isOrganiser(tx: Tx, eventId: string): Promise<boolean> {
	const [r] = await tx.query<{ ok: boolean }>('select app.event_is_organiser($1) as ok', [eventId]);
	return !!r?.ok;
}

export interface EventDetail {
	event: EventRow;
	groups: ChoiceGroupRow[];
	sessions: SessionRow[];
	isOrganiser: boolean;
	mine: RegistrationRow[];
}

export async function getEvent(db: Database, actor: Actor | null, id: string): Promise<EventDetail> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [visible] = await tx.query<{ id: string }>('select id from public.events where id = $1', [id]);
			if (!visible) throw notFound('Cet événement');
			// Counts include registrations the caller cannot see (they are figures, not people).
			const { event, sessions } = await elevated(tx, async (t) => {
				const [event] = await t.query<EventRow>(`select ${EVENT_COLUMNS} from ${EVENT_FROM} where e.id = $1`, [id]);
				const sessions = await t.query<SessionRow>(
					`select s.*, (select count(*)::int from public.event_registration_choices c join public.event_registrations r on r.id = c.registration_id
					               where c.session_id = s.id and r.status in ('confirmed', 'offered')) as taken
					   from public.event_sessions s where s.event_id = $1 order by s.starts_at, s.title`,
					[id]
				);
				return { event, sessions };
			});
			const groups = await tx.query<ChoiceGroupRow>('select * from public.event_choice_groups where event_id = $1 order by position, title', [id]);
			const organiser = actor ? await isOrganiser(tx, id) : false;
			const mine = actor
				? await tx.query<RegistrationRow>(`${REG_SELECT} where r.event_id = $1 and (r.user_id = auth.uid() or r.registered_by = auth.uid()) order by r.arrival`, [id])
				: [];
			return { event, groups, sessions, isOrganiser: organiser, mine };
		})
	);
}

const REG_SELECT = `select r.id, r.event_id, r.user_id, r.org_id, o.name as org_name, r.full_name, r.email, r.registered_by, r.status,
	r.arrival::text as arrival, r.offer_expires_at, r.cancel_reason, r.walk_in, r.no_show, r.checkin_code, r.created_at,
	coalesce((select array_agg(c.session_id::text) from public.event_registration_choices c where c.registration_id = r.id), '{}') as choices
	from public.event_registrations r left join public.organisations o on o.id = r.org_id`;

/** Upcoming (or all) events the caller sees: the agenda. `scope`: 'upcoming' | 'mine' (organised by the caller). */
export async function listEvents(
	db: Database,
	actor: Actor | null,
	opts: { scope?: 'upcoming' | 'organised' | 'past'; networkSlug?: string; now?: Date } = {}
): Promise<EventRow[]> {
	const now = opts.now ?? new Date();
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<EventRow>(
				`select ${EVENT_COLUMNS} from ${EVENT_FROM}
				  where ($1::text = 'organised' and app.event_is_organiser(e.id)
				         or $1::text = 'upcoming' and e.status = 'published' and e.ends_at > $2::timestamptz
				         or $1::text = 'past' and e.status = 'published' and e.ends_at <= $2::timestamptz)
				    and ($3::text is null or n.slug = $3::text)
				  order by case when $1::text = 'past' then -extract(epoch from e.starts_at) else extract(epoch from e.starts_at) end`,
				[opts.scope ?? 'upcoming', now, opts.networkSlug ?? null]
			)
		)
	);
}

/** Organisers the caller may create events for. */
export async function organiserChoices(db: Database, actor: Actor): Promise<{ value: string; label: string }[]> {
	return withUser(db, actor, async (tx) => {
		const nets = await tx.query<{ id: string; name: string }>(
			`select n.id, n.name from public.networks n join public.network_animators a on a.network_id = n.id and a.user_id = auth.uid() order by n.name`
		);
		const orgs = await tx.query<{ id: string; name: string }>(
			`select o.id, o.name from public.organisations o join public.organisation_members m on m.org_id = o.id and m.user_id = auth.uid()
			  where m.role in ('admin', 'editor') and o.archived_at is null order by o.name`
		);
		return [
			...nets.map((n) => ({ value: `network:${n.id}`, label: `${n.name} (réseau)` })),
			...orgs.map((o) => ({ value: `org:${o.id}`, label: o.name }))
		];
	});
}

/** People the caller may register: themself in each of their collectivités, and colleagues where they are admin. */
export async function registrablePeople(db: Database, actor: Actor, eventId: string) {
	return withUser(db, actor, (tx) =>
		tx.query<{ user_id: string; org_id: string; org_name: string; display_name: string; self: boolean; registered: boolean }>(
			`select m.user_id, m.org_id, o.name as org_name, u.display_name, m.user_id = auth.uid() as self,
			        exists (select 1 from public.event_registrations r where r.event_id = $1 and r.user_id = m.user_id and r.status <> 'cancelled') as registered
			   from public.organisation_members m
			   join public.organisations o on o.id = m.org_id
			   join public.users u on u.id = m.user_id
			  where (m.user_id = auth.uid() or app.has_org_role(m.org_id, array['admin']))
			    and app.event_org_in_audience($1, m.org_id)
			  order by o.name, (m.user_id <> auth.uid()), u.display_name`,
			[eventId]
		)
	);
}

// ---------------------------------------------------------------------------------------------------------
// Registrations
// ---------------------------------------------------------------------------------------------------------
export interface RegisterInput {
	eventId: string;
	userId?: string;
	orgId?: string | null;
	choices: string[];
}

/** Registers someone; confirmed (confirmation e-mail with ICS and QR code) or waitlisted (e-mail too). */
export async function register(db: Database, actor: Actor, input: RegisterInput, now = new Date()): Promise<RegistrationRow> {
	return guard(
		withUser(db, actor, async (tx) => {
			let orgId = input.orgId ?? null;
			if (orgId === null) {
				// Default collectivité: the person's only (or first) one within the audience.
				const [m] = await tx.query<{ org_id: string }>(
					`select m.org_id from public.organisation_members m where m.user_id = $1 and app.event_org_in_audience($2, m.org_id)
					  order by m.created_at limit 1`,
					[input.userId ?? actor.id, input.eventId]
				);
				orgId = m?.org_id ?? null;
			}
			const [row] = await tx.query<{ id: string }>(
				'select app.event_register($1, $2, $3, $4::uuid[], null, null, false, $5) as id',
				[input.eventId, input.userId ?? actor.id, orgId, input.choices, now]
			);
			const [reg] = await tx.query<RegistrationRow>(`${REG_SELECT} where r.id = $1`, [row.id]);
			await sendRegistrationMail(tx, reg);
			return reg;
		})
	);
}

async function eventForMail(tx: Tx, eventId: string) {
	return elevated(tx, async (t) => {
		const [event] = await t.query<EventRow>(`select ${EVENT_COLUMNS} from ${EVENT_FROM} where e.id = $1`, [eventId]);
		const sessions = await t.query<SessionRow>(`select s.*, 0 as taken from public.event_sessions s where s.event_id = $1 order by s.starts_at`, [eventId]);
		return { event, sessions };
	});
}

function locationOf(e: Pick<EventRow, 'place' | 'visio_url'>) {
	return [e.place, e.visio_url].filter(Boolean).join(' — ');
}

function icsOf(e: EventRow, method: IcsEvent['method'], attendee?: { name: string; email: string }): IcsEvent {
	return {
		uid: e.ical_uid,
		sequence: e.sequence,
		method,
		status: method === 'CANCEL' || e.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED',
		start: e.starts_at,
		end: e.ends_at,
		stamp: new Date(),
		summary: e.title,
		description: `${EVENT_KINDS[e.kind]} organisé par ${e.organiser_name}.\n${eventUrl(e.id)}`,
		location: locationOf(e) || undefined,
		url: eventUrl(e.id),
		attendees: attendee?.email ? [attendee] : undefined
	};
}

/** The programme a registration follows: common sessions plus its choices. */
export function sessionsFor<S extends Pick<SessionRow, 'id' | 'choice_group_id'>>(sessions: S[], choices: string[]): S[] {
	return sessions.filter((s) => s.choice_group_id === null || choices.includes(s.id));
}

export async function qrSvg(code: string): Promise<string> {
	return QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
export async function qrPng(code: string): Promise<Buffer> {
	return QRCode.toBuffer(code, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 8 });
}

async function sendRegistrationMail(tx: Tx, reg: RegistrationRow) {
	if (!reg.email) return;
	const { event, sessions } = await eventForMail(tx, reg.event_id);
	const programme = sessionsFor(sessions, reg.choices).map((s) => `• ${formatRange(s.starts_at, s.ends_at)} : ${s.title}${s.room ? ` (${s.room})` : ''}`);
	const url = registrationUrl(reg.event_id, reg.id);
	if (reg.status === 'confirmed') {
		const body = renderEmail({
			greeting: `Bonjour ${reg.full_name},`,
			paragraphs: [
				`Votre inscription à « ${event.title} » est confirmée (${formatRange(event.starts_at, event.ends_at)}).`,
				...(locationOf(event) ? [`Lieu : ${locationOf(event)}`] : []),
				...(programme.length ? [`Votre programme :\n${programme.join('\n')}`] : []),
				"Présentez le QR code joint (ou celui de la page de votre inscription) à l'accueil.",
				"Si vous ne pouvez plus venir, annulez votre inscription depuis cette page : votre place ira à la personne suivante sur la liste d'attente."
			],
			action: { label: 'Mon inscription (QR code, annulation)', url }
		});
		await enqueueEmail(tx, {
			to: reg.email,
			subject: `Inscription confirmée : ${event.title}`,
			...body,
			kind: 'event_registration',
			attachments: [
				{ filename: 'evenement.ics', contentType: 'text/calendar; charset=utf-8; method=REQUEST', content: eventToIcs(icsOf(event, 'REQUEST', { name: reg.full_name, email: reg.email })) },
				{ filename: 'qr-code-inscription.svg', contentType: 'image/svg+xml', content: await qrSvg(reg.checkin_code) }
			]
		});
	} else if (reg.status === 'waitlisted') {
		const body = renderEmail({
			greeting: `Bonjour ${reg.full_name},`,
			paragraphs: [
				`L'événement « ${event.title} » est complet pour vos choix : vous êtes sur la liste d'attente.`,
				`Dès qu'une place se libère, nous vous l'enverrons par e-mail ; vous aurez ${event.offer_hours} heures pour l'accepter.`
			],
			action: { label: 'Mon inscription', url }
		});
		await enqueueEmail(tx, { to: reg.email, subject: `Liste d'attente : ${event.title}`, ...body, kind: 'event_waitlist' });
	}
}

/** Sends the time-limited offer e-mails (accept / decline links) for these registrations. */
async function notifyOffers(tx: Tx, ids: (string | null)[], elevate = true) {
	const list = ids.filter((x): x is string => !!x);
	if (!list.length) return;
	const run = async (t: Tx) => {
		const regs = await t.query<RegistrationRow & { title: string; starts_at: Date; ends_at: Date }>(
			`select r.id, r.event_id, r.full_name, r.email, r.offer_expires_at, e.title, e.starts_at, e.ends_at
			   from public.event_registrations r join public.events e on e.id = r.event_id where r.id = any ($1::uuid[])`,
			[list]
		);
		for (const r of regs) {
			if (!r.email) continue;
			const url = registrationUrl(r.event_id, r.id);
			const until = r.offer_expires_at ? `${formatDay(r.offer_expires_at)} à ${formatHourMinute(r.offer_expires_at)}` : '';
			const body = renderEmail({
				greeting: `Bonjour ${r.full_name},`,
				paragraphs: [
					`Une place s'est libérée pour « ${r.title} » (${formatRange(r.starts_at, r.ends_at)}).`,
					`Elle vous est réservée jusqu'au ${until} : acceptez-la ou déclinez-la depuis la page de votre inscription. Sans réponse, elle sera proposée à la personne suivante.`,
					`Accepter : ${url}?reponse=accepter`,
					`Décliner : ${url}?reponse=decliner`
				]
			});
			await enqueueEmail(t, { to: r.email, subject: `Une place vous attend : ${r.title}`, ...body, kind: 'event_offer' }, { elevate: false });
		}
	};
	await (elevate ? elevated(tx, run) : run(tx));
}

export async function getRegistration(db: Database, actor: Actor, id: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [reg] = await tx.query<RegistrationRow>(`${REG_SELECT} where r.id = $1`, [id]);
			if (!reg) throw notFound('Cette inscription');
			const waitlistRank =
				reg.status === 'waitlisted'
					? (
							await elevated(tx, (t) =>
								t.query<{ n: number }>(
									`select count(*)::int as n from public.event_registrations where event_id = $1 and status = 'waitlisted' and arrival <= $2::bigint`,
									[reg.event_id, reg.arrival]
								)
							)
						)[0].n
					: null;
			// `certified`: the session has ended (app's event_attendance), so the presence can be attested.
			const attended = await tx.query<{ session_id: string; checked_at: Date; certified: boolean }>(
				`select c.session_id, c.checked_at, exists (select 1 from public.event_attendance a where a.registration_id = c.registration_id
				          and a.session_id = c.session_id) as certified
				   from public.event_checkins c where c.registration_id = $1 and c.undone_at is null`,
				[id]
			);
			// Acting on it (cancel, answer an offer): the person, or whoever may act for the collectivité now.
			const [{ may_act: mayAct }] = await tx.query<{ may_act: boolean }>('select app.event_may_act_on_registration($1) as may_act', [id]);
			return { registration: reg, waitlistRank, attended, mayAct };
		})
	);
}

export async function cancelRegistration(db: Database, actor: Actor, id: string, now = new Date()): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const offered = await tx.query<{ id: string }>('select app.event_cancel_registration($1, $2) as id', [id, now]);
			await notifyOffers(tx, offered.map((r) => r.id));
		})
	);
}

export async function answerOffer(db: Database, actor: Actor, id: string, accept: boolean, now = new Date()): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const offered = await tx.query<{ id: string }>('select app.event_answer_offer($1, $2, $3) as id', [id, accept, now]);
			await notifyOffers(tx, offered.map((r) => r.id));
			if (accept) {
				const [reg] = await tx.query<RegistrationRow>(`${REG_SELECT} where r.id = $1`, [id]);
				await sendRegistrationMail(tx, reg);
			}
		})
	);
}

/**
 * The background job: expired offers are withdrawn and the places offered to the next people. Safe with several
 * instances (events are claimed with FOR UPDATE SKIP LOCKED). `now` is the job's clock (tests pass their own).
 */
export async function expireOffers(db: Database, now = new Date()): Promise<{ expired: number; offered: number }> {
	return asService(db, 'events: expire waiting-list offers', async (tx) => {
		const rows = await tx.query<{ expired: string | null; offered: string | null }>('select * from app.event_expire_offers($1)', [now]);
		const offered = rows.map((r) => r.offered).filter((x): x is string => !!x);
		await notifyOffers(tx, offered, false);
		return { expired: rows.filter((r) => r.expired).length, offered: offered.length };
	});
}

export function startOfferExpiryWorker(db: Database, intervalMs = 60_000): () => Promise<void> {
	return startJob('event offer expiry', () => expireOffers(db), { intervalMs }).stop;
}

/** Registrations of an event (organiser, or a manager for their colleagues: RLS filters). */
export async function listRegistrations(db: Database, actor: Actor, eventId: string): Promise<RegistrationRow[]> {
	return guard(withUser(db, actor, (tx) => tx.query<RegistrationRow>(`${REG_SELECT} where r.event_id = $1 order by r.status = 'cancelled', r.arrival`, [eventId])));
}

export async function myRegistrations(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<RegistrationRow & { title: string; starts_at: Date; ends_at: Date }>(
			`select r.id, r.event_id, r.status, r.full_name, e.title, e.starts_at, e.ends_at from public.event_registrations r
			   join public.events e on e.id = r.event_id
			  where (r.user_id = auth.uid() or r.registered_by = auth.uid()) and r.status <> 'cancelled'
			  order by e.starts_at desc`
		)
	);
}

// ---------------------------------------------------------------------------------------------------------
// Attendance
// ---------------------------------------------------------------------------------------------------------
export interface CheckinListRow {
	registration_id: string;
	full_name: string;
	org_name: string | null;
	walk_in: boolean;
	no_show: boolean;
	checked_at: Date | null;
	method: string | null;
}

export async function getSession(db: Database, actor: Actor, sessionId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			// The check-in window by the database clock (the one app.event_check_in enforces).
			const [s] = await tx.query<SessionRow & { event_title: string; checkin_opens_at: Date; checkin: 'before' | 'open' | 'closed' }>(
				`select s.*, 0 as taken, e.title as event_title, w.opens as checkin_opens_at,
				        case when now() < w.opens then 'before' when now() > w.closes then 'closed' else 'open' end as checkin
				   from public.event_sessions s join public.events e on e.id = s.event_id,
				        lateral (select app.event_checkin_opens_at(s.starts_at, e.checkin_opens_minutes) as opens,
				                        app.event_checkin_closes_at(s.ends_at) as closes) w
				  where s.id = $1`,
				[sessionId]
			);
			if (!s || !(await isOrganiser(tx, s.event_id))) throw notFound('Cette séance');
			return s;
		})
	);
}

/** Who is expected at a session, with their check-in; `q` searches names and collectivités (accents ignored). */
export async function checkinList(db: Database, actor: Actor, sessionId: string, q = ''): Promise<CheckinListRow[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [s] = await tx.query<{ event_id: string; choice_group_id: string | null }>('select event_id, choice_group_id from public.event_sessions where id = $1', [sessionId]);
			if (!s || !(await isOrganiser(tx, s.event_id))) throw notFound('Cette séance');
			const rows = await tx.query<CheckinListRow>(
				`select r.id as registration_id, r.full_name, o.name as org_name, r.walk_in, r.no_show, c.checked_at, c.method
				   from public.event_registrations r
				   left join public.organisations o on o.id = r.org_id
				   left join public.event_checkins c on c.registration_id = r.id and c.session_id = $1 and c.undone_at is null
				  where r.event_id = $2 and r.status = 'confirmed'
				    and ($3::uuid is null or exists (select 1 from public.event_registration_choices x where x.registration_id = r.id and x.session_id = $1))
				  order by lower(r.full_name)`,
				[sessionId, s.event_id, s.choice_group_id]
			);
			const words = fold(q).split(/\s+/).filter(Boolean);
			return words.length ? rows.filter((r) => words.every((w) => fold(`${r.full_name} ${r.org_name ?? ''}`).includes(w))) : rows;
		})
	);
}

/** Lower case without accents, for searches. */
export const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();

export async function checkIn(
	db: Database,
	actor: Actor,
	sessionId: string,
	by: { code?: string; registrationId?: string },
	method: 'qr' | 'manual' = by.code ? 'qr' : 'manual'
): Promise<{ registrationId: string; fullName: string; already: boolean }> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<{ registration_id: string; result: string }>('select * from app.event_check_in($1, $2, $3, $4)', [
				sessionId,
				by.registrationId ?? null,
				by.code ?? null,
				method
			]);
			const [p] = await tx.query<{ full_name: string }>('select full_name from public.event_registrations where id = $1', [r.registration_id]);
			return { registrationId: r.registration_id, fullName: p?.full_name ?? '', already: r.result === 'already' };
		})
	);
}

export async function undoCheckIn(db: Database, actor: Actor, sessionId: string, registrationId: string): Promise<boolean> {
	return guard(withUser(db, actor, async (tx) => (await tx.query<{ ok: boolean }>('select app.event_undo_check_in($1, $2) as ok', [sessionId, registrationId]))[0].ok));
}

/** A person who came without registering: registered (walk-in) and checked in at the session. */
export async function walkIn(
	db: Database,
	actor: Actor,
	sessionId: string,
	input: { fullName: string; email: string; orgName: string; choices: string[] }
): Promise<string> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [s] = await tx.query<{ event_id: string; choice_group_id: string | null }>('select event_id, choice_group_id from public.event_sessions where id = $1', [sessionId]);
			if (!s || !(await isOrganiser(tx, s.event_id))) throw notFound('Cette séance');
			// By default, a walk-in follows this session in its group and the first session of the other groups.
			const groups = await tx.query<{ id: string; first: string }>(
				`select g.id, (select s2.id from public.event_sessions s2 where s2.choice_group_id = g.id order by s2.starts_at, s2.title limit 1) as first
				   from public.event_choice_groups g where g.event_id = $1`,
				[s.event_id]
			);
			const choices = groups.map((g) => (g.id === s.choice_group_id ? sessionId : (input.choices.find((c) => c === g.first) ?? g.first)));
			const name = input.orgName ? `${input.fullName} (${input.orgName})` : input.fullName;
			const [row] = await tx.query<{ id: string }>('select app.event_register($1, null, null, $2::uuid[], $3, $4, true) as id', [
				s.event_id,
				choices,
				name.slice(0, 200),
				input.email
			]);
			await tx.query('select * from app.event_check_in($1, $2, null, $3)', [sessionId, row.id, 'walk_in']);
			return row.id;
		})
	);
}

export async function markNoShows(db: Database, actor: Actor, eventId: string): Promise<number> {
	return guard(withUser(db, actor, async (tx) => (await tx.query<{ n: number }>('select app.event_mark_no_shows($1) as n', [eventId]))[0].n));
}

// ---------------------------------------------------------------------------------------------------------
// Attendance data for certificates and figures
// ---------------------------------------------------------------------------------------------------------
export interface AttendanceRow {
	registration_id: string;
	full_name: string;
	org_name: string | null;
	minutes: number;
	sessions: { title: string; starts_at: string; ends_at: string }[];
}

/** Per registration: the sessions attended and ended (event_attendance: live check-ins of ended sessions), their total duration. */
export async function attendance(tx: Tx, eventId: string, registrationId?: string): Promise<AttendanceRow[]> {
	return tx.query<AttendanceRow>(
		`select r.id as registration_id, r.full_name, o.name as org_name,
		        coalesce(sum(extract(epoch from (s.ends_at - s.starts_at)) / 60), 0)::int as minutes,
		        coalesce(jsonb_agg(jsonb_build_object('title', s.title, 'starts_at', s.starts_at, 'ends_at', s.ends_at) order by s.starts_at)
		                 filter (where s.id is not null), '[]') as sessions
		   from public.event_registrations r
		   left join public.organisations o on o.id = r.org_id
		   join public.event_attendance c on c.registration_id = r.id
		   join public.event_sessions s on s.id = c.session_id
		  where r.event_id = $1 and ($2::uuid is null or r.id = $2)
		  group by r.id, r.full_name, o.name
		  order by lower(r.full_name)`,
		[eventId, registrationId ?? null]
	);
}

export async function eventForCertificates(db: Database, actor: Actor, eventId: string, registrationId?: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [event] = await tx.query<EventRow>(`select ${EVENT_COLUMNS} from ${EVENT_FROM} where e.id = $1`, [eventId]);
			if (!event) throw notFound('Cet événement');
			if (!registrationId && !(await isOrganiser(tx, eventId))) throw forbidden();
			const rows = await attendance(tx, eventId, registrationId);
			return { event, rows };
		})
	);
}

export { formatHours };

// ---------------------------------------------------------------------------------------------------------
// Public agenda feed
// ---------------------------------------------------------------------------------------------------------
export async function agendaIcs(db: Database, networkSlug: string | null, now = new Date()): Promise<string> {
	const events = await listEvents(db, null, { scope: 'upcoming', networkSlug: networkSlug ?? undefined, now });
	return calendarToIcs(networkSlug ? `Agenda — ${events[0]?.organiser_name ?? networkSlug}` : 'Agenda des événements — SPASER Commun', events.map((e) => icsOf(e, 'PUBLISH')));
}
