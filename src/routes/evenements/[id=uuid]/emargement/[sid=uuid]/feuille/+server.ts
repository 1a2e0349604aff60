import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { emargementFile } from '$lib/server/events/attendance';

/** The printable émargement sheet of a session (organisers). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const f = await orHttpError(emargementFile(await getDb(), user, event.params.sid));
	return download(f.body, f.filename, { type: 'application/pdf' });
};
