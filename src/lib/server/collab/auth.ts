// Authentication and rights: the upgrade (path → document id, allowed Origin, session → user, right on the
// document, byte budget; refusals are plain HTTP answers on the socket) and the re-checks of open connections
// (every `recheckMs`, and at once for one user whose sessions were just ended): session ended → 4401, no access →
// 4403, write → read → 4501, read → write → upgraded in place.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeConn, onConnection, send } from './connection';
import type { Hub } from './hub';
import { CLOSE, encodeSyncStep1, refuseUpgrade } from './protocol';
import type { CollabAccess, CollabUser } from './types';
import { isUuid } from '$lib/server/kit/ids';

function normaliseOrigin(o: string): string {
	return o.trim().replace(/\/+$/, '').toLowerCase();
}

export interface Gate {
	/** True when the request path belongs to this endpoint. */
	handles(req: IncomingMessage): boolean;
	handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>;
	/** Re-checks every open connection (skipped while a previous round runs). */
	recheck(): Promise<void>;
	/** Re-checks now the connections of one user. */
	recheckUser(userId: string): Promise<void>;
}

export function createGate(hub: Hub): Gate {
	const prefix = hub.opts.pathPrefix ?? '/collab/';
	const origins = new Set(hub.opts.allowedOrigins.map(normaliseOrigin));
	let rechecking = false;

	function handles(req: IncomingMessage): boolean {
		const path = (req.url ?? '').split('?')[0];
		return path.startsWith(prefix);
	}

	function refuse(socket: Duplex, status: number, message: string) {
		hub.refused[status] = (hub.refused[status] ?? 0) + 1;
		refuseUpgrade(socket, status, message);
	}

	async function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
		socket.on('error', () => {}); // a reset while we authenticate must not crash the process
		hub.pendingUpgrades++;
		try {
			if (hub.closing) return refuse(socket, 503, 'Service en cours de redémarrage, réessayez dans un instant.');
			const path = (req.url ?? '').split('?')[0];
			const rest = path.startsWith(prefix) ? path.slice(prefix.length).replace(/\/+$/, '') : '';
			if (!isUuid(rest)) return refuse(socket, 404, 'Document introuvable.');
			const docId = rest.toLowerCase();
			const origin = req.headers.origin;
			if (!origin || !origins.has(normaliseOrigin(origin))) {
				return refuse(socket, 403, 'Origine non autorisée.');
			}
			let user: CollabUser | null;
			let access: CollabAccess | null;
			try {
				user = await hub.opts.authenticate(req);
				access = user ? await hub.opts.authorize(user.userId, docId) : null;
			} catch (err) {
				hub.log.error('collab: authentication or authorisation failed', { docId, err: String(err) });
				return refuse(socket, 503, 'Service momentanément indisponible, réessayez dans un instant.');
			}
			if (!user) return refuse(socket, 401, 'Connexion requise.');
			if (access !== 'write' && access !== 'read') return refuse(socket, 403, 'Accès refusé à ce document.');
			// Every connection receives the whole document: a user who spent their budget waits before opening more.
			const budget = hub.budgets.get(user.userId);
			if (budget.waitMs() > 0)
				return refuse(socket, 429, 'Trop de modifications en peu de temps, réessayez dans un instant.');
			budget.charge(hub.limits.connectCostBytes);
			if (socket.destroyed) return;
			if (hub.closing) return refuse(socket, 503, 'Service en cours de redémarrage, réessayez dans un instant.');
			const u = user;
			const a = access;
			hub.wss.handleUpgrade(req, socket, head, (ws) => onConnection(hub, ws, docId, u, a, socket));
		} catch (err) {
			hub.log.error('collab: upgrade failed', { err: String(err) });
			socket.destroy();
		} finally {
			hub.pendingUpgrades--;
		}
	}

	/**
	 * Re-runs sessionAlive() and authorize() for the open connections (of one user, or all): session ended →
	 * 4401; no access → 4403; write → read → 4501; read → write → upgraded in place.
	 */
	async function recheckConns(onlyUser?: string) {
		const sessions = new Map<string, Promise<boolean | 'error'>>();
		const verdicts = new Map<string, Promise<CollabAccess | null | 'error'>>();
		const jobs: Promise<void>[] = [];
		for (const room of hub.rooms.values()) {
			for (const c of room.conns) {
				if (onlyUser !== undefined && c.user.userId !== onlyUser) continue;
				const sid = c.user.sessionId;
				let alive: Promise<boolean | 'error'> = Promise.resolve(true);
				if (sid && hub.opts.sessionAlive) {
					let a = sessions.get(sid);
					if (!a) {
						a = hub.opts.sessionAlive(sid).catch((err) => {
							hub.log.warn('collab: session re-check failed (connection kept)', { err: String(err) });
							return 'error' as const;
						});
						sessions.set(sid, a);
					}
					alive = a;
				}
				const key = c.user.userId + ' ' + room.id;
				let v = verdicts.get(key);
				if (!v) {
					v = hub.opts.authorize(c.user.userId, room.id).catch((err) => {
						hub.log.warn('collab: rights re-check failed (connection kept)', { docId: room.id, err: String(err) });
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
		if (rechecking || hub.closing) return;
		rechecking = true;
		try {
			await recheckConns();
		} catch (err) {
			hub.log.error('collab: rights re-check failed', { err: String(err) });
		} finally {
			rechecking = false;
		}
	}

	async function recheckUser(userId: string) {
		if (hub.closing) return;
		try {
			await recheckConns(userId);
		} catch (err) {
			hub.log.error('collab: session re-check failed', { userId, err: String(err) });
		}
	}

	return { handles, handleUpgrade, recheck, recheckUser };
}
