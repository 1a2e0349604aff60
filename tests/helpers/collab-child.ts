/**
 * Test kit of the collaboration server, and (run as a script) the child process of the crash-durability test.
 *
 * Test-only authentication: the upgrade URL carries `?test_user=<uuid>&test_name=<name>`; nothing of this exists
 * in production (the lead wires `authenticate` to the session cookie). Rights come from a Map the test changes
 * at will (userId → 'write' | 'read'; absent → no access).
 *
 * As a script (`tsx tests/helpers/collab-child.ts`): env DATABASE_URL (or COLLAB_PGLITE_DIR for a PGlite data
 * folder, COLLAB_PGLITE_SNAPSHOT to start it from a dump), COLLAB_RIGHTS (JSON { userId: access }), COLLAB_LIMITS (JSON, optional), COLLAB_PORT (optional),
 * COLLAB_MIGRATE=1 (apply migrations and the pending collab SQL first). Prints `LISTENING <port>` on stdout once
 * it accepts connections.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { Database } from '../../src/lib/server/db/types';
import { savedClockFromServer } from '../../src/lib/spaser/presence';
import { encodeAwareness, encodeAwarenessEntries } from '../../src/lib/server/collab/protocol';
import {
	createCollabServer,
	type CollabAccess,
	type CollabLimits,
	type CollabServer,
	type CollabUser
} from '../../src/lib/server/collab/server';

export const TEST_ORIGIN = 'http://collab.test';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Test-only: identity from the query string. */
export async function testAuthenticate(req: IncomingMessage): Promise<CollabUser | null> {
	const url = new URL(req.url ?? '/', 'http://x');
	const id = url.searchParams.get('test_user');
	if (!id || !UUID.test(id)) return null;
	return { userId: id, name: url.searchParams.get('test_name') || 'Anonyme', color: '#1f6feb' };
}

export interface TestCollabServer {
	port: number;
	/** Base URL for WebsocketProvider (`ws://127.0.0.1:<port>/collab`). */
	base: string;
	collab: CollabServer;
	http: Server;
	rights: Map<string, CollabAccess>;
	stop(): Promise<void>;
}

export async function startCollabTestServer(
	db: Database,
	opts: {
		limits?: Partial<CollabLimits>;
		rights?: Map<string, CollabAccess>;
		port?: number;
		synchronousCommit?: boolean;
	} = {}
): Promise<TestCollabServer> {
	const rights = opts.rights ?? new Map<string, CollabAccess>();
	const collab = createCollabServer({
		db,
		authenticate: testAuthenticate,
		authorize: async (userId) => rights.get(userId) ?? null,
		allowedOrigins: [TEST_ORIGIN],
		limits: opts.limits,
		synchronousCommit: opts.synchronousCommit
	});
	const http = createServer((_req, res) => {
		res.statusCode = 404;
		res.end();
	});
	http.on('upgrade', (req, socket, head) => void collab.handleUpgrade(req, socket, head));
	await new Promise<void>((resolve) => http.listen(opts.port ?? 0, '127.0.0.1', resolve));
	const port = (http.address() as AddressInfo).port;
	return {
		port,
		base: `ws://127.0.0.1:${port}/collab`,
		collab,
		http,
		rights,
		async stop() {
			await collab.close();
			http.closeAllConnections();
			await new Promise<void>((resolve) => http.close(() => resolve()));
		}
	};
}

/** A `ws` WebSocket class that sends an Origin header (the stock provider constructs `new WS(url, protocols)`). */
export function wsWithOrigin(origin = TEST_ORIGIN): typeof WebSocket {
	return class extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, { origin });
		}
	} as typeof WebSocket;
}

export interface Raw {
	ws: WebSocket;
	messages: Uint8Array[];
	closed: Promise<{ code: number; reason: string }>;
}

/** A raw socket: resolves once open, or rejects with the HTTP status of a refused upgrade. */
export function openRaw(url: string, origin: string | null = TEST_ORIGIN): Promise<Raw> {
	return new Promise((resolve, reject) => {
		const ws = new WebSocket(url, origin ? { origin } : {});
		const messages: Uint8Array[] = [];
		const closed = new Promise<{ code: number; reason: string }>((res) =>
			ws.on('close', (code, reason) => res({ code, reason: reason.toString('utf8') }))
		);
		ws.on('message', (d: Buffer) => messages.push(new Uint8Array(d)));
		ws.on('open', () => resolve({ ws, messages, closed }));
		ws.on('unexpected-response', (_req, res) => {
			let body = '';
			res.on('data', (c: Buffer) => (body += c.toString('utf8')));
			res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })));
		});
		ws.on('error', (e) => reject(e));
	});
}

/** A y-websocket sync message (step 1, 2 or update) as a client sends it. */
export function syncMessage(step: number, payload: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, 0);
	encoding.writeVarUint(e, step);
	encoding.writeVarUint8Array(e, payload);
	return encoding.toUint8Array(e);
}

