import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { withUser } from '$lib/server/db';
import { sessionAlive } from '$lib/server/auth/session';
import { followComments } from '$lib/server/spaser/comments-live';
import { spaserFor } from '../../access.server';

/** How often an open stream re-checks that its reader may still read the SPASER (and keeps proxies awake). */
const RECHECK_MS = 20_000;

/**
 * Server-sent events: `comments` each time the SPASER's discussions changed, with a counter and NO content; the
 * page then fetches GET ../commentaires under its own rights. Opened only by someone who can read the SPASER;
 * the session and the right are checked again before each announcement and every RECHECK_MS, and the stream
 * ends when either is gone.
 */
export const GET: RequestHandler = async (event) => {
	const { user, db, spaser } = await spaserFor(event);
	if (!(event.request.headers.get('accept') ?? '').includes('text/event-stream'))
		error(406, { message: 'Ce flux s’ouvre avec EventSource (Accept: text/event-stream).' });
	const documentId = spaser.id;
	const sessionId = event.locals.session?.id ?? null;
	// the session still open (not signed out, not expired) and the SPASER still readable by its person
	const mayRead = async () => {
		try {
			if (sessionId && !(await sessionAlive(db, sessionId))) return false;
			const [row] = await withUser(db, user, (tx) => tx.query<{ access: string | null }>('select app.spaser_access($1) as access', [documentId]));
			return !!row?.access;
		} catch {
			return false;
		}
	};
	const encoder = new TextEncoder();
	let stop = () => {};
	const stream = new ReadableStream<Uint8Array>({
		async start(controller) {
			let closed = false;
			let revision = 0;
			let checking: Promise<void> | null = null;
			const send = (text: string) => {
				if (closed) return;
				try {
					controller.enqueue(encoder.encode(text));
				} catch {
					stop();
				}
			};
			const end = () => {
				if (closed) return;
				stop();
				try {
					controller.close();
				} catch {
					/* already closed by the client */
				}
			};
			// one rights check at a time; announcements arriving meanwhile are covered by the one in flight
			const announce = () => {
				checking ??= (async () => {
					const ok = await mayRead();
					checking = null;
					if (!ok) end();
					else send(`event: comments\ndata: ${++revision}\n\n`);
				})();
			};
			const unfollow = await followComments(db, documentId, announce);
			const timer = setInterval(async () => {
				if (!(await mayRead())) end();
				else send(': ping\n\n');
			}, RECHECK_MS);
			stop = () => {
				closed = true;
				clearInterval(timer);
				unfollow();
			};
			if (event.request.signal.aborted) return end();
			event.request.signal.addEventListener('abort', end, { once: true });
			send('retry: 1000\n\n');
		},
		cancel() {
			stop();
		}
	});
	return new Response(stream, {
		headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' }
	});
};
