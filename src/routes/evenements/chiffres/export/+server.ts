import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';
import { trainingFiguresFile } from '$lib/server/events/figures';
import { exportFormat, networkQuerySchema, yearOf } from '$lib/server/events/input';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const networkId = networkQuerySchema.parse(event.url.searchParams.get('reseau') ?? undefined);
	const f = await orHttpError(
		trainingFiguresFile(await getDb(), user, yearOf(event.url), networkId, exportFormat(event.url))
	);
	return download(f.body, f.filename, { type: f.type });
};
