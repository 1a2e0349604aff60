import type { Actor, Database } from '../db';
import { elevated, withUser } from '../db';
import type { MembershipStatus } from './service';

/**
 * Number of approved member collectivités per network, for the public directory. RLS only lets a person see
 * the memberships of networks they belong to or animate, so the count is taken with the service role; it is
 * an aggregate (no names, no ids) and the network list itself is public.
 */
export async function networkMemberCounts(db: Database, actor: Actor | null): Promise<Record<string, number>> {
	const rows = await withUser(db, actor, (tx) =>
		elevated(tx, (t) =>
			t.query<{ network_id: string; n: number }>(
				`select network_id, count(*)::int as n from public.network_memberships where status = 'approved' group by network_id`
			)
		)
	);
	return Object.fromEntries(rows.map((r) => [r.network_id, r.n]));
}

export interface MyOpenMembership {
	network_id: string;
	org_id: string;
	org_name: string;
	org_slug: string;
	status: Extract<MembershipStatus, 'pending' | 'approved'>;
}

/** The open (pending or approved) memberships of the collectivités the person belongs to, in every network. */
export async function myOpenMemberships(db: Database, actor: Actor): Promise<MyOpenMembership[]> {
	return withUser(db, actor, (tx) =>
		tx.query<MyOpenMembership>(
			`select nm.network_id, nm.org_id, o.name as org_name, o.slug as org_slug, nm.status
			   from public.network_memberships nm
			   join public.organisation_members om on om.org_id = nm.org_id and om.user_id = auth.uid()
			   join public.organisations o on o.id = nm.org_id
			  where nm.status in ('pending', 'approved')
			  order by o.name`
		)
	);
}

export interface AnimatorRow {
	network_id: string;
	user_id: string;
	display_name: string | null;
	email: string | null;
	created_at: Date;
}

/** Every network's animators (platform administration page). */
export async function listAllAnimators(db: Database, actor: Actor): Promise<AnimatorRow[]> {
	return withUser(db, actor, (tx) =>
		tx.query<AnimatorRow>(
			`select a.network_id, a.user_id, u.display_name, u.email, a.created_at
			   from public.network_animators a left join public.users u on u.id = a.user_id
			  order by u.display_name`
		)
	);
}
