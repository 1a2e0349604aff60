import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { listUsers } from '$lib/server/admin/queries';
import { requirePlatformAdmin } from '$lib/server/admin/access';

export const load: PageServerLoad = async (event) => {
	const user = requirePlatformAdmin(event);
	const q = (event.url.searchParams.get('q') ?? '').trim().slice(0, 200);
	const page = Number(event.url.searchParams.get('page') ?? '1');
	const result = await listUsers(await getDb(), user, { q, page });
	return { q, ...result };
};
