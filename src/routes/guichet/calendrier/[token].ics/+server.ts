import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { calendarFeed } from '$lib/server/guichet/feed';

// The private calendar feed behind a revocable token (the URL given by createFeedToken).
export const GET: RequestHandler = async ({ params }) => {
	const ics = await calendarFeed(await getDb(), params.token);
	if (ics == null) error(404, { message: 'Ce lien de calendrier est inconnu ou a été révoqué.' });
	return new Response(ics, {
		headers: { 'content-type': 'text/calendar; charset=utf-8', 'cache-control': 'private, no-store' }
	});
};
