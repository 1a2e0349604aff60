import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { exportArchiveName, exportOrganisationZip } from '$lib/server/organisations/data';
import { getOrganisationBySlug } from '$lib/server/organisations/service';

/** Everything the platform holds for the collectivité, as one ZIP (RGPD; its administrators only). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const { zip, slug } = await orHttpError(
		(async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			return exportOrganisationZip(db, user, org.id);
		})()
	);
	return download(zip, exportArchiveName(slug), { type: 'application/zip' });
};
