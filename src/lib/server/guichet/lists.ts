// Guichet vert listings for the pages (networks, requests, the caller's profile, names). Every query runs
// through withUser: row-level security decides what each person sees.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { guard } from '$lib/server/kit/errors';
import { formatSlotFr, type Slot } from './slots';

export interface GuichetNetwork {
	id: string;
	slug: string;
	name: string;
	org_name: string;
	/** The caller may ask and book for this collectivité (admin or rédacteur); a lecteur only reads. */
	can_act: boolean;
}

/** Networks the caller may ask as a buyer (member of a collectivité approved in the network). */
export function buyerNetworks(db: Database, actor: Actor) {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<GuichetNetwork>(
				`select distinct on (n.id) n.id, n.slug, n.name, o.name as org_name, app.guichet_may_act(n.id, nm.org_id) as can_act
			   from public.networks n
			   join public.network_memberships nm on nm.network_id = n.id and nm.status = 'approved'
			   join public.organisation_members m on m.org_id = nm.org_id and m.user_id = auth.uid()
			   join public.organisations o on o.id = nm.org_id
			  where app.guichet_is_buyer(n.id, nm.org_id)
			  order by n.id, app.guichet_may_act(n.id, nm.org_id) desc, o.name`
			)
		)
	).then((rows) => rows.sort((a, b) => a.name.localeCompare(b.name, 'fr')));
}

/** Where the caller stands at a network's guichet: may ask and book (isBuyer), or only reads (isReader). */
export async function buyerStanding(db: Database, actor: Actor, networkId: string) {
	const mine = (await buyerNetworks(db, actor)).find((n) => n.id === networkId);
	return { isBuyer: !!mine?.can_act, isReader: !!mine && !mine.can_act };
}

/** Networks the caller animates. */
export function animatedNetworks(db: Database, actor: Actor) {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string; slug: string; name: string }>(
				`select n.id, n.slug, n.name from public.networks n where app.is_network_animator(n.id) order by n.name`
			)
		)
	);
}

export interface RequestListRow {
	id: string;
	kind: 'question' | 'session';
	topic: string;
	status: 'open' | 'answered' | 'closed';
	created_at: Date;
	network_name: string;
	network_slug: string;
	org_name: string;
	booking_id: string | null;
	booking_status: string | null;
	starts_at: Date | null;
	ends_at: Date | null;
	slot_label: string | null;
	upcoming: boolean;
}

const REQUEST_LIST = `select r.id, r.kind, r.topic, r.status, r.created_at, n.name as network_name, n.slug as network_slug,
	o.name as org_name, b.id as booking_id, b.status as booking_status, lower(b.during) as starts_at, upper(b.during) as ends_at
	from public.guichet_requests r
	join public.networks n on n.id = r.network_id
	join public.organisations o on o.id = r.org_id
	left join lateral (select * from public.guichet_bookings b where b.request_id = r.id order by b.created_at desc limit 1) b on true`;

function withLabels(rows: Omit<RequestListRow, 'slot_label' | 'upcoming'>[]): RequestListRow[] {
	const now = Date.now();
	return rows.map((r) => ({
		...r,
		slot_label:
			r.starts_at && r.ends_at
				? formatSlotFr({ start: new Date(r.starts_at), end: new Date(r.ends_at) } as Slot)
				: null,
		upcoming:
			r.kind === 'question'
				? r.status !== 'closed'
				: (r.booking_status === 'pending' || r.booking_status === 'confirmed') &&
					!!r.ends_at &&
					new Date(r.ends_at).getTime() > now
	}));
}

/** The caller's own requests (questions and sessions), newest first. */
export async function myRequests(db: Database, actor: Actor) {
	const rows = await guard(
		withUser(db, actor, (tx) =>
			tx.query<Omit<RequestListRow, 'slot_label' | 'upcoming'>>(
				`${REQUEST_LIST} where r.requester_id = auth.uid() order by coalesce(lower(b.during), r.created_at) desc`
			)
		)
	);
	return withLabels(rows);
}

/** Requests of a network the caller animates. */
export async function networkRequests(db: Database, actor: Actor, networkId: string) {
	const rows = await guard(
		withUser(db, actor, (tx) =>
			tx.query<Omit<RequestListRow, 'slot_label' | 'upcoming'>>(
				`${REQUEST_LIST} where r.network_id = $1 and app.is_network_animator(r.network_id) order by coalesce(lower(b.during), r.created_at) desc limit 200`,
				[networkId]
			)
		)
	);
	return withLabels(rows);
}

/** Display names of users the caller may see (for message threads). */
export async function userNames(db: Database, actor: Actor, ids: string[]) {
	if (!ids.length) return {} as Record<string, string>;
	const rows = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string; display_name: string | null }>(
				`select id, display_name from public.users where id = any ($1::uuid[])`,
				[ids]
			)
		)
	);
	return Object.fromEntries(rows.map((r) => [r.id, r.display_name ?? ''])) as Record<string, string>;
}
