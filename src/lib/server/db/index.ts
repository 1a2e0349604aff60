import { resolve } from 'node:path';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';
import type { Database } from './types';
import { log } from '$lib/server/kit/log';
import { config, type Config } from '$lib/server/kit/config';

export type { Actor, Database, Queryable, Tx } from './types';
export { withUser, asService, elevated, serviceStatement } from './rls';

export interface DbConfig {
	databaseUrl?: string;
	dataDir: string;
	poolSize?: number;
	prepare?: boolean;
}

export function dbConfigFromEnv(cfg: Config = config): DbConfig {
	return {
		databaseUrl: cfg.databaseUrl,
		dataDir: resolve(cfg.dataDir),
		poolSize: cfg.databasePoolSize,
		prepare: cfg.databasePrepare
	};
}

/** DATABASE_URL set → postgres.js pool; unset → embedded PGlite persisted in DATA_DIR. */
export async function openDatabase(cfg: DbConfig = dbConfigFromEnv()): Promise<Database> {
	if (cfg.databaseUrl) return openPostgres(cfg.databaseUrl, { max: cfg.poolSize, prepare: cfg.prepare });
	return openPglite({ dataDir: cfg.dataDir });
}

// One database per process, shared by the app, the collaboration server and workers.
const KEY = Symbol.for('spaser.db');
type Holder = { [KEY]?: Promise<Database> };

export function getDb(): Promise<Database> {
	const g = globalThis as Holder;
	g[KEY] ??= (async () => {
		const db = await openDatabase();
		await migrate(db, { log: (msg) => log.info(msg) });
		return db;
	})();
	return g[KEY]!;
}

export async function closeDb() {
	const g = globalThis as Holder;
	const p = g[KEY];
	g[KEY] = undefined;
	if (p) await (await p).close();
}
