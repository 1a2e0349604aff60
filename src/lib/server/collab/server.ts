// Real-time collaboration server: speaks the y-websocket protocol (see protocol.ts) at `/collab/<document id>`
// so that the stock `y-websocket` WebsocketProvider connects to it, with our own rules:
//
// - Upgrade: path → document id (uuid), `Origin` must be allowed (cross-site websocket hijacking), the user is
//   authenticated (`authenticate(req)`) and authorised on that document (`authorize(userId, docId)` → 'write',
//   'read' or null). Refusals are plain HTTP 401/403/404 answers on the socket.
// - Loading: the persisted state (snapshot + updates) is applied to the Y.Doc BEFORE the server sends its first
//   sync message; the client's early messages wait in a queue until then.
// - Durability: every update of a write-enabled connection is applied to the shared Y.Doc and relayed at once,
//   and queued for Postgres; writes of one document go through one queue (seq order is apply order), updates
//   that arrive while an insert is in flight are grouped into the next insert, and a failed insert is retried
//   with backoff (never dropped). A client is told its changes are SAVED only once they are stored: after each
//   stored batch, the sender gets a presence entry of the server (`SERVER_PRESENCE_KEY`) under the reserved
//   clientID SERVER_PRESENCE_CLIENT_ID whose state is `{ saved: { <Yjs clientID>: <clock> } }` — every change of
//   that clientID below that clock is in Postgres (the stock client keeps it like any awareness state; the editor
//   shows « enregistré » from it, trusting that clientID only: $lib/spaser/presence). Relaying
//   before storing is safe with Yjs: if this process dies first, every client that received the update still
//   holds it, and its sync step 2 on reconnection hands it to the next process, which stores it then.
// - Read-only: sync step 2 and update messages of a read-only connection are never applied nor stored (dropped
//   and counted; after `maxReadOnlyWrites` non-empty attempts the connection is closed with 4405). Its presence
//   (awareness) is relayed, size-capped.
// - Rights follow within `recheckMs`: authorize() runs again for every open connection: null → close 4403
//   « Accès retiré »; write → read → close 4501 (transient: the stock client reconnects at once and gets a
//   read-only session, and the UI learns from the close event that its rights changed — closing rather than
//   downgrading in place, because the client would otherwise keep typing into a document that silently drops
//   its changes); read → write → upgraded in place, and the server sends a new sync step 1 so that the client's
//   state (including anything it typed while read-only, which the UI should prevent) is merged and stored.
// - Sessions: a connection opened with a session (CollabUser.sessionId) is closed 4401 « Session terminée » once
//   `sessionAlive` says it ended: within `recheckMs`, and at once on this instance through `recheckUser` (called
//   when a user's sessions are ended: sign-out, sign-out everywhere, password change or reset).
// - Presence: awareness relayed to everyone in the document (including the sender, which keeps the stock
//   client's 30 s "no message" watchdog quiet). Refused whole (presence.ts): entries under the server's clientID,
//   under a clientID another connection holds (or another user held in this document), or carrying a
//   server-only field (`saved`: only the server says what is stored). `user` is stamped with the authenticated
//   identity and real right (name, id, color, readOnly); states of a connection removed when it leaves;
//   query-awareness answered.
// - Limits (limits.ts): per-message size caps (close 4414 « Modification trop volumineuse »), a per-user byte
//   budget per minute enforced by pausing the user's sockets (backpressure: nothing is dropped), new connections
//   of a user in debt refused with HTTP 429, and compaction paid for by the bytes received.
// - Compaction past `compactAfterUpdates` / `compactAfterBytes` (snapshot upsert + delete of merged updates in
//   one transaction, running beside the write queue: later inserts do not wait for it), unloading after `idleUnloadMs` without connections, keepalive pings, size and
//   participant caps with French close reasons.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Database } from '../db/types';
import { SERVER_PRESENCE_CLIENT_ID, SERVER_PRESENCE_KEY } from '../../spaser/presence';
import { findBadString, hasBadChars } from '../input-guard';
import { appendUpdates, compactDoc, highestSeq, loadDoc, readUpdates } from './persistence';
import { compactionDue, DEFAULT_RATE_LIMITS, messageSizeCap, UserBudgets, type ByteBudget, type RateLimits } from './limits';
import { isServerOnlyEntry, presenceRefusal, stampIdentity, type PresenceRefusal } from './presence';
import {
	CLOSE,
	type AwarenessEntry,
	type CloseInfo,
	decodeAwarenessUpdate,
	encodeAwareness,
	encodeAwarenessEntries,
	encodeSyncStep1,
	encodeSyncStep2,
	encodeUpdate,
	MESSAGE_AUTH,
	MESSAGE_AWARENESS,
	MESSAGE_QUERY_AWARENESS,
	MESSAGE_SYNC,
	refuseUpgrade,
	SYNC_STEP1,
	SYNC_STEP2,
	SYNC_UPDATE
} from './protocol';

export { CLOSE } from './protocol';

export type CollabAccess = 'write' | 'read';

export interface CollabUser {
	userId: string;
	name: string;
	color?: string;
	/** The session that opened the socket (id of public.sessions): re-validated with `sessionAlive`. */
	sessionId?: string;
}

