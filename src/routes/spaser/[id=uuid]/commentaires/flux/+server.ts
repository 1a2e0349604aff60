import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { commentStream } from '$lib/server/spaser/comments-live';
import { spaserFor } from '../../access.server';

/**
 * Server-sent events announcing that the SPASER's discussions changed (no content: see `commentStream`). Opened
 * only by someone who can read the SPASER, with EventSource.
 */
export const GET: RequestHandler = async (event) => {
	const { user, db, spaser } = await spaserFor(event);
	if (!(event.request.headers.get('accept') ?? '').includes('text/event-stream'))
		error(406, { message: 'Ce flux s’ouvre avec EventSource (Accept: text/event-stream).' });
	return new Response(commentStream(db, user, spaser.id, event.locals.session?.id ?? null, event.request.signal), {
		headers: {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-store',
			'x-accel-buffering': 'no'
		}
	});
};
