// Types shared by the modules of the collaboration server (see server.ts for what each module does): the public
// options, limits, stats and server interface, and the per-document (Room) and per-socket (Conn) state.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type * as awarenessProtocol from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Database } from '../db/types';
import type { CollabProfile, Hub } from './hub';
import { DEFAULT_RATE_LIMITS, type ByteBudget, type RateLimits } from './limits';
import type { PresenceRefusal } from './presence';

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
	/** Time the hot path (hub.ts Profiler; default: COLLAB_PROFILE=1). */
	profile?: boolean;
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
	/** Where the time went since the last reset (null unless profiling: COLLAB_PROFILE=1). */
	profile(reset?: boolean): CollabProfile | null;
}

/** A relay message: updates stored (a..b, `u` = their merged update when it fits) or presence (`w`). */
export interface RelayMessage {
	i: string;
	d: string;
	a?: number;
	b?: number;
	u?: string;
	w?: string;
}

export interface PendingWrite {
	update: Uint8Array;
	/** null: a change made by the server itself (applyServerUpdate). */
	conn: Conn | null;
	userId: string | null;
	/** End clock per Yjs clientID of the update's structs (a connection's updates are stored in its order). */
	clocks: Map<number, number>;
	settle?: { resolve: () => void; reject: (err: unknown) => void };
}

export interface Conn {
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
	/** When the server's `saved` entry was last sent to it, and the pending one (awareness.ts sendSaved). */
	savedAt: number;
	savedTimer: NodeJS.Timeout | null;
	/** The TCP socket under `ws` (null when unknown), corked while a turn's messages are sent to it. */
	socket: import('node:stream').Duplex | null;
	corked: boolean;
	/** The send callback (one per connection, not one per message). */
	onSent: (err?: Error) => void;
}

export interface Room {
	/** The server this document belongs to (its options, limits, counters and other documents). */
	hub: Hub;
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
