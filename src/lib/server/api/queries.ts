/**
 * Small read queries the API needs and the domain services do not offer (yet); networks are read through their
 * service (src/lib/server/networks/service.ts). All run through `withUser`, so
 * row-level security decides what is visible, exactly as for the services.
 */
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { notFound } from '$lib/server/kit/errors';

export async function getProfile(db: Database, actor: Actor) {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{
			id: string;
			email: string;
			display_name: string;
			email_verified_at: Date | null;
			is_platform_admin: boolean;
		}>('select id, email, display_name, email_verified_at, is_platform_admin from public.users where id = auth.uid()')
	);
	if (!row) throw notFound('Ce compte');
	return row;
}
