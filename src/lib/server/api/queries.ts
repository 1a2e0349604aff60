/**
 * Small read queries the API needs and the domain services do not offer (yet). All run through `withUser`, so
 * row-level security decides what is visible, exactly as for the services.
 */
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { notFound } from '$lib/server/kit/errors';
import type { Membership } from '../networks/service';

export async function getProfile(db: Database, actor: Actor) {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ id: string; email: string; display_name: string; email_verified_at: Date | null; is_platform_admin: boolean }>(
			'select id, email, display_name, email_verified_at, is_platform_admin from public.users where id = auth.uid()'
		)
	);
	if (!row) throw notFound('Ce compte');
	return row;
}

/** The slug of a network (networks are a public directory); 404 when the id is unknown. */
export async function networkSlug(db: Database, actor: Actor | null, networkId: string): Promise<string> {
	const [row] = await withUser(db, actor, (tx) => tx.query<{ slug: string }>('select slug from public.networks where id = $1', [networkId]));
	if (!row) throw notFound('Ce réseau');
	return row.slug;
}

/** One membership as the caller may see it (same columns as the network page's list). */
export async function getMembership(db: Database, actor: Actor, membershipId: string): Promise<Membership> {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<Membership>(
			`select m.id, m.network_id, m.org_id, o.name as org_name, o.slug as org_slug, o.kind as org_kind, o.departement_code,
			        m.status, m.message, m.reason, m.requested_at, ru.display_name as requested_by_name, m.decided_at,
			        du.display_name as decided_by_name
			   from public.network_memberships m
			   left join public.organisations o on o.id = m.org_id
			   left join public.users ru on ru.id = m.requested_by
			   left join public.users du on du.id = m.decided_by
			  where m.id = $1`,
			[membershipId]
		)
	);
	if (!row) throw notFound('Cette adhésion');
	return row;
}
