// Documents in memory (rooms): loading from the persisted state, the broadcast of every change of the shared Y.Doc
// to its connections, the idle unload (after `idleUnloadMs` without connections: pending writes flushed, the log
// compacted, then dropped) and the flush that close() and the unload wait for.
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { onAwarenessUpdate, type AwarenessChange } from './awareness';
import { closeConn, send } from './connection';
import type { Hub } from './hub';
import { loadDoc } from './persistence';
import { CLOSE, encodeUpdate } from './protocol';
import { resync } from './relay';
import type { Room } from './types';
import { compact } from './writes';

/**
 * The document's room, created and loading if needed: the persisted state (snapshot + updates) is applied BEFORE
 * the room is ready (connections wait for `ready` to send their first message); never loaded while a previous
 * copy of it is still being flushed.
 */
export function getRoom(hub: Hub, docId: string): Room {
	const existing = hub.rooms.get(docId);
	if (existing) return existing;
	const ydoc = new Y.Doc({ gc: hub.opts.gc ?? true });
	const awareness = new awarenessProtocol.Awareness(ydoc);
	awareness.setLocalState(null); // the server itself is not a participant
	const room: Room = {
		hub,
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
	hub.rooms.set(docId, room);
	const previous = hub.unloading.get(docId);
	room.ready = (async () => {
		if (previous) await previous; // never load while the previous instance is still being flushed
		const stored = await loadDoc(hub.db, docId);
		Y.transact(ydoc, () => {
			const all = stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates;
			for (const u of all) {
				try {
					Y.applyUpdate(ydoc, u, 'load');
				} catch (err) {
					hub.log.error('collab: stored update could not be applied (skipped)', { docId, err: String(err) });
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
		hub.counters.loadErrors++;
		hub.log.error('collab: document load failed', { docId, err: String(err) });
		if (hub.rooms.get(docId) === room) hub.rooms.delete(docId);
		for (const c of [...room.conns]) closeConn(c, CLOSE.LOAD_FAILED);
		destroyRoom(room);
	});
	return room;
}

export function destroyRoom(room: Room) {
	if (room.destroyed) return;
	room.destroyed = true;
	if (room.idleTimer) clearTimeout(room.idleTimer);
	room.idleTimer = null;
	room.awareness.destroy();
	room.ydoc.destroy();
}

export function scheduleUnload(room: Room) {
	const hub = room.hub;
	if (room.destroyed || hub.closing) return;
	if (room.idleTimer) clearTimeout(room.idleTimer);
	room.idleTimer = setTimeout(() => {
		room.idleTimer = null;
		void unloadRoom(room);
	}, hub.limits.idleUnloadMs);
	room.idleTimer.unref?.();
}

export async function flushRoom(room: Room) {
	while (room.writing || room.compacting) await (room.writing ?? room.compacting);
}

function unloadRoom(room: Room): Promise<void> {
	const hub = room.hub;
	if (room.conns.size > 0 || room.destroyed || hub.rooms.get(room.id) !== room) return Promise.resolve();
	hub.rooms.delete(room.id);
	let p: Promise<void> | null = null;
	p = (async () => {
		try {
			await room.ready.catch(() => {});
			await flushRoom(room);
			if (room.loaded && room.updatesSinceSnapshot > 0) await compact(room);
		} catch (err) {
			hub.log.error('collab: final compaction failed (the update log is intact)', { docId: room.id, err: String(err) });
		} finally {
			destroyRoom(room);
			hub.counters.docsUnloaded++;
			if (hub.unloading.get(room.id) === p) hub.unloading.delete(room.id);
		}
	})();
	hub.unloading.set(room.id, p);
	return p;
}

/** A change of the shared Y.Doc (a client's, the server's, another instance's): sent to every other loaded connection. */
export function onDocUpdate(room: Room, update: Uint8Array, origin: unknown) {
	const prof = room.hub.prof;
	const t0 = prof ? performance.now() : 0;
	const msg = encodeUpdate(update);
	for (const c of room.conns) {
		if (c !== origin && c.queue === null) send(c, msg);
	}
	if (prof) {
		prof.add('update_broadcast', t0);
		prof.count('update_sends', room.conns.size - 1);
	}
}
