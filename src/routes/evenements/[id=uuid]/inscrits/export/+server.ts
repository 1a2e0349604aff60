import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { registrationsFile } from '$lib/server/events/registrations';
import { exportFormat } from '$lib/server/events/input';

/** Registrations of an event as CSV or XLSX (organisers). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const f = await orHttpError(registrationsFile(await getDb(), user, event.params.id, exportFormat(event.url)));
	return download(f.body, f.filename, { type: f.type });
};
