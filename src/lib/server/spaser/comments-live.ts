// Live comments (issue 15): every browser showing a SPASER is told when its discussions changed, and then fetches
// them again under its own rights (GET /spaser/[id]/commentaires). The announcement carries only the SPASER's id,
// never a comment.
//
// Sources of announcements:
//   - PostgreSQL: a trigger on public.spaser_comments sends NOTIFY spaser_comments '<document id>' when a comment
//     is written (migration 20261208110000_comment_anchors.sql), whichever instance wrote it; each instance
//     LISTENs once and tells its own subscribers. Notifications are lost while the listening connection is down,
//     so every subscriber is told to refetch when it comes back.
//   - The embedded engine (one process): comments.ts announces after each committed write (`announceLocally`).
import type { Actor, Database } from '../db';
import { sessionAlive } from '../auth/session';
import { startJob } from '$lib/server/kit/jobs';
import { getSpaserAccess } from './documents';
import { log } from '$lib/server/kit/log';

type Listener = () => void;
const KEY = Symbol.for('spaser.comments.live');
type Hub = { listeners: Map<string, Set<Listener>>; listening: Promise<void> | null };

function hub(): Hub {
	const g = globalThis as { [KEY]?: Hub };
	return (g[KEY] ??= { listeners: new Map(), listening: null });
}

function announce(documentId: string) {
	for (const fn of hub().listeners.get(documentId) ?? []) {
		try {
			fn();
		} catch (e) {
			log.warn('comments: listener failed', { documentId, err: String(e) });
		}
	}
}

function announceAll() {
	for (const id of hub().listeners.keys()) announce(id);
}

/** After a committed write on the embedded engine (Postgres announces through its trigger). */
export function announceLocally(db: Database, documentId: string) {
	if (!db.listen) announce(documentId);
}

/** Calls `fn` (without content) each time the discussions of this SPASER may have changed; returns the unsubscribe. */
export async function followComments(db: Database, documentId: string, fn: Listener): Promise<() => void> {
	const h = hub();
	if (db.listen && !h.listening) {
		let first = true;
		h.listening = db
			.listen(
				'spaser_comments',
				(payload) => announce(payload.trim()),
				() => {
					// re-established after a loss: anything may have been missed
					if (!first) announceAll();
					first = false;
				}
			)
			.then(() => undefined)
			.catch((e) => {
				h.listening = null;
				log.error('comments: LISTEN failed', { err: String(e) });
			});
	}
	await h.listening;
	let set = h.listeners.get(documentId);
	if (!set) h.listeners.set(documentId, (set = new Set()));
	set.add(fn);
	return () => {
		set.delete(fn);
		if (!set.size && h.listeners.get(documentId) === set) h.listeners.delete(documentId);
	};
}

/** How often an open stream re-checks that its reader may still read the SPASER (and keeps proxies awake). */
const RECHECK_MS = 20_000;

/**
 * The body of GET /spaser/[id]/commentaires/flux (server-sent events): `comments` each time the SPASER's
 * discussions changed, with a counter and NO content; the page then fetches GET ../commentaires under its own rights.
 * The session and the right to read are checked again before each announcement and every RECHECK_MS, and the stream
 * ends when either is gone (or when the client goes away: `signal`).
 */
export function commentStream(
	db: Database,
	user: Actor,
	documentId: string,
	sessionId: string | null,
	signal: AbortSignal
): ReadableStream<Uint8Array> {
	// the session still open (not signed out, not expired) and the SPASER still readable by its person
	const mayRead = async () => {
		try {
			if (sessionId && !(await sessionAlive(db, sessionId))) return false;
			return (await getSpaserAccess(db, user, documentId)) !== null;
		} catch {
			return false;
		}
	};
	const encoder = new TextEncoder();
	let stop = () => {};
	return new ReadableStream<Uint8Array>({
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
			const recheck = startJob(
				'comment stream re-check',
				async () => {
					if (!(await mayRead())) end();
					else send(': ping\n\n');
				},
				{ intervalMs: RECHECK_MS, firstRunMs: null, jitter: 0 }
			);
			stop = () => {
				closed = true;
				void recheck.stop();
				unfollow();
			};
			if (signal.aborted) return end();
			signal.addEventListener('abort', end, { once: true });
			send('retry: 1000\n\n');
		},
		cancel() {
			stop();
		}
	});
}
