// Presence (Yjs awareness) of a document on this server: clients' entries screened and stamped (presence.ts),
// ownership of clientIDs (a departed person's clientID stays theirs), changes broadcast to the document, the full
// presence sent to a connection that joins or asks, and the server's own entry: the `saved` signal telling each
// writer which of its changes are stored (only the server says what is saved).
import * as awarenessProtocol from 'y-protocols/awareness';
import { SERVER_PRESENCE_CLIENT_ID, SERVER_PRESENCE_KEY } from '../../spaser/presence';
import { send } from './connection';
import { presenceRefusal } from './presence';
import { encodeAwareness, encodeAwarenessEntries, readAwarenessEntries, type AwarenessEntry } from './protocol';
import { notifyPresence, REMOTE } from './relay';
import type { Conn, Room } from './types';

/** Former presence owners remembered per document (oldest forgotten first). */
const MAX_FORMER_OWNERS = 1000;

/** Everyone's presence in the document, to one connection (on joining, or on a query-awareness message). */
export function sendAllPresence(conn: Conn) {
	const awareness = conn.room.awareness;
	const ids = [...awareness.getStates().keys()];
	if (ids.length > 0) send(conn, encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(awareness, ids)));
}

/** A client's presence: screened entry by entry (presence.ts), stamped with its identity, then applied. */
export function onClientAwareness(conn: Conn, update: Uint8Array) {
	const hub = conn.room.hub;
	const t0 = hub.prof ? performance.now() : 0;
	try {
		screenAndApply(conn, update);
	} finally {
		hub.prof?.add('presence_from_client', t0);
	}
}

function screenAndApply(conn: Conn, update: Uint8Array) {
	const hub = conn.room.hub;
	if (update.byteLength > hub.limits.maxAwarenessBytes) {
		hub.counters.awarenessDropped++;
		return;
	}
	const room = conn.room;
	const accepted: AwarenessEntry[] = [];
	for (const raw of readAwarenessEntries(update)) {
		const owner = room.awarenessOwner.get(raw.clientId);
		const former = room.formerOwners.get(raw.clientId);
		const holder = owner
			? owner === conn
				? 'self'
				: 'other'
			: former !== undefined && former !== conn.user.userId
				? 'other'
				: 'none';
		// The server's entry and other people's come back in every stock client's echo: refused by their clientID
		// alone, before their JSON is parsed (presenceRefusal decides these two without the state).
		const e: AwarenessEntry =
			raw.clientId === SERVER_PRESENCE_CLIENT_ID || holder === 'other'
				? { clientId: raw.clientId, clock: raw.clock, state: undefined }
				: { clientId: raw.clientId, clock: raw.clock, state: JSON.parse(raw.json) as unknown };
		const refusal = presenceRefusal(e, {
			holder,
			owned: conn.awarenessIds.size,
			maxOwned: hub.limits.maxAwarenessClientsPerConn
		});
		if (refusal) {
			// Not logged: the stock client echoes every state it receives (the server's, the other people's),
			// so refusals are routine; they are counted.
			hub.counters.presenceRefused[refusal]++;
			continue;
		}
		if (e.state !== null && typeof e.state === 'object' && !Array.isArray(e.state)) {
			e.state = hub.stamp(e.state as Record<string, unknown>, conn.user, conn.access);
		}
		accepted.push(e);
	}
	if (accepted.length < 1) {
		hub.counters.awarenessDropped++;
		return;
	}
	awarenessProtocol.applyAwarenessUpdate(room.awareness, encodeAwarenessEntries(accepted), conn);
}

/**
 * The server's `saved` entry for a connection changes at most every SAVED_INTERVAL_MS: the first change goes at
 * once, later ones within the interval are coalesced into one message carrying the latest clocks. (Each message is
 * also echoed back by the stock client, so one per stored batch per writer was a large part of the fan-out.)
 */
export const SAVED_INTERVAL_MS = 200;

/** Tells a connection which of its changes are stored (see SAVED_INTERVAL_MS). Only after they are stored. */
export function sendSaved(conn: Conn) {
	if (conn.savedTimer || conn.closed) return; // the pending message will carry the latest clocks
	const wait = conn.savedAt + SAVED_INTERVAL_MS - Date.now();
	if (wait <= 0) return writeSaved(conn);
	conn.savedTimer = setTimeout(() => {
		conn.savedTimer = null;
		if (!conn.closed) writeSaved(conn);
	}, wait);
}

/** The server's presence entry for one connection: the clocks of its changes that are stored. */
function writeSaved(conn: Conn) {
	const hub = conn.room.hub;
	conn.savedAt = Date.now();
	const t0 = hub.prof ? performance.now() : 0;
	hub.presenceClock = Math.max(hub.presenceClock + 1, Date.now());
	const saved: Record<string, number> = {};
	for (const [client, clock] of conn.saved) saved[String(client)] = clock;
	const entry: AwarenessEntry = {
		clientId: SERVER_PRESENCE_CLIENT_ID,
		clock: hub.presenceClock,
		state: { [SERVER_PRESENCE_KEY]: saved }
	};
	send(conn, encodeAwareness(encodeAwarenessEntries([entry])));
	hub.prof?.add('saved_signal', t0);
}

export type AwarenessChange = { added: number[]; updated: number[]; removed: number[] };

/**
 * The document's presence changed (a client, a departure, another instance): owners of clientIDs tracked, the
 * change sent to every loaded connection of the document and, when it was made here, to the other instances.
 */
export function onAwarenessUpdate(room: Room, change: AwarenessChange, origin: unknown) {
	const hub = room.hub;
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
	const t0 = hub.prof ? performance.now() : 0;
	const update = awarenessProtocol.encodeAwarenessUpdate(room.awareness, changed);
	const msg = encodeAwareness(update);
	for (const c of room.conns) if (c.queue === null) send(c, msg);
	// Presence set here (a client of this instance, or its departure) goes to the other instances.
	if (hub.relayOn && origin !== REMOTE && origin !== 'timeout') notifyPresence(hub, room.id, update);
	hub.prof?.add('presence_broadcast', t0);
}
