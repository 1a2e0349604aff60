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
import type { Database } from '../db';
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
