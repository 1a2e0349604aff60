import type { LayoutServerLoad } from './$types';
import { getDb, withUser } from '$lib/server/db';
import { listMyOrganisations } from '$lib/server/organisations/service';

export const load: LayoutServerLoad = async ({ locals }) => {
	if (!locals.user) return { user: null, organisations: [], animatedNetworks: [] };
	const db = await getDb();
	const organisations = await listMyOrganisations(db, locals.user);
	const animatedNetworks = await withUser(db, locals.user, (tx) =>
		tx.query<{ slug: string; name: string }>(
			`select n.slug, n.name from public.networks n join public.network_animators a on a.network_id = n.id where a.user_id = auth.uid() order by n.name`
		)
	);
	return {
		user: locals.user,
		organisations: organisations.map((o) => ({ ...o, role: o.my_role })),
		animatedNetworks
	};
};