export interface CollabLimits extends RateLimits {
	/** Refuse (close 4413) an update that would grow the stored document past this many bytes. */
	maxDocBytes: number;
	/** Close 4429 a connection beyond this many on one document. */
	maxClientsPerDoc: number;
	/** Compact the log into a snapshot after this many stored updates… */
	compactAfterUpdates: number;
	/** …or this many bytes of stored updates, whichever comes first. */
	compactAfterBytes: number;
	/** Unload a document (Y.Doc and presence) after this long without connections. */
	idleUnloadMs: number;
	/** Re-run authorize() for every open connection this often. */
	recheckMs: number;
	/** Ping every connection this often; one that answered nothing since the previous ping is terminated. */
	pingIntervalMs: number;
	/** Awareness messages larger than this are dropped (and counted). */
	maxAwarenessBytes: number;
	/** Presence entries (clientIDs) one connection may publish. */
	maxAwarenessClientsPerConn: number;
	/** Non-empty changes a read-only connection may send (all dropped) before it is closed with 4405. */
	maxReadOnlyWrites: number;
	/** A connection whose unsent buffer exceeds this (a client that does not read) is terminated. */
	maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: CollabLimits = {
	maxDocBytes: 10 * 1024 * 1024,
	maxClientsPerDoc: 100,
	compactAfterUpdates: 500,
	compactAfterBytes: 1024 * 1024,
	idleUnloadMs: 30_000,
	recheckMs: 5_000,
	pingIntervalMs: 30_000,
	maxAwarenessBytes: 16 * 1024,
	maxAwarenessClientsPerConn: 4,
	maxReadOnlyWrites: 20,
	maxBufferedBytes: 32 * 1024 * 1024,
	...DEFAULT_RATE_LIMITS
};

export interface CollabLogger {
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
}

export interface CollabServerOptions {
	db: Database;
	/** Who opens the socket (from the session cookie in production); null → HTTP 401. */
	authenticate(req: IncomingMessage): Promise<CollabUser | null>;
	/** The user's right on the document; null → HTTP 403 at the upgrade, close 4403 later. */
	authorize(userId: string, docId: string): Promise<CollabAccess | null>;
	/**
	 * Whether the session a connection was opened with still exists; false → close 4401 (within `recheckMs`, or at
	 * once through `recheckUser`). Connections without a sessionId are not checked.
	 */
	sessionAlive?(sessionId: string): Promise<boolean>;
	/** Exact `Origin` values accepted (scheme://host[:port]); anything else, or none, → HTTP 403. */
	allowedOrigins: string[];
	limits?: Partial<CollabLimits>;
	/** URL prefix of the endpoint (default '/collab/'). */
	pathPrefix?: string;
	/**
	 * Wait for the WAL flush of each stored batch before acknowledging it as saved (default true). false:
	 * `synchronous_commit = off` for these inserts — still safe against a crash of this process, not against a
	 * crash of PostgreSQL or its machine (the last fraction of a second may be lost). See persistence.ts.
	 */
	synchronousCommit?: boolean;
	/**
	 * Several app instances on one Postgres: each stored batch is announced with pg_notify (in the insert's own
	 * transaction) and presence changes too; the other instances apply them to their copy of the document and
	 * relay them to their clients. Default: on with Postgres (needs `db.listen`), off with the embedded engine.
	 */
	relay?: boolean;
	/** Y.Doc garbage collection (default true; versions are stored as full states, not as Yjs snapshots). */
	gc?: boolean;
	/**
	 * Rewrites a presence state before it is relayed; default (presence.ts `stampIdentity`): `user` is
	 * `{ id, name, color, readOnly }` from the authenticated user and their right, so nobody can show up under
	 * another name or as an editor while read-only.
	 */
	stampPresence?: (state: Record<string, unknown>, user: CollabUser, access: CollabAccess) => Record<string, unknown>;
	log?: CollabLogger;
	/** Called after each stored batch (projection, automatic versions); must not throw. */
	onChange?: (docId: string, doc: Y.Doc) => void;
}

export interface CollabStats {
	docsLoaded: number;
	/** Documents being flushed and compacted before they are dropped from memory. */
	docsUnloading: number;
	connections: number;
	writeConnections: number;
	readConnections: number;
	pendingUpgrades: number;
	/** Sum of the stored size of the loaded documents (snapshot + updates since). */
	docBytes: number;
	bytesReceived: number;
	bytesSent: number;
	updatesStored: number;
	bytesStored: number;
	storeBatches: number;
	storeErrors: number;
	compactions: number;
	docsUnloaded: number;
	loadErrors: number;
	readOnlyUpdatesDropped: number;
	awarenessDropped: number;
	/** Times a connection was paused because its user's byte budget was spent (limits.ts). */
	throttled: number;
	/** Presence entries refused, by reason (presence.ts); 'server-id' and 'taken' include the stock client's echoes. */
	presenceRefused: Record<PresenceRefusal, number>;
	refusedUpgrades: Record<string, number>;
	closes: Record<string, number>;
}

export interface CollabServer {
	/** True when the request path belongs to this endpoint (for an `upgrade` dispatcher). */
	handles(req: IncomingMessage): boolean;
	/** Attach to `server.on('upgrade', …)`. Never throws; answers or destroys the socket itself. */
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	/**
	 * A change made by the server (restoring a version, importing…): applied, broadcast to every connection and
	 * stored exactly like a client's update. Loads the document if needed. Resolves once stored.
	 * Respects maxDocBytes (rejects with an Error whose message is French).
	 */
	applyServerUpdate(docId: string, update: Uint8Array): Promise<void>;
	/** Closes every connection (1001), waits for pending writes, unloads everything. */
	close(): Promise<void>;
	/** Re-validates now the sessions and rights of one user's connections (their sessions were just ended). */
	recheckUser(userId: string): Promise<void>;
	stats(): CollabStats;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Updates per INSERT round-trip when many are waiting. */
const MAX_BATCH = 256;
/** Retry delays of a failed insert (ms): doubled from the first up to the last, then kept. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
export { SERVER_PRESENCE_CLIENT_ID, SERVER_PRESENCE_KEY } from '../../spaser/presence';
/** The LISTEN/NOTIFY channel of the relay between instances. */
export const RELAY_CHANNEL = 'spaser_collab';
/** Postgres refuses NOTIFY payloads of 8000 bytes or more: larger updates are read from the table instead. */
const MAX_NOTIFY_PAYLOAD = 7_900;
/** Origin of changes received from another instance (applied and relayed, never stored again). */
const REMOTE = Symbol('remote instance');

/** A relay message: updates stored (a..b, `u` = their merged update when it fits) or presence (`w`). */
interface RelayMessage {
	i: string;
	d: string;
	a?: number;
	b?: number;
	u?: string;
	w?: string;
}

interface PendingWrite {
	update: Uint8Array;
	/** null: a change made by the server itself (applyServerUpdate). */
	conn: Conn | null;
	userId: string | null;
	/** End clock per Yjs clientID of the update's structs (a connection's updates are stored in its order). */
	clocks: Map<number, number>;
	settle?: { resolve: () => void; reject: (err: unknown) => void };
}

interface Conn {
	id: number;
	ws: WebSocket;
	user: CollabUser;
	access: CollabAccess;
	room: Room;
	alive: boolean;
	closed: boolean;
	/** Messages received before the document was loaded, handled in order once it is. */
	queue: Uint8Array[] | null;
	awarenessIds: Set<number>;
	readOnlyDrops: number;
	/** Highest stored clock per Yjs clientID among this connection's updates (what it is told is saved). */
	saved: Map<number, number>;
	/** The user's byte budget on this instance (shared by their connections). */
	budget: ByteBudget;
	/** Set while reading is paused because the budget is spent. */
	resumeTimer: NodeJS.Timeout | null;
}

interface Room {
	id: string;
	ydoc: Y.Doc;
	awareness: awarenessProtocol.Awareness;
	conns: Set<Conn>;
	loaded: boolean;
	destroyed: boolean;
	ready: Promise<void>;
	nextSeq: number;
	docBytes: number;
	pendingBytes: number;
	updatesSinceSnapshot: number;
	bytesSinceSnapshot: number;
	pending: PendingWrite[];
	writing: Promise<void> | null;
	/** A compaction in flight (it runs beside the write queue, never blocking it). */
	compacting: Promise<void> | null;
	idleTimer: NodeJS.Timeout | null;
	awarenessOwner: Map<number, Conn>;
	/** Presence clientIDs of connections that left, with their user: only that user may take them again. */
	formerOwners: Map<number, string>;
	/** Another instance stored changes while this one was loading the document: read the table again. */
	relayMissed: boolean;
}

const silentLog: CollabLogger = { info() {}, warn() {}, error() {} };

/** Former presence owners remembered per document (oldest forgotten first). */
const MAX_FORMER_OWNERS = 1000;

function normaliseOrigin(o: string): string {
	return o.trim().replace(/\/+$/, '').toLowerCase();
}

function isEmptyUpdate(u: Uint8Array): boolean {
	return u.byteLength === 2 && u[0] === 0 && u[1] === 0;
}

/**
 * True when applying `decoded` to `doc` would change nothing: every struct is already known and every deleted
 * range is already deleted. (Updates still waiting in the write queue are not considered: a duplicate of one of
 * them is stored, which is harmless.)
 */
type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** End clock per Yjs clientID of an update's structs. */
function endClocks(decoded: DecodedUpdate): Map<number, number> {
	const clocks = new Map<number, number>();
	for (const st of decoded.structs) {
		const end = st.id.clock + st.length;
		if ((clocks.get(st.id.client) ?? 0) < end) clocks.set(st.id.client, end);
	}
	return clocks;
}

/**
 * True when an update inserts a string holding a NUL or a lone surrogate anywhere: text (ContentString), values
 * of maps and arrays (ContentAny, ContentJSON), formatting marks (ContentFormat), embeds, map keys, root type
 * names, XML element names and sub-document ids. PostgreSQL refuses such text, so one of them would block the
 * document's projection, versions and exports.
 */
export function updateHasBadText(decoded: DecodedUpdate): boolean {
	for (const st of decoded.structs) {
		if (!(st instanceof Y.Item)) continue; // GC and Skip structs carry no content
		if (typeof st.parentSub === 'string' && hasBadChars(st.parentSub)) return true;
		if (typeof st.parent === 'string' && hasBadChars(st.parent)) return true;
		const c = st.content as unknown;
		if (c instanceof Y.ContentString) {
			if (hasBadChars(c.str)) return true;
		} else if (c instanceof Y.ContentAny || c instanceof Y.ContentJSON) {
			if (findBadString(c.arr)) return true;
		} else if (c instanceof Y.ContentFormat) {
			if (hasBadChars(c.key) || findBadString(c.value)) return true;
		} else if (c instanceof Y.ContentEmbed) {
			if (findBadString(c.embed)) return true;
		} else if (c instanceof Y.ContentType) {
			const t = c.type as unknown as { nodeName?: unknown; hookName?: unknown };
			for (const name of [t.nodeName, t.hookName]) if (typeof name === 'string' && hasBadChars(name)) return true;
		} else if (c instanceof Y.ContentDoc) {
			if (typeof c.doc?.guid === 'string' && hasBadChars(c.doc.guid)) return true;
		}
	}
	return false;
}

function isRedundant(doc: Y.Doc, decoded: DecodedUpdate): boolean {
	const store = doc.store;
	for (const s of decoded.structs) {
		if (s.id.clock + s.length > Y.getState(store, s.id.client)) return false;
	}
	for (const [client, ranges] of decoded.ds.clients) {
		const known = Y.getState(store, client);
		for (const r of ranges) {
			const end = r.clock + r.len;
			if (end > known) return false;
			let clock = r.clock;
			while (clock < end) {
				const struct = Y.getItem(store, Y.createID(client, clock));
				if (!struct.deleted) return false;
				clock = struct.id.clock + struct.length;
			}
		}
	}
	return true;
}

export function createCollabServer(opts: CollabServerOptions): CollabServer {
	const limits: CollabLimits = { ...DEFAULT_LIMITS, ...opts.limits };
	const log = opts.log ?? silentLog;
	const prefix = opts.pathPrefix ?? '/collab/';
	const origins = new Set(opts.allowedOrigins.map(normaliseOrigin));
	const stamp = opts.stampPresence ?? stampIdentity;
	const budgets = new UserBudgets(limits);
	const { db } = opts;

	const wss = new WebSocketServer({
		noServer: true,
		// Memory bound only: messages up to this size are read, then judged by limits.ts (close 4414 / 4413 with a
		// code the stock client does not retry); beyond it ws closes with 1009.
		maxPayload: Math.max(limits.maxDocBytes, limits.maxSyncBytes) + 1024 * 1024,
		perMessageDeflate: false,
		// ws ≥ 8.19: how long a closing handshake may take before the socket is destroyed (not in @types/ws yet)
		...({ closeTimeout: 5_000 } as object)
	});
	const rooms = new Map<string, Room>();
	const unloading = new Map<string, Promise<void>>();
	let nextConnId = 1;
	const instanceId = Math.random().toString(36).slice(2, 10);
	const relayOn = (opts.relay ?? db.kind === 'postgres') && typeof db.listen === 'function';
	let unlisten: (() => Promise<void>) | null = null;
	/** Clock of the server's presence entry: strictly increasing across connections and restarts. */
	let presenceClock = 0;
	/** Set by close(): past it, a write queue that still cannot store gives up (the clients keep the changes). */
	let closingDeadline: number | null = null;
	let pendingUpgrades = 0;
	let closing = false;

	if (relayOn) {
		db.listen!(
			RELAY_CHANNEL,
			(payload) => void onRelay(payload),
			() => {
				// (Re)connected: notifications sent meanwhile are lost, so read every loaded document again.
				for (const room of rooms.values()) if (room.loaded && !room.destroyed) resync(room).catch(() => {});
			}
		).then(
			(stop) => {
				if (closing) void stop().catch(() => {});
				else unlisten = stop;
			},
			(err) => log.error('collab: LISTEN failed; instances will not relay to each other', { err: String(err) })
		);
	}

	const counters = {
		bytesReceived: 0,
		bytesSent: 0,
		updatesStored: 0,
		bytesStored: 0,
		storeBatches: 0,
		storeErrors: 0,
		compactions: 0,
		docsUnloaded: 0,
		loadErrors: 0,
		readOnlyUpdatesDropped: 0,
		awarenessDropped: 0,
		throttled: 0,
		presenceRefused: { 'server-id': 0, taken: 0, 'server-field': 0, 'too-many': 0 } as Record<PresenceRefusal, number>
	};
	const refused: Record<string, number> = {};
	const closes: Record<string, number> = {};

	// ---------------------------------------------------------------------------------------------------------
	// Sending and closing
	// ---------------------------------------------------------------------------------------------------------
	function send(conn: Conn, msg: Uint8Array) {
		if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return;
		if (conn.ws.bufferedAmount > limits.maxBufferedBytes) {
			log.warn('collab: client does not read, terminated', { docId: conn.room.id, userId: conn.user.userId });
			conn.ws.terminate();
			detach(conn);
			return;
		}
		counters.bytesSent += msg.byteLength;
		conn.ws.send(msg, { binary: true }, (err) => {
			if (err) detach(conn);
		});
	}

	function closeConn(conn: Conn, info: CloseInfo) {
		if (conn.closed) return;
		closes[info.code] = (closes[info.code] ?? 0) + 1;
		try {
			conn.ws.close(info.code, info.reason);
		} catch {
			conn.ws.terminate();
		}
		detach(conn);
	}

	/** Removes a connection from its document (idempotent): presence removed, idle unload scheduled. */
	function detach(conn: Conn) {
		if (conn.closed) return;
		conn.closed = true;
		conn.queue = null;
		if (conn.resumeTimer) clearTimeout(conn.resumeTimer);
		conn.resumeTimer = null;
		const room = conn.room;
		room.conns.delete(conn);
		if (conn.awarenessIds.size > 0 && !room.destroyed) {
			awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.awarenessIds], 'disconnect');
		}
		if (room.conns.size === 0) scheduleUnload(room);
	}

