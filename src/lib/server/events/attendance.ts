// Attendance: a session's check-in list, check-in by QR code or by hand, walk-ins, no-shows, and the attendance
// data of the attestations de présence.
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { EVENT_KINDS } from '$lib/events/labels';
import { certificatesPdf, emargementPdf } from './pdf';
import { getEvent } from './events';
import { eventErrors, isOrganiser, requireOrganiser } from './access';
import { selectEvent, type AttendanceRow, type CheckinListRow, type SessionRow } from './model';

export async function getSession(db: Database, actor: Actor, sessionId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			// The check-in window by the database clock (the one app.event_check_in enforces).
			const [s] = await tx.query<
				SessionRow & { event_title: string; checkin_opens_at: Date; checkin: 'before' | 'open' | 'closed' }
			>(
				`select s.*, 0 as taken, e.title as event_title, w.opens as checkin_opens_at,
				        case when now() < w.opens then 'before' when now() > w.closes then 'closed' else 'open' end as checkin
				   from public.event_sessions s join public.events e on e.id = s.event_id,
				        lateral (select app.event_checkin_opens_at(s.starts_at, e.checkin_opens_minutes) as opens,
				                        app.event_checkin_closes_at(s.ends_at) as closes) w
				  where s.id = $1`,
				[sessionId]
			);
			await requireOrganiser(tx, s?.event_id, 'Cette séance');
			return s;
		}),
		eventErrors
	);
}

/** A session the caller organises (its event and choice group), or the organiser refusal. */
async function organisedSession(tx: Tx, sessionId: string) {
	const [s] = await tx.query<{ event_id: string; choice_group_id: string | null }>(
		'select event_id, choice_group_id from public.event_sessions where id = $1',
		[sessionId]
	);
	await requireOrganiser(tx, s?.event_id, 'Cette séance');
	return s;
}

/** Who is expected at a session, with their check-in; `q` searches names and collectivités (accents ignored). */
export async function checkinList(db: Database, actor: Actor, sessionId: string, q = ''): Promise<CheckinListRow[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			const s = await organisedSession(tx, sessionId);
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
			return words.length
				? rows.filter((r) => words.every((w) => fold(`${r.full_name} ${r.org_name ?? ''}`).includes(w)))
				: rows;
		}),
		eventErrors
	);
}

/** Lower case without accents, for searches. */
export const fold = (s: string) =>
	s
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.trim();

export async function checkIn(
	db: Database,
	actor: Actor,
	sessionId: string,
	by: { code?: string; registrationId?: string },
	method: 'qr' | 'manual' = by.code ? 'qr' : 'manual'
): Promise<{ registrationId: string; fullName: string; already: boolean }> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<{ registration_id: string; result: string }>(
				'select * from app.event_check_in($1, $2, $3, $4)',
				[sessionId, by.registrationId ?? null, by.code ?? null, method]
			);
			const [p] = await tx.query<{ full_name: string }>(
				'select full_name from public.event_registrations where id = $1',
				[r.registration_id]
			);
			return { registrationId: r.registration_id, fullName: p?.full_name ?? '', already: r.result === 'already' };
		}),
		eventErrors
	);
}

export async function undoCheckIn(
	db: Database,
	actor: Actor,
	sessionId: string,
	registrationId: string
): Promise<boolean> {
	return guard(
		withUser(
			db,
			actor,
			async (tx) =>
				(
					await tx.query<{ ok: boolean }>('select app.event_undo_check_in($1, $2) as ok', [sessionId, registrationId])
				)[0].ok
		),
		eventErrors
	);
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
			const s = await organisedSession(tx, sessionId);
			// By default, a walk-in follows this session in its group and the first session of the other groups.
			const groups = await tx.query<{ id: string; first: string }>(
				`select g.id, (select s2.id from public.event_sessions s2 where s2.choice_group_id = g.id order by s2.starts_at, s2.title limit 1) as first
				   from public.event_choice_groups g where g.event_id = $1`,
				[s.event_id]
			);
			const choices = groups.map((g) =>
				g.id === s.choice_group_id ? sessionId : (input.choices.find((c) => c === g.first) ?? g.first)
			);
			const name = input.orgName ? `${input.fullName} (${input.orgName})` : input.fullName;
			const [row] = await tx.query<{ id: string }>(
				'select app.event_register($1, null, null, $2::uuid[], $3, $4, true) as id',
				[s.event_id, choices, name.slice(0, 200), input.email]
			);
			await tx.query('select * from app.event_check_in($1, $2, null, $3)', [sessionId, row.id, 'walk_in']);
			return row.id;
		}),
		eventErrors
	);
}

export async function markNoShows(db: Database, actor: Actor, eventId: string): Promise<number> {
	return guard(
		withUser(
			db,
			actor,
			async (tx) => (await tx.query<{ n: number }>('select app.event_mark_no_shows($1) as n', [eventId]))[0].n
		),
		eventErrors
	);
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
			const event = await selectEvent(tx, eventId);
			if (!event) throw notFound('Cet événement');
			if (!registrationId && !(await isOrganiser(tx, eventId))) throw forbidden();
			const rows = await attendance(tx, eventId, registrationId);
			return { event, rows };
		}),
		eventErrors
	);
}

/** Attestations de présence as a PDF: every participant's (organisers), or one registration's (its person). */
export async function certificatesFile(db: Database, actor: Actor, eventId: string, registrationId?: string) {
	const { event: e, rows } = await eventForCertificates(db, actor, eventId, registrationId);
	if (registrationId && !rows.length)
		throw new AppError(
			'not_found',
			"Aucune présence n'est enregistrée pour cette inscription : pas d'attestation pour l'instant.",
			404
		);
	const body = await certificatesPdf({
		eventTitle: e.title,
		eventKind: EVENT_KINDS[e.kind],
		organiser: e.organiser_name,
		starts_at: e.starts_at,
		ends_at: e.ends_at,
		place: e.place,
		people: rows
	});
	return { body, filename: registrationId ? `attestation-${rows[0].full_name}.pdf` : `attestations-${e.title}.pdf` };
}

/** The printable émargement sheet of a session (organisers). */
export async function emargementFile(db: Database, actor: Actor, sessionId: string) {
	const s = await getSession(db, actor, sessionId);
	const d = await getEvent(db, actor, s.event_id);
	const people = await checkinList(db, actor, s.id);
	const body = await emargementPdf({
		eventTitle: d.event.title,
		organiser: d.event.organiser_name,
		place: d.event.place,
		session: s,
		people: people.map((p) => ({ full_name: p.full_name, org_name: p.org_name, checked_at: p.checked_at }))
	});
	return { body, filename: `emargement-${s.title}.pdf` };
}
