import type { LayoutServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { navigationFor } from '$lib/server/account/navigation';
import { orHttpError } from '$lib/server/kit/errors';

export const load: LayoutServerLoad = async ({ locals }) => {
	if (!locals.user) return { user: null, organisations: [], animatedNetworks: [] };
	return { user: locals.user, ...(await orHttpError(navigationFor(await getDb(), locals.user))) };
};
