import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { listSpaserDocuments } from '$lib/server/spaser/documents';
import { writesFor } from '$lib/server/organisations/access';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const documents = await listSpaserDocuments(await getDb(), user, org.id);
	return { documents, canCreate: writesFor(org) };
};
