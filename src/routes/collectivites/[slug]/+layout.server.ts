import type { LayoutServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { orHttpError } from '$lib/server/kit/errors';

/** Every page of a collectivité needs a signed-in person who may see it (RLS: otherwise a French 404). */
export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const org = await orHttpError(getOrganisationBySlug(await getDb(), user, event.params.slug));
	return { org };
};
