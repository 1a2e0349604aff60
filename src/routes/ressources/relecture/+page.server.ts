import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { myNetworks, reviewQueue } from '$lib/server/resources/sharing';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const [queue, networks] = await Promise.all([reviewQueue(db, user), myNetworks(db, user)]);
	return { queue, animated: networks.filter((n) => n.animator) };
};
