import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { download } from '$lib/server/kit/download';
import { exportResources } from '$lib/server/resources/search';
import { toCsv, toJson } from '$lib/server/resources/io';
import { searchParamsFromUrl } from '$lib/server/resources/input';

/** Export of the filtered selection (same filters as the search page), CSV (re-importable) or JSON. */
export const GET: RequestHandler = async (event) => {
	const params = searchParamsFromUrl(event.url);
	const rows = await exportResources(await getDb(), event.locals.user, params);
	const stamp = new Date().toISOString().slice(0, 10);
	if (event.url.searchParams.get('format') === 'json')
		return download(JSON.stringify(toJson(rows), null, 2), `ressources-${stamp}.json`, {
			type: 'application/json; charset=utf-8'
		});
	return download(toCsv(rows), `ressources-${stamp}.csv`, { type: 'text/csv; charset=utf-8' });
};
