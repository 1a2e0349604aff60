// Relay between instances (several app processes on one PostgreSQL): each stored batch is announced with
// pg_notify in its insert's own transaction (the merged update inline when it fits, else read back from the
// table), presence changes too; the other instances apply them to their copy of the document and relay them to
// their clients, and read everything again after a lost notification (reconnection of the LISTEN connection).
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { Hub } from './hub';
import { loadDoc, readUpdates } from './persistence';
import { isServerOnlyEntry } from './presence';
import { decodeAwarenessUpdate, encodeAwarenessEntries } from './protocol';
import type { PendingWrite, RelayMessage, Room } from './types';

/** The LISTEN/NOTIFY channel of the relay between instances. */
export const RELAY_CHANNEL = 'spaser_collab';
/** Postgres refuses NOTIFY payloads of 8000 bytes or more: larger updates are read from the table instead. */
const MAX_NOTIFY_PAYLOAD = 7_900;
/** Origin of changes received from another instance (applied and relayed, never stored again). */
export const REMOTE = Symbol('remote instance');

/**
 * LISTEN on the relay channel (when relaying is on); resolves to the function that stops listening, or null.
 * On a (re)connection of the listener, every loaded document is read again (notifications may have been lost).
 */
export async function startRelay(hub: Hub): Promise<(() => Promise<void>) | null> {
	if (!hub.relayOn) return null;
	try {
		return await hub.db.listen!(
			RELAY_CHANNEL,
			(payload) => void onRelay(hub, payload),
			() => {
				for (const room of hub.rooms.values()) if (room.loaded && !room.destroyed) resync(room).catch(() => {});
			}
		);
	} catch (err) {
		hub.log.error('collab: LISTEN failed; instances will not relay to each other', { err: String(err) });
		return null;
	}
}

/** The notification of a stored batch (sent by its insert, at commit). */
export function relayNotice(
	hub: Hub,
	docId: string,
	firstSeq: number,
	batch: PendingWrite[]
): { channel: string; payload: string } {
	const t0 = hub.prof ? performance.now() : 0;
	const msg: RelayMessage = { i: hub.instanceId, d: docId, a: firstSeq, b: firstSeq + batch.length - 1 };
	const merged = batch.length === 1 ? batch[0].update : Y.mergeUpdates(batch.map((w) => w.update));
	// base64 grows by 4/3; the envelope is under 120 bytes.
	if ((merged.byteLength * 4) / 3 + 120 < MAX_NOTIFY_PAYLOAD) msg.u = Buffer.from(merged).toString('base64');
	const payload = JSON.stringify(msg);
	hub.prof?.add('relay_notice', t0);
	return { channel: RELAY_CHANNEL, payload };
}

/** Presence set on this instance, to the others. */
export function notifyPresence(hub: Hub, docId: string, update: Uint8Array) {
	const payload = JSON.stringify({
		i: hub.instanceId,
		d: docId,
		w: Buffer.from(update).toString('base64')
	} satisfies RelayMessage);
	if (payload.length >= MAX_NOTIFY_PAYLOAD) return; // capped like a client's presence
	hub.db
		.query('select pg_notify($1::text, $2::text)', [RELAY_CHANNEL, payload])
		.catch((err) => hub.log.warn('collab: presence relay failed', { docId, err: String(err) }));
}

async function onRelay(hub: Hub, payload: string) {
	let msg: RelayMessage;
	try {
		msg = JSON.parse(payload) as RelayMessage;
	} catch {
		return;
	}
	if (msg.i === hub.instanceId || typeof msg.d !== 'string') return;
	const room = hub.rooms.get(msg.d);
	// A document that is not loaded here reads everything from the table when it is.
	if (!room || room.destroyed) return;
	if (!room.loaded) {
		if (typeof msg.w !== 'string') room.relayMissed = true;
		return;
	}
	if (typeof msg.w === 'string') {
		try {
			const entries = decodeAwarenessUpdate(Buffer.from(msg.w, 'base64')).filter((e) => !isServerOnlyEntry(e));
			if (entries.length > 0)
				awarenessProtocol.applyAwarenessUpdate(room.awareness, encodeAwarenessEntries(entries), REMOTE);
		} catch (err) {
			hub.log.warn('collab: relayed presence could not be applied', { docId: room.id, err: String(err) });
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
		const rows = await readUpdates(hub.db, room.id, msg.a, msg.b);
		if (rows.length === msg.b - msg.a + 1) {
			Y.transact(
				room.ydoc,
				() => {
					for (const r of rows) Y.applyUpdate(room.ydoc, r.update, REMOTE);
				},
				REMOTE
			);
		} else await resync(room); // already merged into the snapshot by a compaction
	} catch (err) {
		hub.log.error('collab: relayed update could not be applied; resyncing', { docId: room.id, err: String(err) });
		await resync(room).catch(() => {});
	}
}

/** Applies everything stored for a loaded document (idempotent): after a lost notification or a reconnection. */
export async function resync(room: Room) {
	const stored = await loadDoc(room.hub.db, room.id);
	if (room.destroyed) return;
	room.nextSeq = Math.max(room.nextSeq, stored.lastSeq + 1);
	Y.transact(
		room.ydoc,
		() => {
			for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates)
				Y.applyUpdate(room.ydoc, u, REMOTE);
		},
		REMOTE
	);
}
