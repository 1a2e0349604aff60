import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { myNetworks } from '$lib/server/resources/sharing';
import { searchResources } from '$lib/server/resources/search';
import { cpvDivisionLabel } from '$lib/server/resources/cpv';
import { searchParamsFromUrl } from '$lib/server/resources/input';

export const load: PageServerLoad = async (event) => {
	const user = event.locals.user;
	const db = await getDb();
	const params = searchParamsFromUrl(event.url);
	const [result, networks] = await Promise.all([
		searchResources(db, user, params),
		user ? myNetworks(db, user) : Promise.resolve([])
	]);
	const cpvLabels = Object.fromEntries(Object.keys(result.facets.cpv).map((p) => [p, cpvDivisionLabel(p) ?? p]));
	return {
		params,
		result,
		cpvLabels,
		isAnimator: networks.some((n) => n.animator),
		deleted: event.url.searchParams.has('supprimee')
	};
};
