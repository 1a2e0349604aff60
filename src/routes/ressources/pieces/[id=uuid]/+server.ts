import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { getAttachment } from '$lib/server/resources/attachments';

/** Downloads an attachment the person may see (RLS decides; a guessed id of a private one is a 404). */
export const GET: RequestHandler = async (event) => {
	const a = await orHttpError(getAttachment(await getDb(), event.locals.user, event.params.id));
	return download(new Uint8Array(a.data), a.filename, { type: a.mime });
};
