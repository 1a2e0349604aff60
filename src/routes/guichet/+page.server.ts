import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { animatedNetworks, buyerNetworks, myRequests } from '$lib/server/guichet/lists';
import { STATUS_WORDS } from '$lib/guichet/labels';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const [networks, requests, animated] = await orHttpError(
		Promise.all([buyerNetworks(db, user), myRequests(db, user), animatedNetworks(db, user)])
	);
	return {
		networks,
		upcoming: requests.filter((r) => r.upcoming),
		past: requests.filter((r) => !r.upcoming),
		animated,
		statusWords: STATUS_WORDS
	};
};
