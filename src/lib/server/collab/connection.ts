// Connections: a socket attached to its document (Room) once upgraded, the first messages of the server (sync
// step 1 and everyone's presence, once the document is loaded), sending with a bound on what a client leaves
// unread, closing with our codes, detaching, the per-message size cap and byte budget (limits.ts: reading pauses
// while a user's budget is spent), and the keepalive pings.
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import * as awarenessProtocol from 'y-protocols/awareness';
import { countClose, type Hub } from './hub';
import { messageSizeCap } from './limits';
import { handleMessage, onMessage } from './messages';
import { sendAllPresence } from './awareness';
import { CLOSE, encodeSyncStep1, type CloseInfo } from './protocol';
import { getRoom, scheduleUnload } from './rooms';
import type { CollabAccess, CollabUser, Conn } from './types';

const SEND_OPTIONS = { binary: true } as const;

/**
 * Sends one message. Everything sent to a socket during one turn of the event loop leaves in one write: the
 * socket is corked at its first message and uncorked once the turn's I/O callbacks are done (setImmediate), so a
 * burst of edits fanned out to many clients costs one system call per client, not one per (edit, client).
 */
export function send(conn: Conn, msg: Uint8Array) {
	const hub = conn.room.hub;
	if (conn.closed || conn.ws.readyState !== WebSocket.OPEN) return;
	if (conn.ws.bufferedAmount > hub.limits.maxBufferedBytes) {
		hub.log.warn('collab: client does not read, terminated', { docId: conn.room.id, userId: conn.user.userId });
		conn.ws.terminate();
		detach(conn);
		return;
	}
	hub.counters.bytesSent += msg.byteLength;
	if (!conn.corked && conn.socket) {
		conn.corked = true;
		conn.socket.cork();
		hub.corked.push(conn);
		if (hub.corked.length === 1) setImmediate(uncorkAll, hub);
	}
	conn.ws.send(msg, SEND_OPTIONS, conn.onSent);
}

function uncorkAll(hub: Hub) {
	const list = hub.corked;
	hub.corked = [];
	for (const c of list) {
		c.corked = false;
		c.socket?.uncork();
	}
}

export function closeConn(conn: Conn, info: CloseInfo) {
	if (conn.closed) return;
	countClose(conn.room.hub, info.code);
	try {
		conn.ws.close(info.code, info.reason);
	} catch {
		conn.ws.terminate();
	}
	detach(conn);
}

/** Removes a connection from its document (idempotent): presence removed, idle unload scheduled. */
export function detach(conn: Conn) {
	if (conn.closed) return;
	conn.closed = true;
	conn.queue = null;
	if (conn.resumeTimer) clearTimeout(conn.resumeTimer);
	conn.resumeTimer = null;
	if (conn.savedTimer) clearTimeout(conn.savedTimer);
	conn.savedTimer = null;
	const room = conn.room;
	room.conns.delete(conn);
	if (conn.awarenessIds.size > 0 && !room.destroyed) {
		awarenessProtocol.removeAwarenessStates(room.awareness, [...conn.awarenessIds], 'disconnect');
	}
	if (room.conns.size === 0) scheduleUnload(room);
}

export function withinLimits(conn: Conn, data: Uint8Array): boolean {
	const hub = conn.room.hub;
	const cap = messageSizeCap(data, hub.limits);
	if (cap !== null && data.byteLength > cap) {
		hub.log.warn('collab: message above its size cap, connection closed', {
			docId: conn.room.id,
			userId: conn.user.userId,
			bytes: data.byteLength,
			cap
		});
		closeConn(conn, CLOSE.UPDATE_TOO_LARGE);
		return false;
	}
	throttle(conn, conn.budget.charge(data.byteLength + hub.limits.messageCostBytes));
	return true;
}

function throttle(conn: Conn, waitMs: number) {
	if (waitMs <= 0 || conn.closed || conn.resumeTimer) return;
	conn.room.hub.counters.throttled++;
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

/** `socket`: the upgraded TCP socket under `ws` (corked while a turn's messages are sent, see send()). */
export function onConnection(
	hub: Hub,
	ws: WebSocket,
	docId: string,
	user: CollabUser,
	access: CollabAccess,
	socket: Duplex | null = null
) {
	const room = getRoom(hub, docId);
	const conn: Conn = {
		id: hub.nextConnId++,
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
		budget: hub.budgets.get(user.userId),
		resumeTimer: null,
		savedAt: 0,
		savedTimer: null,
		socket,
		corked: false,
		onSent: (err) => {
			if (err) detach(conn);
		}
	};
	ws.on('error', (err) => hub.log.warn('collab: socket error', { docId, err: String(err) }));
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
		hub.counters.bytesReceived += buf.byteLength;
		const msg = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
		const t0 = hub.prof ? performance.now() : 0;
		if (withinLimits(conn, msg)) onMessage(conn, msg);
		hub.prof?.add('message_total', t0);
	});
	if (room.idleTimer) {
		clearTimeout(room.idleTimer);
		room.idleTimer = null;
	}
	if (room.conns.size >= hub.limits.maxClientsPerDoc) {
		conn.closed = true; // never attached
		countClose(hub, CLOSE.TOO_MANY_CLIENTS.code);
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
			sendAllPresence(conn);
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

/**
 * Keepalive: a connection that answered nothing since the previous ping is terminated (one paused on purpose by
 * its byte budget is skipped: its pongs wait in the socket).
 */
export function pingAll(hub: Hub) {
	for (const room of hub.rooms.values()) {
		for (const c of [...room.conns]) {
			if (c.resumeTimer) continue; // not reading on purpose (its pongs wait in the socket): see throttle()
			if (!c.alive) {
				countClose(hub, CLOSE.TIMEOUT.code);
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
}