	// ---------------------------------------------------------------------------------------------------------
	// Documents: load, write queue, compaction, unload
	// ---------------------------------------------------------------------------------------------------------
	function getRoom(docId: string): Room {
		const existing = rooms.get(docId);
		if (existing) return existing;
		const ydoc = new Y.Doc({ gc: opts.gc ?? true });
		const awareness = new awarenessProtocol.Awareness(ydoc);
		awareness.setLocalState(null); // the server itself is not a participant
		const room: Room = {
			id: docId,
			ydoc,
			awareness,
			conns: new Set(),
			loaded: false,
			destroyed: false,
			ready: Promise.resolve(),
			nextSeq: 1,
			docBytes: 0,
			pendingBytes: 0,
			updatesSinceSnapshot: 0,
			bytesSinceSnapshot: 0,
			pending: [],
			writing: null,
			compacting: null,
			idleTimer: null,
			awarenessOwner: new Map(),
			formerOwners: new Map(),
			relayMissed: false
		};
		rooms.set(docId, room);
		const previous = unloading.get(docId);
		room.ready = (async () => {
			if (previous) await previous; // never load while the previous instance is still being flushed
			const stored = await loadDoc(db, docId);
			Y.transact(ydoc, () => {
				const all = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
				for (const u of all) {
					try {
						Y.applyUpdate(ydoc, u, 'load');
					} catch (err) {
						log.error('collab: stored update could not be applied (skipped)', { docId, err: String(err) });
					}
				}
			});
			room.nextSeq = stored.lastSeq + 1;
			room.docBytes = stored.bytes;
			room.updatesSinceSnapshot = stored.updates.length;
			room.bytesSinceSnapshot = stored.bytes - (stored.snapshot?.byteLength ?? 0);
			ydoc.on('update', (update: Uint8Array, origin: unknown) => onDocUpdate(room, update, origin));
			awareness.on('update', (change: AwarenessChange, origin: unknown) => onAwarenessUpdate(room, change, origin));
			room.loaded = true;
			if (room.relayMissed) {
				room.relayMissed = false;
				await resync(room);
			}
		})();
		room.ready.catch((err) => {
			counters.loadErrors++;
			log.error('collab: document load failed', { docId, err: String(err) });
			if (rooms.get(docId) === room) rooms.delete(docId);
			for (const c of [...room.conns]) closeConn(c, CLOSE.LOAD_FAILED);
			destroyRoom(room);
		});
		return room;
	}

