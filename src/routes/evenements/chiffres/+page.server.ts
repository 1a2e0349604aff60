import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDb, withUser } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { networkFigures, orgFigures } from '$lib/server/events/figures';
import { uuid } from '$lib/server/kit/input';
import { toAppError } from '$lib/server/kit/errors';
import { yearOf } from './year';


/** Training figures: a network (animators) or the caller's collectivités, for one year. */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const year = yearOf(event.url);
	const fail = (e: unknown) => {
		const err = toAppError(e);
		return error(err.status, { message: err.message });
	};
	const reseau = event.url.searchParams.get('reseau');
	const network = reseau && uuid.safeParse(reseau).success ? await networkFigures(db, user, reseau, year).catch(fail) : null;
	const myOrgs = await withUser(db, user, (tx) =>
		tx.query<{ id: string }>(`select o.id from public.organisations o join public.organisation_members m on m.org_id = o.id and m.user_id = auth.uid() where o.archived_at is null order by o.name`)
	);
	const orgs = network ? [] : await Promise.all(myOrgs.map((o) => orgFigures(db, user, o.id, year)));
	return { year, network, orgs };
};
