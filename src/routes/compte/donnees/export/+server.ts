import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { exportPersonalData } from '$lib/server/account/data';
import { download } from '$lib/server/kit/download';

/** Everything the platform holds about the signed-in person, as one JSON file (RGPD, right of access). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const data = await exportPersonalData(await getDb(), user);
	const day = new Date().toISOString().slice(0, 10);
	return download(JSON.stringify(data, null, 2), `mes-donnees-spaser-commun-${day}.json`, {
		type: 'application/json; charset=utf-8'
	});
};
