import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/forms';
import { listMyOrganisations } from '$lib/server/orgs/service';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const organisations = await listMyOrganisations(await getDb(), user);
	return { organisations, left: event.url.searchParams.has('quitte') };
};