	function destroyRoom(room: Room) {
		if (room.destroyed) return;
		room.destroyed = true;
		if (room.idleTimer) clearTimeout(room.idleTimer);
		room.idleTimer = null;
		room.awareness.destroy();
		room.ydoc.destroy();
	}

	function scheduleUnload(room: Room) {
		if (room.destroyed || closing) return;
		if (room.idleTimer) clearTimeout(room.idleTimer);
		room.idleTimer = setTimeout(() => {
			room.idleTimer = null;
			void unloadRoom(room);
		}, limits.idleUnloadMs);
		room.idleTimer.unref?.();
	}

	async function flushRoom(room: Room) {
		while (room.writing || room.compacting) await (room.writing ?? room.compacting);
	}

	function unloadRoom(room: Room): Promise<void> {
		if (room.conns.size > 0 || room.destroyed || rooms.get(room.id) !== room) return Promise.resolve();
		rooms.delete(room.id);
		let p: Promise<void> | null = null;
		p = (async () => {
			try {
				await room.ready.catch(() => {});
				await flushRoom(room);
				if (room.loaded && room.updatesSinceSnapshot > 0) await compact(room);
			} catch (err) {
				log.error('collab: final compaction failed (the update log is intact)', { docId: room.id, err: String(err) });
			} finally {
				destroyRoom(room);
				counters.docsUnloaded++;
				if (unloading.get(room.id) === p) unloading.delete(room.id);
			}
		})();
		unloading.set(room.id, p);
		return p;
	}

	function enqueueWrite(room: Room, conn: Conn | null, update: Uint8Array, decoded: DecodedUpdate, settle?: PendingWrite['settle']) {
		room.pending.push({ update, conn, userId: conn ? conn.user.userId : null, clocks: endClocks(decoded), settle });
		room.pendingBytes += update.byteLength;
		if (!room.writing) {
			room.writing = drain(room)
				.catch((err) => log.error('collab: write queue failed', { docId: room.id, err: String(err) }))
				.finally(() => {
					room.writing = null;
				});
		}
	}

