// What the navigation shows a signed-in person: their collectivités (with their role) and the networks they animate.
import { type Actor, type Database, withUser } from '../db';
import { guard } from '../kit/errors';
import { listMyOrganisations } from '../organisations/service';

export async function navigationFor(db: Database, user: Actor) {
	const organisations = await listMyOrganisations(db, user);
	const animatedNetworks = await guard(
		withUser(db, user, (tx) =>
			tx.query<{ slug: string; name: string }>(
				`select n.slug, n.name from public.networks n join public.network_animators a on a.network_id = n.id where a.user_id = auth.uid() order by n.name`
			)
		)
	);
	return { organisations: organisations.map((o) => ({ ...o, role: o.my_role })), animatedNetworks };
}
