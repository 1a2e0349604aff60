import type { LayoutServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { getSpaserDocument } from '$lib/server/spaser/documents';

/**
 * Every page of a SPASER needs a signed-in person whom row-level security lets read it; anyone else gets the
 * French 404 (« Ce SPASER n'existe pas ou vous n'y avez pas accès »), the same as for a document that does not exist.
 * Page loads below `await parent()` before reading anything else (the live Y.Doc is read without RLS).
 */
export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const spaser = await orHttpError(getSpaserDocument(await getDb(), user, event.params.id));
	return { spaser };
};
