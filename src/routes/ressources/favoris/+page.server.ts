import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { listFavourites } from '$lib/server/resources/reuse';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { favourites: await listFavourites(await getDb(), user) };
};
