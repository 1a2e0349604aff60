import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { exportResources } from '$lib/server/resources/search';
import { toCsv, toJson } from '$lib/server/resources/io';
import { searchParamsFromUrl } from '$lib/server/resources/input';

/** Export of the filtered selection (same filters as the search page), CSV (re-importable) or JSON. */
export const GET: RequestHandler = async (event) => {
	const params = searchParamsFromUrl(event.url);
	const rows = await exportResources(await getDb(), event.locals.user, params);
	const stamp = new Date().toISOString().slice(0, 10);
	if (event.url.searchParams.get('format') === 'json')
		return new Response(JSON.stringify(toJson(rows), null, 2), {
			headers: {
				'content-type': 'application/json; charset=utf-8',
				'content-disposition': `attachment; filename="ressources-${stamp}.json"`
			}
		});
	return new Response(toCsv(rows), {
		headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="ressources-${stamp}.csv"` }
	});
};