/** A y-websocket awareness message carrying the given entries (as a client could forge them). */
export function awarenessMessage(entries: { clientId: number; clock: number; state: unknown }[]): Uint8Array {
	return encodeAwareness(encodeAwarenessEntries(entries));
}

/**
 * The servers, clients and raw sockets of one describe block, all closed by `cleanup()` (call it in afterEach).
 * The arrays are exposed so that a test can hand over what it started by other means.
 */
export function collabHarness(db: () => Database) {
	const servers: TestCollabServer[] = [];
	const clients: TestClient[] = [];
	const raws: WebSocket[] = [];
	return {
		servers,
		clients,
		raws,
		async server(limits: Partial<CollabLimits> = {}) {
			const s = await startCollabTestServer(db(), { limits });
			servers.push(s);
			return s;
		},
		client(s: TestCollabServer, docId: string, user: { id: string; name?: string }, doc?: Y.Doc) {
			const c = connectClient(s.base, docId, user, { doc });
			clients.push(c);
			return c;
		},
		/** A raw socket of `userId` (shown as `name`), or the HTTP refusal of its upgrade. */
		async raw(s: TestCollabServer, docId: string, userId: string, origin: string | null = TEST_ORIGIN, name = 'Raw') {
			const r = await openRaw(`${s.base}/${docId}?test_user=${userId}&test_name=${encodeURIComponent(name)}`, origin);
			raws.push(r.ws);
			return r;
		},
		async cleanup() {
			for (const c of clients.splice(0)) c.destroy();
			for (const r of raws.splice(0)) r.terminate();
			for (const s of servers.splice(0)) await s.stop();
		}
	};
}

export interface TestClient {
	doc: Y.Doc;
	provider: WebsocketProvider;
	closes: { code: number; reason: string }[];
	destroy(): void;
}

/** A stock y-websocket client (BroadcastChannel disabled: in one Node process it would bypass the server). */
export function connectClient(
	base: string,
	docId: string,
	user: { id: string; name?: string },
	opts: { doc?: Y.Doc; connect?: boolean; origin?: string } = {}
): TestClient {
	const doc = opts.doc ?? new Y.Doc();
	const provider = new WebsocketProvider(base, docId, doc, {
		WebSocketPolyfill: wsWithOrigin(opts.origin) as unknown as typeof globalThis.WebSocket,
		params: { test_user: user.id, test_name: user.name ?? 'Test' },
		disableBc: true,
		connect: opts.connect ?? true,
		maxBackoffTime: 300
	});
	const closes: { code: number; reason: string }[] = [];
	provider.on('connection-close', (ev) => {
		if (ev) closes.push({ code: ev.code, reason: ev.reason });
	});
	return {
		doc,
		provider,
		closes,
		destroy() {
			provider.destroy();
			doc.destroy();
		}
	};
}

export async function waitFor<T>(
	fn: () => T | Promise<T>,
	{ timeout = 5000, interval = 10, message = 'condition' } = {}
): Promise<NonNullable<T>> {
	const deadline = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v) return v as NonNullable<T>;
		if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${message}`);
		await new Promise((r) => setTimeout(r, interval));
	}
}

export function synced(c: TestClient, timeout = 5000) {
	return waitFor(() => c.provider.synced, { timeout, message: 'sync' });
}

// ---------------------------------------------------------------------------------------------------------------
// Child-process mode (crash-durability test)
// ---------------------------------------------------------------------------------------------------------------
async function main() {
	const { openPostgres } = await import('../../src/lib/server/db/postgres');
	const { openPglite } = await import('../../src/lib/server/db/pglite');
	const db: Database = process.env.DATABASE_URL
		? openPostgres(process.env.DATABASE_URL, { max: 4 })
		: await openPglite({
				dataDir: process.env.COLLAB_PGLITE_DIR!,
				// A fresh folder can start from the migrated snapshot of the test setup (much faster than initdb).
				loadDataDir: process.env.COLLAB_PGLITE_SNAPSHOT
					? new Blob([(await import('node:fs')).readFileSync(process.env.COLLAB_PGLITE_SNAPSHOT)])
					: undefined
			});
	if (process.env.COLLAB_MIGRATE === '1') {
		const { migrate } = await import('../../src/lib/server/db/migrate');
		await migrate(db);
	}
	const rights = new Map<string, CollabAccess>(Object.entries(JSON.parse(process.env.COLLAB_RIGHTS || '{}')));
	const limits = JSON.parse(process.env.COLLAB_LIMITS || '{}') as Partial<CollabLimits>;
	const srv = await startCollabTestServer(db, { rights, limits, port: Number(process.env.COLLAB_PORT || 0) });
	process.stdout.write(`LISTENING ${srv.port}\n`);
	const stop = async () => {
		await srv.stop();
		await db.close();
		process.exit(0);
	};
	process.on('SIGTERM', () => void stop());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	main().catch((err) => {
		console.error(err);
		process.exit(1);
	});
}

/** The clock up to which the server told this client its changes are saved (its own presence entry), as the editor reads it. */
export function savedClock(c: TestClient): number {
	return savedClockFromServer(c.provider.awareness.getStates(), c.doc.clientID);
}
