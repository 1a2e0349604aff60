import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { trainingFigures } from '$lib/server/events/figures';
import { networkQuerySchema, yearOf } from '$lib/server/events/input';

/** Training figures: a network (animators) or the caller's collectivités, for one year. */
export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const year = yearOf(event.url);
	const networkId = networkQuerySchema.parse(event.url.searchParams.get('reseau') ?? undefined);
	const { network, orgs } = await orHttpError(trainingFigures(await getDb(), user, year, networkId));
	return { year, network, orgs };
};
