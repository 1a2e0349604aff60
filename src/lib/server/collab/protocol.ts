// The y-websocket wire protocol (as spoken by the stock `y-websocket` WebsocketProvider), the close codes of our
// collaboration server and the HTTP refusals written at the upgrade.
//
// Every websocket message is binary: a varUint message type, then its payload (lib0 encoding):
//   0 sync            varUint sync type (0 step 1: state vector, 1 step 2: update, 2 update), varUint8Array
//   1 awareness       varUint8Array awareness update (varUint count, then clientID, clock, JSON state)
//   2 auth            varUint 0 (permission denied), varString reason  (server → client only)
//   3 query-awareness no payload: answer with the awareness states of everyone present
import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as syncProtocol from 'y-protocols/sync';

export const MESSAGE_SYNC = 0;
export const MESSAGE_AWARENESS = 1;
export const MESSAGE_AUTH = 2;
export const MESSAGE_QUERY_AWARENESS = 3;

export const SYNC_STEP1 = syncProtocol.messageYjsSyncStep1;
export const SYNC_STEP2 = syncProtocol.messageYjsSyncStep2;
export const SYNC_UPDATE = syncProtocol.messageYjsUpdate;

/**
 * Close codes after the upgrade, with the French reason sent in the close frame (at most 123 bytes of UTF-8).
 * The stock y-websocket client (3.x) stops reconnecting on codes 4400–4499 ("permanent": it emits `closed`)
 * and reconnects on every other code, so:
 * - 44xx: a decision reconnecting cannot change (access withdrawn, document too big, room full…);
 * - 45xx: transient (rights changed: reconnect to get the new rights; storage failed: reconnect and resync).
 */
export const CLOSE = {
	/** Normal shutdown of the server: the client reconnects (to another instance, or after the restart). */
	GOING_AWAY: { code: 1001, reason: 'Serveur en cours de redémarrage' },
	INVALID_MESSAGE: { code: 4400, reason: 'Message invalide' },
	/** The session that opened the socket ended (sign-out, sign-out everywhere, password reset). */
	SESSION_ENDED: { code: 4401, reason: 'Session terminée\u00a0: reconnectez-vous' },
	/** An update inserting a NUL or a lone surrogate: not applied, not stored. */
	INVALID_TEXT: { code: 4422, reason: 'Texte refusé\u00a0: caractère non valable' },
	ACCESS_REVOKED: { code: 4403, reason: 'Accès retiré' },
	/** A read-only connection kept sending changes (they were all dropped). */
	READ_ONLY: { code: 4405, reason: 'Lecture seule\u00a0: modifications refusées' },
	DOC_TOO_LARGE: { code: 4413, reason: 'Document trop volumineux' },
	/** One message above its size cap (limits.ts): not applied, not stored; the client stops resending it. */
	UPDATE_TOO_LARGE: { code: 4414, reason: 'Modification trop volumineuse\u00a0: non enregistrée' },
	TOO_MANY_CLIENTS: { code: 4429, reason: 'Trop de participants sur ce document' },
	/** Storing an update failed: nothing was applied; the client reconnects and resends it in its sync step 2. */
	STORAGE_FAILED: { code: 4500, reason: 'Enregistrement impossible, reconnexion…' },
	/** Write access became read-only: the client reconnects and gets a read-only session. */
	RIGHTS_CHANGED: { code: 4501, reason: 'Vos droits ont changé\u00a0: reconnexion en lecture seule' },
	LOAD_FAILED: { code: 4502, reason: 'Chargement du document impossible, reconnexion…' },
	/** No message (not even a pong) for two keepalive periods. */
	TIMEOUT: { code: 4508, reason: 'Connexion inactive' }
} as const;

export type CloseInfo = { code: number; reason: string };

export function encodeSyncStep1(doc: Parameters<typeof syncProtocol.writeSyncStep1>[1]): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_SYNC);
	syncProtocol.writeSyncStep1(e, doc);
	return encoding.toUint8Array(e);
}

export function encodeSyncStep2(
	doc: Parameters<typeof syncProtocol.writeSyncStep2>[1],
	stateVector?: Uint8Array
): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_SYNC);
	syncProtocol.writeSyncStep2(e, doc, stateVector);
	return encoding.toUint8Array(e);
}

export function encodeUpdate(update: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_SYNC);
	syncProtocol.writeUpdate(e, update);
	return encoding.toUint8Array(e);
}

export function encodeAwareness(awarenessUpdate: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_AWARENESS);
	encoding.writeVarUint8Array(e, awarenessUpdate);
	return encoding.toUint8Array(e);
}

export function encodePermissionDenied(reason: string): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, MESSAGE_AUTH);
	authProtocol.writePermissionDenied(e, reason);
	return encoding.toUint8Array(e);
}

/** One decoded entry of an awareness update. `state` null means "this client left". */
export interface AwarenessEntry {
	clientId: number;
	clock: number;
	state: unknown;
}

/** Decodes an awareness update; throws on malformed input (truncated buffer, invalid JSON). */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
	return readAwarenessEntries(update).map((e) => ({
		clientId: e.clientId,
		clock: e.clock,
		state: JSON.parse(e.json) as unknown
	}));
}

/** An awareness entry with its state still as JSON text (parsed only when needed). */
export interface RawAwarenessEntry {
	clientId: number;
	clock: number;
	json: string;
}

/** Splits an awareness update into its entries without parsing their JSON; throws on a truncated buffer. */
export function readAwarenessEntries(update: Uint8Array): RawAwarenessEntry[] {
	const d = decoding.createDecoder(update);
	const n = decoding.readVarUint(d);
	const out: RawAwarenessEntry[] = [];
	for (let i = 0; i < n; i++) {
		const clientId = decoding.readVarUint(d);
		const clock = decoding.readVarUint(d);
		out.push({ clientId, clock, json: decoding.readVarString(d) });
	}
	return out;
}

export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, entries.length);
	for (const it of entries) {
		encoding.writeVarUint(e, it.clientId);
		encoding.writeVarUint(e, it.clock);
		encoding.writeVarString(e, JSON.stringify(it.state));
	}
	return encoding.toUint8Array(e);
}

const STATUS_TEXT: Record<number, string> = {
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	503: 'Service Unavailable'
};

/** Answers an upgrade request with a plain HTTP error (French text body) and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
	if (socket.destroyed) return;
	const body = Buffer.from(message + '\n', 'utf8');
	const head =
		`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
		'Connection: close\r\n' +
		'Content-Type: text/plain; charset=utf-8\r\n' +
		'Cache-Control: no-store\r\n' +
		`Content-Length: ${body.byteLength}\r\n\r\n`;
	socket.end(Buffer.concat([Buffer.from(head, 'latin1'), body]), () => socket.destroy());
	// If the peer never reads, do not keep the socket around.
	setTimeout(() => socket.destroy(), 1000).unref();
}
