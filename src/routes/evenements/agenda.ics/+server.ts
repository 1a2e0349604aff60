import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { download } from '$lib/server/kit/download';
import { agendaIcs } from '$lib/server/events/agenda';
import { networkSlugSchema } from '$lib/server/events/input';

/** Public agenda feed (upcoming published events open beyond a network's members); ?reseau=<slug> for one network. */
export const GET: RequestHandler = async ({ url }) => {
	const body = await agendaIcs(await getDb(), networkSlugSchema.parse(url.searchParams.get('reseau')));
	return download(body, 'agenda.ics', {
		type: 'text/calendar; charset=utf-8',
		disposition: 'inline',
		headers: { 'cache-control': 'public, max-age=900' }
	});
};
