// The durable write queue of each document: every update of a writer is applied and relayed first (rooms.ts), then
// appended to PostgreSQL through persistence.ts; each sender is told which of its changes are saved only once
// they are stored (awareness.ts `sendSaved`); compaction past the thresholds (limits.ts) runs beside the queue.
import { sendSaved } from './awareness';
import { compactionDue } from './limits';
import { appendUpdates, compactDoc, highestSeq } from './persistence';
import { relayNotice } from './relay';
import type { Conn, PendingWrite, Room } from './types';
import { endClocks, type DecodedUpdate } from './updates';

/** Updates per INSERT round-trip when many are waiting. */
const MAX_BATCH = 256;
/** Retry delays of a failed insert (ms): doubled from the first up to the last, then kept. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Queues an update (already applied and relayed) for storage; one queue per document, so seq order is apply order.
 * `conn` (null for a change of the server itself) is told it is saved once it is stored.
 */
export function enqueueWrite(
	room: Room,
	conn: Conn | null,
	update: Uint8Array,
	decoded: DecodedUpdate,
	settle?: PendingWrite['settle']
) {
	room.pending.push({ update, conn, userId: conn ? conn.user.userId : null, clocks: endClocks(decoded), settle });
	room.pendingBytes += update.byteLength;
	if (!room.writing) {
		room.writing = drain(room)
			.catch((err) => room.hub.log.error('collab: write queue failed', { docId: room.id, err: String(err) }))
			.finally(() => {
				room.writing = null;
			});
	}
}

/**
 * Stores the queue of a document: updates waiting while an insert is in flight go into the next one (at most
 * MAX_BATCH), a failed insert is retried with backoff (never dropped), a seq taken by another instance renumbers.
 * After each stored batch: senders told what is saved, onChange, compaction when due (beside the queue).
 */
async function drain(room: Room) {
	const hub = room.hub;
	let retryMs = RETRY_MIN_MS;
	while (room.pending.length > 0) {
		if (room.destroyed) {
			for (const w of room.pending.splice(0)) w.settle?.reject(new Error('document unloaded'));
			break;
		}
		const batch = room.pending.slice(0, MAX_BATCH);
		const firstSeq = room.nextSeq;
		// Never reused, even if the outcome of the insert is unknown (a retry stores the batch again under new
		// seqs: a duplicate Yjs update is harmless).
		room.nextSeq += batch.length;
		let bytes = 0;
		for (const w of batch) bytes += w.update.byteLength;
		const prof = hub.prof;
		const t0 = prof ? performance.now() : 0;
		try {
			const stored = appendUpdates(
				hub.db,
				room.id,
				batch.map((w, i) => ({ seq: firstSeq + i, update: w.update, userId: w.userId })),
				{
					synchronousCommit: hub.opts.synchronousCommit ?? true,
					notify: hub.relayOn ? relayNotice(hub, room.id, firstSeq, batch) : undefined
				}
			);
			if (prof) {
				prof.add('store_submit', t0);
				prof.count('store_batch_updates', batch.length);
			}
			await stored;
			prof?.add('store_round_trip_wall', t0);
		} catch (err) {
			if ((err as { code?: string }).code === '23505') {
				// Another instance used these numbers meanwhile: renumber after the highest stored and retry now.
				room.nextSeq = Math.max(room.nextSeq, (await highestSeq(hub.db, room.id).catch(() => room.nextSeq)) + 1);
				continue;
			}
			hub.counters.storeErrors++;
			hub.log.error('collab: storing updates failed; retrying (the changes stay in memory and with the clients)', {
				docId: room.id,
				count: batch.length,
				retryMs,
				err: String(err)
			});
			// Already applied and relayed: keep the batch at the head of the queue and try again. Its senders
			// are simply not told it is saved; if this process dies meanwhile, the clients hand it back.
			if (hub.closing && hub.closingDeadline !== null && Date.now() > hub.closingDeadline) {
				for (const w of room.pending.splice(0)) w.settle?.reject(err);
				break;
			}
			await new Promise((r) => setTimeout(r, retryMs).unref?.());
			retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
			continue;
		}
		retryMs = RETRY_MIN_MS;
		room.pending.splice(0, batch.length);
		room.pendingBytes -= bytes;
		hub.counters.storeBatches++;
		hub.counters.updatesStored += batch.length;
		hub.counters.bytesStored += bytes;
		room.docBytes += bytes;
		room.updatesSinceSnapshot += batch.length;
		room.bytesSinceSnapshot += bytes;
		// Stored: tell each sender which of its changes are saved.
		const t1 = prof ? performance.now() : 0;
		const acked = new Set<Conn>();
		for (const w of batch) {
			if (w.conn && !w.conn.closed) {
				for (const [client, clock] of w.clocks) {
					if ((w.conn.saved.get(client) ?? 0) < clock) w.conn.saved.set(client, clock);
				}
				acked.add(w.conn);
			}
			w.settle?.resolve();
		}
		for (const c of acked) sendSaved(c);
		try {
			hub.opts.onChange?.(room.id, room.ydoc);
		} catch (err) {
			hub.log.error('collab: onChange failed', { docId: room.id, err: String(err) });
		}
		prof?.add('store_after_incl_saved', t1);
		if (!room.compacting && compactionDue(room, hub.limits)) {
			// Not awaited: the next inserts (seq > uptoSeq) do not wait for it. flushRoom() waits for both.
			room.compacting = compact(room)
				.catch((err) => {
					// The log is intact; compact() already moved the thresholds, so it is tried again after
					// another threshold's worth of updates.
					hub.log.error('collab: compaction failed', { docId: room.id, err: String(err) });
				})
				.finally(() => {
					room.compacting = null;
				});
		}
	}
}

/**
 * Merges the stored log into the snapshot in the database (see compactDoc: from the stored rows, not from this
 * instance's memory, so it is right with several instances). Runs beside the write queue.
 */
export async function compact(room: Room) {
	const hub = room.hub;
	const merged = room.updatesSinceSnapshot;
	const mergedBytes = room.bytesSinceSnapshot;
	// Counted as merged from now on (also if the compaction fails: the next attempt waits for another
	// threshold's worth); updates stored meanwhile keep counting.
	room.updatesSinceSnapshot -= merged;
	room.bytesSinceSnapshot -= mergedBytes;
	const t0 = hub.prof ? performance.now() : 0;
	const result = await compactDoc(hub.db, room.id);
	hub.prof?.add('compaction_wall', t0);
	hub.counters.compactions++;
	room.docBytes = result.bytes + room.bytesSinceSnapshot;
}
