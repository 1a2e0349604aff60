import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { exportOrganisationZip } from '$lib/server/organisations/data';
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
	const day = new Date().toISOString().slice(0, 10);
	return new Response(zip as unknown as BodyInit, {
		headers: {
			'content-type': 'application/zip',
			'content-disposition': `attachment; filename="donnees-${slug}-${day}.zip"`,
			'cache-control': 'private, no-store'
		}
	});
};
