import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { loadAuditPage } from '$lib/server/audit/page';
import { getNetworkBySlug } from '$lib/server/networks/service';
import { orHttpError } from '$lib/server/kit/errors';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const { network } = await orHttpError(getNetworkBySlug(db, user, event.params.slug));
	if (!network.i_animate && !user.isPlatformAdmin)
		error(403, { message: 'Le journal du réseau est réservé à ses animateurs.' });
	return { network, ...(await loadAuditPage(db, user, { networkId: network.id }, event.url)) };
};
