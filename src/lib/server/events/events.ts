// Events and their programme: create, edit, publish, cancel, duplicate; choice groups and sessions; reading the
// agenda and one event. Every call runs through withUser (row-level security decides).
import type { Actor, Database } from '../db';
import { elevated, withUser } from '../db';
import { enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { eventToIcs } from '../guichet/ics';
import type { EventInput, EventUpdate, SessionInput } from './input';
import { formatRange } from './format';
import { eventErrors, isOrganiser, requireOrganiser } from './access';
import {
	EVENT_COLUMNS,
	EVENT_FROM,
	REG_SELECT,
	eventUrl,
	selectEvent,
	type ChoiceGroupRow,
	type EventDetail,
	type EventRow,
	type RegistrationRow,
	type SessionRow
} from './model';
import { icsOf, notifyOffers } from './mail';

const invalid = (message: string, field?: string) =>
	new AppError('invalid', message, 400, field ? { field } : undefined);

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
			if (!ok?.ok)
				throw forbidden(
					'Vous ne pouvez organiser des événements que pour un réseau que vous animez ou une collectivité dont vous êtes administrateur ou rédacteur.'
				);
			const [row] = await tx.query<{ id: string }>(
				`insert into public.events (kind, title, description, organiser_network_id, organiser_org_id, partners, themes, audience, place,
				   visio_url, starts_at, ends_at, registration_opens_at, registration_closes_at, capacity, per_org_limit, offer_hours,
				   checkin_opens_minutes)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, 48), $18) returning id`,
				eventParams(input, o)
			);
			return row;
		}),
		eventErrors
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
			await notifyOffers(
				tx,
				offered.map((r) => r.id)
			);
		}),
		eventErrors
	);
}

export async function setPublished(db: Database, actor: Actor, id: string, published: boolean): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				`update public.events set status = $2, sequence = sequence + 1 where id = $1 returning id`,
				[id, published ? 'published' : 'draft']
			);
			if (!rows.length) throw notFound('Cet événement');
		}),
		eventErrors
	);
}

/** Cancels the event and its registrations, and tells every registered person (with a cancelling ICS). */
export async function cancelEvent(db: Database, actor: Actor, id: string, reason: string): Promise<number> {
	return guard(
		withUser(db, actor, async (tx) => {
			const event = await selectEvent(tx, id);
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
					attachments: [
						{ filename: 'evenement.ics', contentType: 'text/calendar; charset=utf-8; method=CANCEL', content: ics }
					]
				});
			}
			return people.length;
		}),
		eventErrors
	);
}

/** Copies an event (programme included) as a draft, shifted so that it starts at `startsAt`. */
export async function duplicateEvent(db: Database, actor: Actor, id: string, startsAt?: Date): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireOrganiser(tx, id);
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
		}),
		eventErrors
	);
}

export async function addChoiceGroup(
	db: Database,
	actor: Actor,
	eventId: string,
	title: string
): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireOrganiser(tx, eventId);
			const [row] = await tx.query<{ id: string }>(
				`insert into public.event_choice_groups (event_id, title, position)
				 values ($1, $2, (select coalesce(max(position), 0) + 1 from public.event_choice_groups where event_id = $1)) returning id`,
				[eventId, title]
			);
			return row;
		}),
		eventErrors
	);
}

export async function deleteChoiceGroup(db: Database, actor: Actor, eventId: string, groupId: string): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const [used] = await tx.query<{ n: number }>(
				`select count(*)::int as n from public.event_sessions where choice_group_id = $1`,
				[groupId]
			);
			if (used.n)
				throw new AppError(
					'conflict',
					"Ce groupe contient encore des séances : déplacez-les ou supprimez-les d'abord.",
					409
				);
			const rows = await tx.query(
				`delete from public.event_choice_groups where id = $1 and event_id = $2 returning id`,
				[groupId, eventId]
			);
			if (!rows.length) throw notFound('Ce groupe');
		}),
		eventErrors
	);
}

export async function saveSession(
	db: Database,
	actor: Actor,
	eventId: string,
	input: SessionInput,
	sessionId?: string
): Promise<{ id: string }> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireOrganiser(tx, eventId);
			if (input.choiceGroupId) {
				const g = await tx.query('select 1 from public.event_choice_groups where id = $1 and event_id = $2', [
					input.choiceGroupId,
					eventId
				]);
				if (!g.length) throw invalid("Ce groupe de choix n'appartient pas à l'événement.", 'choiceGroupId');
			}
			const params = [
				eventId,
				input.choiceGroupId ?? null,
				input.title,
				input.description,
				input.startsAt,
				input.endsAt,
				input.room,
				input.speakers,
				input.capacity ?? null
			];
			if (sessionId) {
				const [row] = await tx.query<{ id: string }>(
					`update public.event_sessions set choice_group_id = $2, title = $3, description = $4, starts_at = $5, ends_at = $6, room = $7,
					        speakers = $8, capacity = $9 where id = $10 and event_id = $1 returning id`,
					[...params, sessionId]
				);
				if (!row) throw notFound('Cette séance');
				const offered = await elevated(tx, (t) =>
					t.query<{ id: string }>('select app.event_promote($1) as id', [eventId])
				);
				await notifyOffers(
					tx,
					offered.map((r) => r.id)
				);
				return row;
			}
			const [row] = await tx.query<{ id: string }>(
				`insert into public.event_sessions (event_id, choice_group_id, title, description, starts_at, ends_at, room, speakers, capacity)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id`,
				params
			);
			return row;
		}),
		eventErrors
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
			if (chosen.n)
				throw new AppError(
					'conflict',
					'Des participants ont choisi cette séance : elle ne peut plus être supprimée.',
					409
				);
			const rows = await tx.query(`delete from public.event_sessions where id = $1 and event_id = $2 returning id`, [
				sessionId,
				eventId
			]);
			if (!rows.length) throw notFound('Cette séance');
		}),
		eventErrors
	);
}

export async function getEvent(db: Database, actor: Actor | null, id: string): Promise<EventDetail> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [visible] = await tx.query<{ id: string }>('select id from public.events where id = $1', [id]);
			if (!visible) throw notFound('Cet événement');
			// Counts include registrations the caller cannot see (they are figures, not people).
			const { event, sessions } = await elevated(tx, async (t) => {
				const event = (await selectEvent(t, id))!;
				const sessions = await t.query<SessionRow>(
					`select s.*, (select count(*)::int from public.event_registration_choices c join public.event_registrations r on r.id = c.registration_id
					               where c.session_id = s.id and r.status in ('confirmed', 'offered')) as taken
					   from public.event_sessions s where s.event_id = $1 order by s.starts_at, s.title`,
					[id]
				);
				return { event, sessions };
			});
			const groups = await tx.query<ChoiceGroupRow>(
				'select * from public.event_choice_groups where event_id = $1 order by position, title',
				[id]
			);
			const organiser = actor ? await isOrganiser(tx, id) : false;
			const mine = actor
				? await tx.query<RegistrationRow>(
						`${REG_SELECT} where r.event_id = $1 and (r.user_id = auth.uid() or r.registered_by = auth.uid()) order by r.arrival`,
						[id]
					)
				: [];
			return { event, groups, sessions, isOrganiser: organiser, mine };
		}),
		eventErrors
	);
}

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
		),
		eventErrors
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
