import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { listOutbox } from '$lib/server/admin/queries';
import { requirePlatformAdmin } from '$lib/server/admin/access';

export const load: PageServerLoad = async (event) => {
	const user = requirePlatformAdmin(event);
	const address = (event.url.searchParams.get('adresse') ?? '').trim().slice(0, 254);
	const page = Number(event.url.searchParams.get('page') ?? '1');
	const result = await listOutbox(await getDb(), user, { address, page });
	return { address, ...result };
};
