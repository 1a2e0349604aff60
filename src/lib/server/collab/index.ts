// Wiring of the collaboration server into the app: one server per process (a globalThis singleton, so that
// Vite's module reloads in dev never create a second writer for a document), authenticated by the session
// cookie, authorised by `app.spaser_access()` under the user's own RLS, with the SPASER projection and automatic
// versions fed by its changes. server.js (production) and the Vite plugin (dev) hand it their upgrades.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { onSessionsEnded, SESSION_COOKIE, sessionAlive, validateSessionToken } from '../auth/session';
import { getDb, withUser, type Database } from '../db';
import { log } from '$lib/server/kit/log';
import { createProjectionScheduler, type ProjectionScheduler } from '../spaser/projection';
import { maybeAutoSnapshot } from '../spaser/versions';
import { readLiveDoc, setCollabServer } from '../spaser/live';
import { colorFor } from '../../spaser/ytext';
import { openPostgres } from '../db/postgres';
import { Profiler } from './hub';
import {
	createCollabServer,
	type CollabAccess,
	type CollabServer,
	type CollabServerOptions,
	type CollabUser
} from './server';
import { config } from '$lib/server/kit/config';

const KEY = Symbol.for('spaser.collab.runtime');
/** Time of the projection's reads (COLLAB_PROFILE): it runs on the same event loop as the fan-out. */
const projectionProfile = new Profiler();
type Runtime = {
	db: Database;
	server: CollabServer;
	projection: ProjectionScheduler;
	store: Database | null;
	unfollow: () => void;
};
type Holder = { [KEY]?: Promise<Runtime> };

function readCookie(header: string | undefined, name: string): string | null {
	if (!header) return null;
	for (const part of header.split(';')) {
		const i = part.indexOf('=');
		if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
	}
	return null;
}

export function allowedOrigins(cfg: Pick<typeof config, 'origin' | 'originSet' | 'port'> = config): string[] {
	if (cfg.originSet) return [cfg.origin];
	const port = cfg.port;
	return [`http://localhost:${port}`, `http://127.0.0.1:${port}`, 'http://localhost:5173', 'http://127.0.0.1:5173'];
}

/**
 * Authentication by the session cookie, authorisation by `app.spaser_access()` under the user's own RLS, and the
 * re-check of the session a socket was opened with (a sign-out everywhere or a password reset ends it).
 */
export function sessionAuth(db: Database): Pick<CollabServerOptions, 'authenticate' | 'authorize' | 'sessionAlive'> {
	return {
		async authenticate(req: IncomingMessage): Promise<CollabUser | null> {
			const token = readCookie(req.headers.cookie, SESSION_COOKIE);
			if (!token) return null;
			const result = await validateSessionToken(db, token);
			if (!result) return null;
			return {
				userId: result.user.id,
				name: result.user.displayName,
				color: colorFor(result.user.id),
				sessionId: result.session.id
			};
		},
		async authorize(userId: string, docId: string): Promise<CollabAccess | null> {
			const [row] = await withUser(db, { id: userId }, (tx) =>
				tx.query<{ access: CollabAccess | null }>('select app.spaser_access($1) as access', [docId])
			);
			return row?.access ?? null;
		},
		sessionAlive: (sessionId: string) => sessionAlive(db, sessionId)
	};
}

/** Sessions ended in this process close that user's sockets at once (other instances: within recheckMs). */
export function followSessionEnds(server: CollabServer): () => void {
	return onSessionsEnded((userId) => void server.recheckUser(userId));
}

/**
 * COLLAB_PROFILE=1: SIGUSR2 logs where the collaboration server spent its time since the previous signal (one
 * `collab profile` line; read by `npm run bench -- collab`). Off by default: no handler, no timers.
 */
function dumpProfileOnSignal(server: CollabServer): () => void {
	if (!config.collabProfile) return () => {};
	const dump = () => {
		const profile = server.profile(true);
		const projection = projectionProfile.read(true);
		if (profile) Object.assign(profile.timers, projection.timers);
		log.info('collab profile', { profile });
	};
	process.on('SIGUSR2', dump);
	return () => void process.off('SIGUSR2', dump);
}

export function startCollab(db: Database): Promise<Runtime> {
	const g = globalThis as Holder;
	g[KEY] ??= (async () => {
		const projection = createProjectionScheduler(
			db,
			async (documentId) => {
				const t0 = performance.now();
				const doc = await readLiveDoc(db, documentId);
				projectionProfile.add('projection_read_live_doc_wall', t0);
				const t1 = performance.now();
				await maybeAutoSnapshot(db, documentId, doc).catch((e) =>
					log.error('auto snapshot failed', { documentId, error: String(e) })
				);
				projectionProfile.add('projection_auto_snapshot_wall', t1);
				return doc;
			},
			config.projectionDelayMs
		);
		// With Postgres, the collaboration log has its own small pool (COLLAB_POOL_SIZE, default 3): its inserts,
		// whose commit is what relays an edit to the other instances, never queue behind page requests.
		const store =
			db.kind === 'postgres' && config.databaseUrl
				? openPostgres(config.databaseUrl, {
						max: config.collabPoolSize,
						prepare: config.databasePrepare ? undefined : false
					})
				: null;
		const server = createCollabServer({
			db: store ?? db,
			allowedOrigins: allowedOrigins(),
			...sessionAuth(db),
			onChange: (docId) => projection.schedule(docId),
			log
		});
		setCollabServer(db, server);
		const unprofile = dumpProfileOnSignal(server);
		const unfollow = followSessionEnds(server);
		return { db, server, projection, store, unfollow: () => (unfollow(), unprofile()) };
	})();
	return g[KEY]!;
}

export async function stopCollab() {
	const g = globalThis as Holder;
	const rt = g[KEY];
	g[KEY] = undefined;
	if (!rt) return;
	const { db, server, projection, store, unfollow } = await rt;
	unfollow();
	await server.close();
	await projection.close();
	await store?.close();
	setCollabServer(db, undefined);
}

/** Upgrade handler for server.js and the Vite dev plugin. */
export async function handleCollabUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
	const { server } = await startCollab(await getDb());
	if (!server.handles(req)) {
		socket.destroy();
		return;
	}
	await server.handleUpgrade(req, socket, head);
}
