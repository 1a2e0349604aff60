import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { adminOverview } from '$lib/server/admin/queries';
import { requirePlatformAdmin } from '$lib/server/admin/access';

export const load: PageServerLoad = async (event) => {
	const user = requirePlatformAdmin(event);
	return { counts: await adminOverview(await getDb(), user) };
};
