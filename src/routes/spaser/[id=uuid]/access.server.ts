import { error, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { getSpaserDocument } from '$lib/server/spaser/documents';

/** For endpoints and actions of /spaser/[id]/…: the signed-in user, the database and the document (RLS-checked). */
export async function spaserFor(event: Pick<RequestEvent, 'locals' | 'url' | 'params'>) {
	const user = requireUser(event);
	const id = (event.params as { id?: string }).id;
	if (!id) error(404, { message: "Ce SPASER n'existe pas ou vous n'y avez pas accès." });
	const db = await getDb();
	const spaser = await orHttpError(getSpaserDocument(db, user, id));
	return { user, db, spaser };
}
