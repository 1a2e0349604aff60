import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { loadAuditPage } from '$lib/server/audit/page';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	if (org.my_role !== 'admin' && !user.isPlatformAdmin)
		error(403, { message: 'Le journal est réservé aux administrateurs de la collectivité.' });
	return loadAuditPage(await getDb(), user, { orgId: org.id }, event.url);
};
