import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { certificatesFile } from '$lib/server/events/attendance';

/** The participant's attestation de présence (only what they attended). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const f = await orHttpError(certificatesFile(await getDb(), user, event.params.id, event.params.rid));
	return download(f.body, f.filename, { type: 'application/pdf' });
};