	async function drain(room: Room) {
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
			try {
				await appendUpdates(
					db,
					room.id,
					batch.map((w, i) => ({ seq: firstSeq + i, update: w.update, userId: w.userId })),
					{ synchronousCommit: opts.synchronousCommit ?? true, notify: relayOn ? relayNotice(room.id, firstSeq, batch) : undefined }
				);
			} catch (err) {
				if ((err as { code?: string }).code === '23505') {
					// Another instance used these numbers meanwhile: renumber after the highest stored and retry now.
					room.nextSeq = Math.max(room.nextSeq, (await highestSeq(db, room.id).catch(() => room.nextSeq)) + 1);
					continue;
				}
				counters.storeErrors++;
				log.error('collab: storing updates failed; retrying (the changes stay in memory and with the clients)', {
					docId: room.id,
					count: batch.length,
					retryMs,
					err: String(err)
				});
				// Already applied and relayed: keep the batch at the head of the queue and try again. Its senders
				// are simply not told it is saved; if this process dies meanwhile, the clients hand it back.
				if (closing && closingDeadline !== null && Date.now() > closingDeadline) {
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
			counters.storeBatches++;
			counters.updatesStored += batch.length;
			counters.bytesStored += bytes;
			room.docBytes += bytes;
			room.updatesSinceSnapshot += batch.length;
			room.bytesSinceSnapshot += bytes;
			// Stored: tell each sender which of its changes are saved.
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
				opts.onChange?.(room.id, room.ydoc);
			} catch (err) {
				log.error('collab: onChange failed', { docId: room.id, err: String(err) });
			}
			if (!room.compacting && compactionDue(room, limits)) {
				// Not awaited: the next inserts (seq > uptoSeq) do not wait for it. flushRoom() waits for both.
				room.compacting = compact(room)
					.catch((err) => {
						// The log is intact; compact() already moved the thresholds, so it is tried again after
						// another threshold's worth of updates.
						log.error('collab: compaction failed', { docId: room.id, err: String(err) });
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
	async function compact(room: Room) {
		const merged = room.updatesSinceSnapshot;
		const mergedBytes = room.bytesSinceSnapshot;
		// Counted as merged from now on (also if the compaction fails: the next attempt waits for another
		// threshold's worth); updates stored meanwhile keep counting.
		room.updatesSinceSnapshot -= merged;
		room.bytesSinceSnapshot -= mergedBytes;
		const result = await compactDoc(db, room.id);
		counters.compactions++;
		room.docBytes = result.bytes + room.bytesSinceSnapshot;
	}

	// ---------------------------------------------------------------------------------------------------------
	// Relay between instances (LISTEN/NOTIFY)
	// ---------------------------------------------------------------------------------------------------------
	function relayNotice(docId: string, firstSeq: number, batch: PendingWrite[]): { channel: string; payload: string } {
		const msg: RelayMessage = { i: instanceId, d: docId, a: firstSeq, b: firstSeq + batch.length - 1 };
		const merged = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((w) => w.update));
		// base64 grows by 4/3; the envelope is under 120 bytes.
		if (merged.byteLength * 4 / 3 + 120 < MAX_NOTIFY_PAYLOAD) msg.u = Buffer.from(merged).toString('base64');
		return { channel: RELAY_CHANNEL, payload: JSON.stringify(msg) };
	}

	function notifyPresence(docId: string, update: Uint8Array) {
		const payload = JSON.stringify({ i: instanceId, d: docId, w: Buffer.from(update).toString('base64') } satisfies RelayMessage);
		if (payload.length >= MAX_NOTIFY_PAYLOAD) return; // capped like a client's presence
		db.query('select pg_notify($1::text, $2::text)', [RELAY_CHANNEL, payload]).catch((err) =>
			log.warn('collab: presence relay failed', { docId, err: String(err) })
		);
	}

	async function onRelay(payload: string) {
		let msg: RelayMessage;
		try {
			msg = JSON.parse(payload) as RelayMessage;
		} catch {
			return;
		}
		if (msg.i === instanceId || typeof msg.d !== 'string') return;
		const room = rooms.get(msg.d);
		// A document that is not loaded here reads everything from the table when it is.
		if (!room || room.destroyed) return;
		if (!room.loaded) {
			if (typeof msg.w !== 'string') room.relayMissed = true;
			return;
		}
		if (typeof msg.w === 'string') {
			try {
				const entries = decodeAwarenessUpdate(Buffer.from(msg.w, 'base64')).filter((e) => !isServerOnlyEntry(e));
				if (entries.length > 0) awarenessProtocol.applyAwarenessUpdate(room.awareness, encodeAwarenessEntries(entries), REMOTE);
			} catch (err) {
				log.warn('collab: relayed presence could not be applied', { docId: room.id, err: String(err) });
			}
			return;
		}
		if (typeof msg.a !== 'number' || typeof msg.b !== 'number') return;
		room.nextSeq = Math.max(room.nextSeq, msg.b + 1);
		try {
			if (typeof msg.u === 'string') {
				Y.applyUpdate(room.ydoc, Buffer.from(msg.u, 'base64'), REMOTE);
				return;
			}
			const rows = await readUpdates(db, room.id, msg.a, msg.b);
			if (rows.length === msg.b - msg.a + 1) {
				Y.transact(room.ydoc, () => {
					for (const r of rows) Y.applyUpdate(room.ydoc, r.update, REMOTE);
				}, REMOTE);
			} else await resync(room); // already merged into the snapshot by a compaction
		} catch (err) {
			log.error('collab: relayed update could not be applied; resyncing', { docId: room.id, err: String(err) });
			await resync(room).catch(() => {});
		}
	}

	/** Applies everything stored for a loaded document (idempotent): after a lost notification or a reconnection. */
	async function resync(room: Room) {
		const stored = await loadDoc(db, room.id);
		if (room.destroyed) return;
		room.nextSeq = Math.max(room.nextSeq, stored.lastSeq + 1);
		Y.transact(
			room.ydoc,
			() => {
				for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(room.ydoc, u, REMOTE);
			},
			REMOTE
		);
	}

	/** The server's presence entry for one connection: the clocks of its changes that are stored. */
	function sendSaved(conn: Conn) {
		presenceClock = Math.max(presenceClock + 1, Date.now());
		const saved: Record<string, number> = {};
		for (const [client, clock] of conn.saved) saved[String(client)] = clock;
		const entry: AwarenessEntry = { clientId: SERVER_PRESENCE_CLIENT_ID, clock: presenceClock, state: { [SERVER_PRESENCE_KEY]: saved } };
		send(conn, encodeAwareness(encodeAwarenessEntries([entry])));
	}

	function onDocUpdate(room: Room, update: Uint8Array, origin: unknown) {
		const msg = encodeUpdate(update);
		for (const c of room.conns) {
			if (c !== origin && c.queue === null) send(c, msg);
		}
	}

	type AwarenessChange = { added: number[]; updated: number[]; removed: number[] };

	function onAwarenessUpdate(room: Room, change: AwarenessChange, origin: unknown) {
		const owner = origin && typeof origin === 'object' && 'awarenessIds' in origin ? (origin as Conn) : null;
		if (owner) {
			for (const id of [...change.added, ...change.updated]) {
				room.awarenessOwner.set(id, owner);
				owner.awarenessIds.add(id);
			}
		}
		for (const id of change.removed) {
			const c = room.awarenessOwner.get(id);
			if (c) {
				c.awarenessIds.delete(id);
				// Left (or the connection closed): the clientID stays this user's, so nobody else takes over a
				// departed person's cursor and place in the list (presence.ts).
				room.formerOwners.delete(id);
				room.formerOwners.set(id, c.user.userId);
				if (room.formerOwners.size > MAX_FORMER_OWNERS) room.formerOwners.delete(room.formerOwners.keys().next().value!);
			}
			room.awarenessOwner.delete(id);
		}
		const changed = [...change.added, ...change.updated, ...change.removed];
		if (changed.length === 0) return;
		const update = awarenessProtocol.encodeAwarenessUpdate(room.awareness, changed);
		const msg = encodeAwareness(update);
		for (const c of room.conns) if (c.queue === null) send(c, msg);
		// Presence set here (a client of this instance, or its departure) goes to the other instances.
		if (relayOn && origin !== REMOTE && origin !== 'timeout') notifyPresence(room.id, update);
	}

	// ---------------------------------------------------------------------------------------------------------
	// Messages
	// ---------------------------------------------------------------------------------------------------------
	/**
	 * Size cap and byte budget of one received message (limits.ts). False: refused, the connection is closed.
	 * Otherwise the message is charged to its user's budget and handled; when that leaves the budget in debt,
	 * reading of this connection pauses until it is paid (backpressure, nothing dropped).
	 */
	function withinLimits(conn: Conn, data: Uint8Array): boolean {
		const cap = messageSizeCap(data, limits);
		if (cap !== null && data.byteLength > cap) {
			log.warn('collab: message above its size cap, connection closed', { docId: conn.room.id, userId: conn.user.userId, bytes: data.byteLength, cap });
			closeConn(conn, CLOSE.UPDATE_TOO_LARGE);
			return false;
		}
		throttle(conn, conn.budget.charge(data.byteLength + limits.messageCostBytes));
		return true;
	}

	function throttle(conn: Conn, waitMs: number) {
		if (waitMs <= 0 || conn.closed || conn.resumeTimer) return;
		counters.throttled++;
		conn.ws.pause();
		const resume = () => {
			conn.resumeTimer = null;
			if (conn.closed) return;
			// The budget is the user's: another of their connections may have spent it meanwhile.
			const more = conn.budget.waitMs();
			if (more > 0) {
				conn.resumeTimer = setTimeout(resume, more);
				return;
			}
			conn.alive = true; // its pongs waited in the socket
			conn.ws.resume();
		};
		conn.resumeTimer = setTimeout(resume, waitMs);
	}

	function onMessage(conn: Conn, data: Uint8Array) {
		if (conn.closed) return;
		if (conn.queue !== null) {
			conn.queue.push(data);
			return;
		}
		handleMessage(conn, data);
	}

	function handleMessage(conn: Conn, data: Uint8Array) {
		const room = conn.room;
		try {
			const d = decoding.createDecoder(data);
			const type = decoding.readVarUint(d);
			switch (type) {
				case MESSAGE_SYNC: {
					const step = decoding.readVarUint(d);
					if (step === SYNC_STEP1) {
						const sv = decoding.readVarUint8Array(d);
						send(conn, encodeSyncStep2(room.ydoc, sv));
					} else if (step === SYNC_STEP2 || step === SYNC_UPDATE) {
						onClientUpdate(conn, decoding.readVarUint8Array(d));
					} else {
						closeConn(conn, CLOSE.INVALID_MESSAGE);
					}
					return;
				}
				case MESSAGE_AWARENESS:
					onClientAwareness(conn, decoding.readVarUint8Array(d));
					return;
				case MESSAGE_QUERY_AWARENESS: {
					const ids = [...room.awareness.getStates().keys()];
					if (ids.length > 0) {
						send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids)));
					}
					return;
				}
				case MESSAGE_AUTH:
					return; // only the server sends auth messages
				default:
					closeConn(conn, CLOSE.INVALID_MESSAGE);
			}
		} catch (err) {
			log.warn('collab: invalid message', { docId: room.id, userId: conn.user.userId, err: String(err) });
			closeConn(conn, CLOSE.INVALID_MESSAGE);
		}
	}

	function onClientUpdate(conn: Conn, update: Uint8Array) {
		if (isEmptyUpdate(update)) return;
		const room = conn.room;
		// Decoding validates the update (never store what cannot be decoded: it would fail every later load) and
		// lets us skip what the document already has (a reconnecting client's sync step 2 always carries its whole
		// delete set).
		const decoded = Y.decodeUpdate(update);
		if (isRedundant(room.ydoc, decoded)) {
			// Nothing new (e.g. a reconnecting client's sync step 2), but its sender must still learn it is saved:
			// at once when nothing waits to be stored, else once the queue ahead of it is (a duplicate row is
			// harmless).
			if (conn.access !== 'write' || decoded.structs.length === 0) return;
			if (room.pending.length > 0) enqueueWrite(room, conn, update, decoded);
			else {
				for (const [client, clock] of endClocks(decoded)) if ((conn.saved.get(client) ?? 0) < clock) conn.saved.set(client, clock);
				sendSaved(conn);
			}
			return;
		}
		if (conn.access !== 'write') {
			counters.readOnlyUpdatesDropped++;
			conn.readOnlyDrops++;
			if (conn.readOnlyDrops > limits.maxReadOnlyWrites) closeConn(conn, CLOSE.READ_ONLY);
			return;
		}
		if (room.docBytes + room.pendingBytes + update.byteLength > limits.maxDocBytes) {
			log.warn('collab: update refused, document too large', { docId: room.id, docBytes: room.docBytes });
			closeConn(conn, CLOSE.DOC_TOO_LARGE);
			return;
		}
		if (updateHasBadText(decoded)) {
			log.warn('collab: update refused, NUL or lone surrogate in its text (not stored)', { docId: room.id, userId: conn.user.userId });
			closeConn(conn, CLOSE.INVALID_TEXT);
			return;
		}
		// Applied and relayed to the others at once (see onDocUpdate), stored right behind.
		try {
			Y.applyUpdate(room.ydoc, update, conn);
		} catch (err) {
			log.warn('collab: update could not be applied (not stored)', { docId: room.id, err: String(err) });
			closeConn(conn, CLOSE.INVALID_MESSAGE);
			return;
		}
		enqueueWrite(room, conn, update, decoded);
	}

	function onClientAwareness(conn: Conn, update: Uint8Array) {
		if (update.byteLength > limits.maxAwarenessBytes) {
			counters.awarenessDropped++;
			return;
		}
		const room = conn.room;
		const accepted: AwarenessEntry[] = [];
		for (const e of decodeAwarenessUpdate(update)) {
			const owner = room.awarenessOwner.get(e.clientId);
			const former = room.formerOwners.get(e.clientId);
			const holder = owner ? (owner === conn ? 'self' : 'other') : former !== undefined && former !== conn.user.userId ? 'other' : 'none';
			const refusal = presenceRefusal(e, { holder, owned: conn.awarenessIds.size, maxOwned: limits.maxAwarenessClientsPerConn });
			if (refusal) {
				// Not logged: the stock client echoes every state it receives (the server's, the other people's),
				// so refusals are routine; they are counted.
				counters.presenceRefused[refusal]++;
				continue;
			}
			if (e.state !== null && typeof e.state === 'object' && !Array.isArray(e.state)) {
				e.state = stamp(e.state as Record<string, unknown>, conn.user, conn.access);
			}
			accepted.push(e);
		}
		if (accepted.length < 1) {
			counters.awarenessDropped++;
			return;
		}
		awarenessProtocol.applyAwarenessUpdate(room.awareness, encodeAwarenessEntries(accepted), conn);
	}

	// ---------------------------------------------------------------------------------------------------------
	// Connections
	// ---------------------------------------------------------------------------------------------------------
	function onConnection(ws: WebSocket, docId: string, user: CollabUser, access: CollabAccess) {
		const room = getRoom(docId);
		const conn: Conn = {
			id: nextConnId++,
			ws,
			user,
			access,
			room,
			alive: true,
			closed: false,
			queue: [],
			awarenessIds: new Set(),
			readOnlyDrops: 0,
			saved: new Map(),
			budget: budgets.get(user.userId),
			resumeTimer: null
		};
		ws.on('error', (err) => log.warn('collab: socket error', { docId, err: String(err) }));
		ws.on('close', () => detach(conn));
		ws.on('pong', () => {
			conn.alive = true;
		});
		ws.on('message', (data: RawData, isBinary: boolean) => {
			conn.alive = true;
			if (!isBinary) {
				closeConn(conn, CLOSE.INVALID_MESSAGE);
				return;
			}
			const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
			counters.bytesReceived += buf.byteLength;
			const msg = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
			if (!withinLimits(conn, msg)) return;
			onMessage(conn, msg);
		});
		if (room.idleTimer) {
			clearTimeout(room.idleTimer);
			room.idleTimer = null;
		}
		if (room.conns.size >= limits.maxClientsPerDoc) {
			conn.closed = true; // never attached
			closes[CLOSE.TOO_MANY_CLIENTS.code] = (closes[CLOSE.TOO_MANY_CLIENTS.code] ?? 0) + 1;
			ws.close(CLOSE.TOO_MANY_CLIENTS.code, CLOSE.TOO_MANY_CLIENTS.reason);
			if (room.conns.size === 0) scheduleUnload(room);
			return;
		}
		room.conns.add(conn);
		room.ready.then(
			() => {
				if (conn.closed) return;
				const queued = conn.queue ?? [];
				conn.queue = null;
				// First message of the server: its sync step 1, built from the fully loaded document.
				send(conn, encodeSyncStep1(room.ydoc));
				const ids = [...room.awareness.getStates().keys()];
				if (ids.length > 0) {
					send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(room.awareness, ids)));
				}
				for (const m of queued) {
					if (conn.closed) break;
					handleMessage(conn, m);
				}
			},
			() => {
				/* handled in getRoom: every connection closed with LOAD_FAILED */
			}
		);
	}

	function handles(req: IncomingMessage): boolean {
		const path = (req.url ?? '').split('?')[0];
		return path.startsWith(prefix);
	}

	function refuse(socket: Duplex, status: number, message: string) {
		refused[status] = (refused[status] ?? 0) + 1;
		refuseUpgrade(socket, status, message);
	}

	async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
		socket.on('error', () => {}); // a reset while we authenticate must not crash the process
		pendingUpgrades++;
		try {
			if (closing) return refuse(socket, 503, 'Service en cours de redémarrage, réessayez dans un instant.');
			const path = (req.url ?? '').split('?')[0];
			const rest = path.startsWith(prefix) ? path.slice(prefix.length).replace(/\/+$/, '') : '';
			if (!UUID.test(rest)) return refuse(socket, 404, 'Document introuvable.');
			const docId = rest.toLowerCase();
			const origin = req.headers.origin;
			if (!origin || !origins.has(normaliseOrigin(origin))) {
				return refuse(socket, 403, 'Origine non autorisée.');
			}
			let user: CollabUser | null;
			let access: CollabAccess | null;
			try {
				user = await opts.authenticate(req);
				access = user ? await opts.authorize(user.userId, docId) : null;
			} catch (err) {
				log.error('collab: authentication or authorisation failed', { docId, err: String(err) });
				return refuse(socket, 503, 'Service momentanément indisponible, réessayez dans un instant.');
			}
			if (!user) return refuse(socket, 401, 'Connexion requise.');
			if (access !== 'write' && access !== 'read') return refuse(socket, 403, 'Accès refusé à ce document.');
			// Every connection receives the whole document: a user who spent their budget waits before opening more.
			const budget = budgets.get(user.userId);
			if (budget.waitMs() > 0) return refuse(socket, 429, 'Trop de modifications en peu de temps, réessayez dans un instant.');
			budget.charge(limits.connectCostBytes);
			if (socket.destroyed) return;
			if (closing) return refuse(socket, 503, 'Service en cours de redémarrage, réessayez dans un instant.');
			const u = user;
			const a = access;
			wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, docId, u, a));
		} catch (err) {
			log.error('collab: upgrade failed', { err: String(err) });
			socket.destroy();
		} finally {
			pendingUpgrades--;
		}
	}

	// ---------------------------------------------------------------------------------------------------------
	// Periodic work: keepalive and re-authorisation
	// ---------------------------------------------------------------------------------------------------------
	const pingTimer = setInterval(() => {
		for (const room of rooms.values()) {
			for (const c of [...room.conns]) {
				if (c.resumeTimer) continue; // not reading on purpose (its pongs wait in the socket): see throttle()
				if (!c.alive) {
					closes[CLOSE.TIMEOUT.code] = (closes[CLOSE.TIMEOUT.code] ?? 0) + 1;
					c.ws.terminate();
					detach(c);
					continue;
				}
				c.alive = false;
				try {
					c.ws.ping();
				} catch {
					detach(c);
				}
			}
		}
	}, limits.pingIntervalMs);
	pingTimer.unref?.();

	let rechecking = false;
	/**
	 * Re-runs sessionAlive() and authorize() for the open connections (of one user, or all): session ended →
	 * 4401; no access → 4403; write → read → 4501; read → write → upgraded in place.
	 */
	async function recheckConns(onlyUser?: string) {
		const sessions = new Map<string, Promise<boolean | 'error'>>();
		const verdicts = new Map<string, Promise<CollabAccess | null | 'error'>>();
		const jobs: Promise<void>[] = [];
		for (const room of rooms.values()) {
			for (const c of room.conns) {
				if (onlyUser !== undefined && c.user.userId !== onlyUser) continue;
				const sid = c.user.sessionId;
				let alive: Promise<boolean | 'error'> = Promise.resolve(true);
				if (sid && opts.sessionAlive) {
					let a = sessions.get(sid);
					if (!a) {
						a = opts.sessionAlive(sid).catch((err) => {
							log.warn('collab: session re-check failed (connection kept)', { err: String(err) });
							return 'error' as const;
						});
						sessions.set(sid, a);
					}
					alive = a;
				}
				const key = c.user.userId + ' ' + room.id;
				let v = verdicts.get(key);
				if (!v) {
					v = opts.authorize(c.user.userId, room.id).catch((err) => {
						log.warn('collab: rights re-check failed (connection kept)', { docId: room.id, err: String(err) });
						return 'error' as const;
					});
					verdicts.set(key, v);
				}
				jobs.push(
					Promise.all([alive, v]).then(([live, access]) => {
						if (c.closed) return;
						if (live === false) return closeConn(c, CLOSE.SESSION_ENDED);
						if (access === 'error') return;
						if (access !== 'write' && access !== 'read') closeConn(c, CLOSE.ACCESS_REVOKED);
						else if (c.access === 'write' && access === 'read') closeConn(c, CLOSE.RIGHTS_CHANGED);
						else if (c.access === 'read' && access === 'write') {
							c.access = 'write';
							// Ask for the client's state again: whatever it holds that the server dropped while it was
							// read-only comes back in its sync step 2 and is stored now; otherwise its next edits
							// could depend on items the server never saw and stay pending.
							if (c.queue === null) send(c, encodeSyncStep1(room.ydoc));
						}
					})
				);
			}
		}
		await Promise.all(jobs);
	}

	async function recheck() {
		if (rechecking || closing) return;
		rechecking = true;
		try {
			await recheckConns();
		} catch (err) {
			log.error('collab: rights re-check failed', { err: String(err) });
		} finally {
			rechecking = false;
		}
	}

	async function recheckUser(userId: string) {
		if (closing) return;
		try {
			await recheckConns(userId);
		} catch (err) {
			log.error('collab: session re-check failed', { userId, err: String(err) });
		}
	}
	const recheckTimer = setInterval(() => {
		const connected = new Set<string>();
		for (const room of rooms.values()) for (const c of room.conns) connected.add(c.user.userId);
		budgets.sweep(connected);
		void recheck();
	}, limits.recheckMs);
	recheckTimer.unref?.();

	// ---------------------------------------------------------------------------------------------------------
	async function close() {
		if (closing) return;
		closing = true;
		closingDeadline = Date.now() + 10_000;
		if (unlisten) await unlisten().catch(() => {});
		unlisten = null;
		clearInterval(pingTimer);
		clearInterval(recheckTimer);
		const all = [...rooms.values()];
		for (const room of all) for (const c of [...room.conns]) closeConn(c, CLOSE.GOING_AWAY);
		await Promise.all(
			all.map(async (room) => {
				await room.ready.catch(() => {});
				await flushRoom(room);
				destroyRoom(room);
			})
		);
		rooms.clear();
		await Promise.all([...unloading.values()]);
		for (const ws of wss.clients) ws.terminate();
		await new Promise<void>((resolve) => wss.close(() => resolve()));
	}

	async function applyServerUpdate(docId: string, update: Uint8Array): Promise<void> {
		if (closing) throw new Error('Service en cours de redémarrage.');
		const id = docId.toLowerCase();
		if (!UUID.test(id)) throw new Error('Document introuvable.');
		const room = getRoom(id);
		if (room.idleTimer) {
			clearTimeout(room.idleTimer);
			room.idleTimer = null;
		}
		try {
			await room.ready;
			const decoded = Y.decodeUpdate(update);
			if (isEmptyUpdate(update) || isRedundant(room.ydoc, decoded)) return;
			if (room.docBytes + room.pendingBytes + update.byteLength > limits.maxDocBytes) {
				throw new Error(CLOSE.DOC_TOO_LARGE.reason + '.');
			}
			if (updateHasBadText(decoded)) throw new Error(CLOSE.INVALID_TEXT.reason + '.');
			Y.applyUpdate(room.ydoc, update, 'server');
			await new Promise<void>((resolve, reject) => enqueueWrite(room, null, update, decoded, { resolve, reject }));
		} finally {
			if (room.conns.size === 0) scheduleUnload(room);
		}
	}

	function stats(): CollabStats {
		let connections = 0;
		let writeConnections = 0;
		let docBytes = 0;
		for (const room of rooms.values()) {
			connections += room.conns.size;
			for (const c of room.conns) if (c.access === 'write') writeConnections++;
			docBytes += room.docBytes;
		}
		return {
			docsLoaded: rooms.size,
			docsUnloading: unloading.size,
			connections,
			writeConnections,
			readConnections: connections - writeConnections,
			pendingUpgrades,
			docBytes,
			...counters,
			presenceRefused: { ...counters.presenceRefused },
			refusedUpgrades: { ...refused },
			closes: { ...closes }
		};
	}

	return { handles, handleUpgrade, applyServerUpdate, close, recheckUser, stats };
}
