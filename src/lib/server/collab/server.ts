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
//   stored batch (at most every 200 ms per connection: awareness.ts), the sender gets a presence entry of the server (`SERVER_PRESENCE_KEY`) under the reserved
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
//
// Modules, one per concern (like Outline's server/collaboration/):
//   auth.ts        upgrade, session and rights, re-checks of open connections (4401, 4403, 4501…)
//   connection.ts  a socket in its document: first messages, sending, closing, size cap and byte budget, pings
//   messages.ts    the y-websocket messages of a client: sync, updates (screened: updates.ts), presence
//   rooms.ts       documents in memory: loading, broadcast of changes, idle unload
//   writes.ts      the durable write queue (persistence.ts), the saved signal after each stored batch, compaction
//   relay.ts       relay between instances (LISTEN/NOTIFY)
//   awareness.ts   presence in a document and the server's own `saved` entry (screening rules: presence.ts)
//   limits.ts      size caps, byte budgets, when to compact;  protocol.ts  wire format, close codes
//   hub.ts         state shared by the modules, optional profiler (COLLAB_PROFILE=1);  types.ts  the types
import * as Y from 'yjs';
import { createGate } from './auth';
import { isUuid } from '$lib/server/kit/ids';
import { startJob } from '$lib/server/kit/jobs';
import { closeConn, pingAll } from './connection';
import { createHub } from './hub';
import { CLOSE } from './protocol';
import { startRelay } from './relay';
import { destroyRoom, flushRoom, getRoom, scheduleUnload } from './rooms';
import type { CollabServer, CollabServerOptions, CollabStats } from './types';
import { isEmptyUpdate, isRedundant, updateHasBadText } from './updates';
import { enqueueWrite } from './writes';

export { CLOSE } from './protocol';
export { SERVER_PRESENCE_CLIENT_ID, SERVER_PRESENCE_KEY } from '../../spaser/presence';
export { RELAY_CHANNEL } from './relay';
export { updateHasBadText } from './updates';
export type { CollabProfile } from './hub';
export {
	DEFAULT_LIMITS,
	type CollabAccess,
	type CollabLimits,
	type CollabLogger,
	type CollabServer,
	type CollabServerOptions,
	type CollabStats,
	type CollabUser
} from './types';

export function createCollabServer(opts: CollabServerOptions): CollabServer {
	const hub = createHub(opts);
	const gate = createGate(hub);
	let unlisten: (() => Promise<void>) | null = null;
	void startRelay(hub).then((stop) => {
		if (stop && hub.closing) void stop().catch(() => {});
		else unlisten = stop;
	});
	const pings = startJob('collab pings', async () => pingAll(hub), {
		intervalMs: hub.limits.pingIntervalMs,
		firstRunMs: null,
		jitter: 0
	});
	const rechecks = startJob(
		'collab rights re-check',
		async () => {
			const connected = new Set<string>();
			for (const room of hub.rooms.values()) for (const c of room.conns) connected.add(c.user.userId);
			hub.budgets.sweep(connected);
			await gate.recheck();
		},
		{ intervalMs: hub.limits.recheckMs, firstRunMs: null, jitter: 0 }
	);

	async function close() {
		if (hub.closing) return;
		hub.closing = true;
		hub.closingDeadline = Date.now() + 10_000;
		if (unlisten) await unlisten().catch(() => {});
		unlisten = null;
		void pings.stop();
		void rechecks.stop();
		const all = [...hub.rooms.values()];
		for (const room of all) for (const c of [...room.conns]) closeConn(c, CLOSE.GOING_AWAY);
		await Promise.all(
			all.map(async (room) => {
				await room.ready.catch(() => {});
				await flushRoom(room);
				destroyRoom(room);
			})
		);
		hub.rooms.clear();
		await Promise.all([...hub.unloading.values()]);
		for (const ws of hub.wss.clients) ws.terminate();
		await new Promise<void>((resolve) => hub.wss.close(() => resolve()));
	}

	async function applyServerUpdate(docId: string, update: Uint8Array): Promise<void> {
		if (hub.closing) throw new Error('Service en cours de redémarrage.');
		const id = docId.toLowerCase();
		if (!isUuid(id)) throw new Error('Document introuvable.');
		const room = getRoom(hub, id);
		if (room.idleTimer) {
			clearTimeout(room.idleTimer);
			room.idleTimer = null;
		}
		try {
			await room.ready;
			const decoded = Y.decodeUpdate(update);
			if (isEmptyUpdate(update) || isRedundant(room.ydoc, decoded)) return;
			if (room.docBytes + room.pendingBytes + update.byteLength > hub.limits.maxDocBytes) {
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
		for (const room of hub.rooms.values()) {
			connections += room.conns.size;
			for (const c of room.conns) if (c.access === 'write') writeConnections++;
			docBytes += room.docBytes;
		}
		return {
			docsLoaded: hub.rooms.size,
			docsUnloading: hub.unloading.size,
			connections,
			writeConnections,
			readConnections: connections - writeConnections,
			pendingUpgrades: hub.pendingUpgrades,
			docBytes,
			...hub.counters,
			presenceRefused: { ...hub.counters.presenceRefused },
			refusedUpgrades: { ...hub.refused },
			closes: { ...hub.closes }
		};
	}

	return {
		handles: gate.handles,
		handleUpgrade: gate.handleUpgrade,
		applyServerUpdate,
		close,
		recheckUser: gate.recheckUser,
		stats,
		profile: (reset = false) => hub.prof?.read(reset) ?? null
	};
}
