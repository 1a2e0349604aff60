import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { exportPersonalData } from '$lib/server/account/data';

/** Everything the platform holds about the signed-in person, as one JSON file (RGPD, right of access). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const data = await exportPersonalData(await getDb(), user);
	const day = new Date().toISOString().slice(0, 10);
	return new Response(JSON.stringify(data, null, 2), {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': `attachment; filename="mes-donnees-spaser-commun-${day}.json"`,
			'cache-control': 'private, no-store'
		}
	});
};
