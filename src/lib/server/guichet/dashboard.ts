// Guichet vert: the network's yearly dashboard (requests per month, topics, stages, collectivités served,
// delays, satisfaction), for its animators and the platform admins.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { guard } from '$lib/server/kit/errors';
import { STAGES, STAGE_KEYS, type Stage } from '$lib/guichet/labels';
import { requireDashboard } from './access';

export interface GuichetDashboard {
	year: number;
	months: { month: number; questions: number; sessions: number }[];
	topics: { topic: string; count: number }[];
	stages: { stage: Stage; label: string; count: number }[];
	served: { orgId: string; name: string; requests: number }[];
	neverServed: { orgId: string; name: string }[];
	/** Median hours between a session request and the session booked (time to first available slot). */
	medianHoursToSession: number | null;
	/** Median hours before the first answer of a question minute. */
	medianHoursToAnswer: number | null;
	satisfaction: { mean: number | null; answers: number };
	sessionsDone: number;
	noShows: number;
}

export async function networkDashboard(
	db: Database,
	actor: Actor,
	networkId: string,
	opts: { year: number }
): Promise<GuichetDashboard> {
	const year = opts.year;
	return guard(
		withUser(db, actor, async (tx) => {
			await requireDashboard(tx, networkId);
			const params = [networkId, year];
			const inYear = `r.network_id = $1 and extract(year from r.created_at at time zone 'Europe/Paris') = $2`;
			const months = await tx.query<{ month: number; questions: number; sessions: number }>(
				`select m.month, count(r.id) filter (where r.kind = 'question')::int as questions, count(r.id) filter (where r.kind = 'session')::int as sessions
				   from generate_series(1, 12) as m(month)
				   left join public.guichet_requests r on ${inYear} and extract(month from r.created_at at time zone 'Europe/Paris') = m.month
				  group by m.month order by m.month`,
				params
			);
			const topics = await tx.query<{ topic: string; count: number }>(
				`select r.topic, count(*)::int as count from public.guichet_requests r where ${inYear} group by r.topic order by count desc, r.topic`,
				params
			);
			const stageRows = await tx.query<{ stage: Stage; count: number }>(
				`select r.stage, count(*)::int as count from public.guichet_requests r where ${inYear} group by r.stage`,
				params
			);
			const served = await tx.query<{ orgId: string; name: string; requests: number }>(
				`select o.id as "orgId", o.name, count(*)::int as requests from public.guichet_requests r join public.organisations o on o.id = r.org_id
				  where ${inYear} group by o.id, o.name order by o.name`,
				params
			);
			const neverServed = await tx.query<{ orgId: string; name: string }>(
				`select o.id as "orgId", o.name from public.network_memberships nm join public.organisations o on o.id = nm.org_id
				  where nm.network_id = $1 and nm.status = 'approved'
				    and not exists (select 1 from public.guichet_requests r where r.network_id = $1 and r.org_id = nm.org_id)
				  order by o.name`,
				[networkId]
			);
			const [times] = await tx.query<{ to_session: number | null; to_answer: number | null }>(
				`select (select percentile_cont(0.5) within group (order by extract(epoch from lower(b.during) - r.created_at) / 3600)
				           from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id where ${inYear})::float8 as to_session,
				        (select percentile_cont(0.5) within group (order by extract(epoch from r.answered_at - r.created_at) / 3600)
				           from public.guichet_requests r where ${inYear} and r.kind = 'question' and r.answered_at is not null)::float8 as to_answer`,
				params
			);
			const [sat] = await tx.query<{ mean: number | null; answers: number; done: number; no_show: number }>(
				`select (select avg(s.rating)::float8 from public.guichet_surveys s join public.guichet_bookings b on b.id = s.booking_id
				          join public.guichet_requests r on r.id = b.request_id where ${inYear}) as mean,
				        (select count(*)::int from public.guichet_surveys s join public.guichet_bookings b on b.id = s.booking_id
				          join public.guichet_requests r on r.id = b.request_id where ${inYear}) as answers,
				        (select count(*)::int from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id
				          where ${inYear} and b.status = 'done' and lower(b.during) <= now()) as done,
				        (select count(*)::int from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id
				          where ${inYear} and b.status = 'no_show' and lower(b.during) <= now()) as no_show`,
				params
			);
			return {
				year,
				months,
				topics,
				stages: STAGE_KEYS.map((s) => ({
					stage: s,
					label: STAGES[s],
					count: stageRows.find((x) => x.stage === s)?.count ?? 0
				})),
				served,
				neverServed,
				medianHoursToSession: times.to_session == null ? null : Math.round(times.to_session * 10) / 10,
				medianHoursToAnswer: times.to_answer == null ? null : Math.round(times.to_answer * 10) / 10,
				satisfaction: { mean: sat.mean == null ? null : Math.round(sat.mean * 100) / 100, answers: sat.answers },
				sessionsDone: sat.done,
				noShows: sat.no_show
			};
		})
	);
}
