import type { PageServerLoad } from './$types';
import { requireUser } from '$lib/server/kit/forms';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	// The root layout already loaded the user's collectivités.
	const { organisations } = await event.parent();
	return { organisations, left: event.url.searchParams.has('quitte'), closed: event.url.searchParams.get('fermee') };
};
