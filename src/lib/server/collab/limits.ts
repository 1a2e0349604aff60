// Caps on what one editor may make the collaboration server do, so that one person cannot stall everyone else
// (on PGlite the database runs on the HTTP thread: every byte stored, merged or projected is time nobody else
// gets; on PostgreSQL it is pool connections and CPU).
//
// 1. Size of one message (decided before it is decoded):
//    - an incremental update (sync type 2) is what one edit produces: typing makes a few bytes, a large paste a
//      few hundred KB. Above `maxUpdateBytes` it is refused with close 4414 « Modification trop volumineuse » —
//      a permanent code for the stock client (4400–4499: it stops reconnecting, so it does not resend the same
//      update in a loop), and the editor explains it in French. Nothing is stored from it; what the person typed
//      BEFORE it is already stored, and the update itself stays in their browser (the editor stops editing so
//      that nothing more piles up behind a change that cannot be sent);
//    - a sync step 2 is what a client sends when it (re)connects: every change the server lacks, e.g. a whole
//      afternoon of offline typing, so it may be larger: up to `maxSyncBytes`;
//    - the document as a whole stays below `maxDocBytes` (close 4413, as before).
// 2. Rate: a token bucket of bytes per USER on this instance (shared by their connections, so reconnecting does
//    not refill it): `rateBurstBytes` at once, then `rateBytesPerMinute`. Every message costs its size plus
//    `messageCostBytes` (so a flood of tiny messages is bounded too: each one is a decode, an apply and an insert
//    row). A message is never dropped: once the bucket is empty the server stops READING the user's sockets
//    (TCP backpressure) until it has refilled, so a legitimate burst (a big paste) is only delayed, and an
//    attacker's stream is slowed to the budget. A new connection costs `connectCostBytes` (the server sends the
//    whole document to it); while the user's bucket is in debt, new connections get HTTP 429.
// The per-minute budget bounds every cost an update causes: its insert; compaction, whose threshold grows with
// the document (see `compactionDue`) so that merging a big document is paid for by as many bytes received; the
// projection into spaser_nodes and automatic versions, which are debounced per document (projection.ts).
import * as decoding from 'lib0/decoding';
import { MESSAGE_SYNC, SYNC_STEP2, SYNC_UPDATE } from './protocol';

export interface RateLimits {
	/** Largest incremental update (one edit) accepted, in bytes of the websocket message. */
	maxUpdateBytes: number;
	/** Largest sync step 2 (a client's missing state on (re)connection) accepted. */
	maxSyncBytes: number;
	/** Bytes a user may send at once (bucket size)… */
	rateBurstBytes: number;
	/** …and per minute after that (refill rate). */
	rateBytesPerMinute: number;
	/** Fixed cost of every message on top of its size. */
	messageCostBytes: number;
	/** Cost of opening a connection. */
	connectCostBytes: number;
}

export const DEFAULT_RATE_LIMITS: RateLimits = {
	maxUpdateBytes: 512 * 1024,
	maxSyncBytes: 2 * 1024 * 1024,
	rateBurstBytes: 1024 * 1024,
	rateBytesPerMinute: 1024 * 1024,
	messageCostBytes: 256,
	connectCostBytes: 32 * 1024
};

/**
 * The size cap of a message by its kind (the first varUints of the y-websocket framing), or null for kinds
 * capped elsewhere (awareness: maxAwarenessBytes, dropped) or malformed ones (left to the message handler).
 */
export function messageSizeCap(
	data: Uint8Array,
	limits: Pick<RateLimits, 'maxUpdateBytes' | 'maxSyncBytes'>
): number | null {
	try {
		const d = decoding.createDecoder(data);
		if (decoding.readVarUint(d) !== MESSAGE_SYNC) return null;
		const step = decoding.readVarUint(d);
		if (step === SYNC_UPDATE) return limits.maxUpdateBytes;
		if (step === SYNC_STEP2) return limits.maxSyncBytes;
		return null;
	} catch {
		return null;
	}
}

/** A token bucket that may go into debt: a message is charged whole, then reading waits until the debt is paid. */
export class ByteBudget {
	private tokens: number;
	private at: number;

	constructor(
		private readonly burst: number,
		private readonly perMinute: number,
		private readonly now: () => number = Date.now
	) {
		this.tokens = burst;
		this.at = now();
	}

	private refill() {
		const t = this.now();
		this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) * this.perMinute) / 60_000);
		this.at = t;
	}

	/** Charges `bytes`; returns how long (ms) to stop reading before the next message (0: go on). */
	charge(bytes: number): number {
		this.refill();
		this.tokens -= bytes;
		return this.waitMs();
	}

	/** How long until the bucket is out of debt (0 when it is not in debt). */
	waitMs(): number {
		this.refill();
		return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 60_000) / this.perMinute);
	}

	/** True when the bucket is full again (it can be forgotten). */
	full(): boolean {
		this.refill();
		return this.tokens >= this.burst;
	}
}

/**
 * One budget per user (per instance). `sweep()` forgets full ones of users without an open connection (a
 * connection keeps its user's budget object: forgetting it would give that user a second, fresh one).
 */
export class UserBudgets {
	private readonly byUser = new Map<string, ByteBudget>();

	constructor(private readonly limits: Pick<RateLimits, 'rateBurstBytes' | 'rateBytesPerMinute'>) {}

	get(userId: string): ByteBudget {
		let b = this.byUser.get(userId);
		if (!b) {
			b = new ByteBudget(this.limits.rateBurstBytes, this.limits.rateBytesPerMinute);
			this.byUser.set(userId, b);
		}
		return b;
	}

	sweep(connected: ReadonlySet<string>) {
		for (const [id, b] of this.byUser) if (!connected.has(id) && b.full()) this.byUser.delete(id);
	}
}

/**
 * Compaction (merge the stored log into the snapshot: reads and rewrites the WHOLE document) is due past the
 * configured thresholds, but never before the log since the last snapshot outweighs a quarter of the snapshot:
 * merging a document of S bytes is then paid for by at least S/4 bytes received (counted like the rate budget,
 * size plus messageCostBytes per update), so its cost is a constant factor of the budget, whatever the size.
 */
export function compactionDue(
	room: { updatesSinceSnapshot: number; bytesSinceSnapshot: number; docBytes: number },
	limits: { compactAfterUpdates: number; compactAfterBytes: number; messageCostBytes: number }
): boolean {
	const threshold =
		room.updatesSinceSnapshot >= limits.compactAfterUpdates || room.bytesSinceSnapshot >= limits.compactAfterBytes;
	if (!threshold) return false;
	const snapshotBytes = Math.max(0, room.docBytes - room.bytesSinceSnapshot);
	const logWeight = room.bytesSinceSnapshot + room.updatesSinceSnapshot * limits.messageCostBytes;
	return logWeight * 4 >= snapshotBytes;
}
