// Messages of a client (y-websocket protocol, protocol.ts): sync step 1 answered with the server's step 2; step 2
// and updates screened (updates.ts), applied to the shared Y.Doc (which relays them at once, rooms.ts) and queued
// for storage (writes.ts); read-only connections' changes dropped and counted; presence handed to awareness.ts.
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { closeConn, send } from './connection';
import { onClientAwareness, sendAllPresence, sendSaved } from './awareness';
import {
	CLOSE,
	encodeSyncStep2,
	MESSAGE_AUTH,
	MESSAGE_AWARENESS,
	MESSAGE_QUERY_AWARENESS,
	MESSAGE_SYNC,
	SYNC_STEP1,
	SYNC_STEP2,
	SYNC_UPDATE
} from './protocol';
import type { Conn } from './types';
import { endClocks, isEmptyUpdate, isRedundant, updateHasBadText } from './updates';
import { enqueueWrite } from './writes';

/** A message received on a connection: queued until its document is loaded, then handled in order. */
export function onMessage(conn: Conn, data: Uint8Array) {
	if (conn.closed) return;
	if (conn.queue !== null) {
		conn.queue.push(data);
		return;
	}
	handleMessage(conn, data);
}

export function handleMessage(conn: Conn, data: Uint8Array) {
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
			case MESSAGE_QUERY_AWARENESS:
				sendAllPresence(conn);
				return;
			case MESSAGE_AUTH:
				return; // only the server sends auth messages
			default:
				closeConn(conn, CLOSE.INVALID_MESSAGE);
		}
	} catch (err) {
		room.hub.log.warn('collab: invalid message', { docId: room.id, userId: conn.user.userId, err: String(err) });
		closeConn(conn, CLOSE.INVALID_MESSAGE);
	}
}

export function onClientUpdate(conn: Conn, update: Uint8Array) {
	if (isEmptyUpdate(update)) return;
	const room = conn.room;
	const hub = room.hub;
	const t0 = hub.prof ? performance.now() : 0;
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
			for (const [client, clock] of endClocks(decoded))
				if ((conn.saved.get(client) ?? 0) < clock) conn.saved.set(client, clock);
			sendSaved(conn);
		}
		return;
	}
	if (conn.access !== 'write') {
		hub.counters.readOnlyUpdatesDropped++;
		conn.readOnlyDrops++;
		if (conn.readOnlyDrops > hub.limits.maxReadOnlyWrites) closeConn(conn, CLOSE.READ_ONLY);
		return;
	}
	if (room.docBytes + room.pendingBytes + update.byteLength > hub.limits.maxDocBytes) {
		hub.log.warn('collab: update refused, document too large', { docId: room.id, docBytes: room.docBytes });
		closeConn(conn, CLOSE.DOC_TOO_LARGE);
		return;
	}
	if (updateHasBadText(decoded)) {
		hub.log.warn('collab: update refused, NUL or lone surrogate in its text (not stored)', {
			docId: room.id,
			userId: conn.user.userId
		});
		closeConn(conn, CLOSE.INVALID_TEXT);
		return;
	}
	hub.prof?.add('update_decode_check', t0);
	// Applied and relayed to the others at once (see onDocUpdate), stored right behind.
	const t1 = hub.prof ? performance.now() : 0;
	try {
		Y.applyUpdate(room.ydoc, update, conn);
	} catch (err) {
		hub.log.warn('collab: update could not be applied (not stored)', { docId: room.id, err: String(err) });
		closeConn(conn, CLOSE.INVALID_MESSAGE);
		return;
	}
	hub.prof?.add('update_apply_incl_broadcast', t1);
	enqueueWrite(room, conn, update, decoded);
}
