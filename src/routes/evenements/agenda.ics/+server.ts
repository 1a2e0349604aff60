import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { agendaIcs } from '$lib/server/events/service';

/** Public agenda feed (upcoming published events open beyond a network's members); ?reseau=<slug> for one network. */
export const GET: RequestHandler = async ({ url }) => {
	const slug = url.searchParams.get('reseau');
	const body = await agendaIcs(await getDb(), slug && /^[a-z0-9-]{1,80}$/.test(slug) ? slug : null);
	return new Response(body, {
		headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'public, max-age=900', 'content-disposition': 'inline; filename="agenda.ics"' }
	});
};
