// Registrations with one waiting list per event: registering (oneself or colleagues), offers of a freed place,
// cancelling, lists. Capacity and the waiting list live in security-definer functions of the migration that
// lock the event row; e-mails are queued in the same transaction.
import type { Actor, Database } from '../db';
import { asService, elevated, withUser } from '../db';
import { forbidden, guard, notFound } from '$lib/server/kit/errors';
import { REGISTRATION_STATUSES } from '$lib/events/labels';
import { eventErrors } from './access';
import { REG_SELECT, type RegistrationRow } from './model';
import { mailRegistration, notifyOffers } from './mail';
import { getEvent } from './events';
import { tableFile } from './figures';

/** People the caller may register: themself in each of their collectivités, and colleagues where they are admin. */
export async function registrablePeople(db: Database, actor: Actor, eventId: string) {
	return withUser(db, actor, (tx) =>
		tx.query<{
			user_id: string;
			org_id: string;
			org_name: string;
			display_name: string;
			self: boolean;
			registered: boolean;
		}>(
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

export interface RegisterInput {
	eventId: string;
	userId?: string;
	orgId?: string | null;
	choices: string[];
}

/** Registers someone; confirmed (confirmation e-mail with ICS and QR code) or waitlisted (e-mail too). */
export async function register(
	db: Database,
	actor: Actor,
	input: RegisterInput,
	now = new Date()
): Promise<RegistrationRow> {
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
			return mailRegistration(tx, row.id);
		}),
		eventErrors
	);
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
			const [{ may_act: mayAct }] = await tx.query<{ may_act: boolean }>(
				'select app.event_may_act_on_registration($1) as may_act',
				[id]
			);
			return { registration: reg, waitlistRank, attended, mayAct };
		}),
		eventErrors
	);
}

export async function cancelRegistration(db: Database, actor: Actor, id: string, now = new Date()): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const offered = await tx.query<{ id: string }>('select app.event_cancel_registration($1, $2) as id', [id, now]);
			await notifyOffers(
				tx,
				offered.map((r) => r.id)
			);
		}),
		eventErrors
	);
}

export async function answerOffer(
	db: Database,
	actor: Actor,
	id: string,
	accept: boolean,
	now = new Date()
): Promise<void> {
	await guard(
		withUser(db, actor, async (tx) => {
			const offered = await tx.query<{ id: string }>('select app.event_answer_offer($1, $2, $3) as id', [
				id,
				accept,
				now
			]);
			await notifyOffers(
				tx,
				offered.map((r) => r.id)
			);
			if (accept) await mailRegistration(tx, id);
		}),
		eventErrors
	);
}

/**
 * The background job: expired offers are withdrawn and the places offered to the next people. Safe with several
 * instances (events are claimed with FOR UPDATE SKIP LOCKED). `now` is the job's clock (tests pass their own).
 */
export async function expireOffers(db: Database, now = new Date()): Promise<{ expired: number; offered: number }> {
	return asService(db, 'events: expire waiting-list offers', async (tx) => {
		const rows = await tx.query<{ expired: string | null; offered: string | null }>(
			'select * from app.event_expire_offers($1)',
			[now]
		);
		const offered = rows.map((r) => r.offered).filter((x): x is string => !!x);
		await notifyOffers(tx, offered, false);
		return { expired: rows.filter((r) => r.expired).length, offered: offered.length };
	});
}

/** Registrations of an event (organiser, or a manager for their colleagues: RLS filters). */
export async function listRegistrations(db: Database, actor: Actor, eventId: string): Promise<RegistrationRow[]> {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<RegistrationRow>(`${REG_SELECT} where r.event_id = $1 order by r.status = 'cancelled', r.arrival`, [
				eventId
			])
		),
		eventErrors
	);
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

/** The registrations of an event as a CSV or XLSX file (organisers). */
export async function registrationsFile(db: Database, actor: Actor, eventId: string, format: 'csv' | 'xlsx') {
	const d = await getEvent(db, actor, eventId);
	if (!d.isOrganiser) throw forbidden("Seuls les organisateurs de l'événement peuvent exporter les inscrits.");
	const regs = await listRegistrations(db, actor, d.event.id);
	const titles = new Map(d.sessions.map((s) => [s.id, s.title]));
	const header = ['Nom', 'E-mail', 'Collectivité', 'Statut', 'Ateliers', 'Sur place', 'Absent', 'Inscrit le'];
	const rows = regs.map((r) => [
		r.full_name,
		r.email,
		r.org_name ?? '',
		REGISTRATION_STATUSES[r.status],
		r.choices.map((c) => titles.get(c) ?? '').join(', '),
		r.walk_in ? 'oui' : 'non',
		r.no_show ? 'oui' : 'non',
		r.created_at.toISOString()
	]);
	return tableFile(`inscrits-${d.event.title}`, format, [{ name: 'Inscrits', header, rows }]);
}
