import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite, types } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { Database, Queryable, Row } from './types';

/** Same parsing on both engines: int8 and numeric as numbers, dates as 'YYYY-MM-DD' strings. */
const parsers = {
	[types.INT8]: (v: string) => Number(v),
	[types.NUMERIC]: (v: string) => Number(v),
	[types.DATE]: (v: string) => v
};

export const pgliteExtensions = { unaccent, btree_gist, pg_trgm };

function wrap(q: { query: PGlite['query']; exec: PGlite['exec'] }): Queryable {
	return {
		async query<T = Row>(text: string, params: readonly unknown[] = []) {
			const res = await q.query<T>(text, params as unknown[]);
			return res.rows;
		},
		async exec(script: string) {
			await q.exec(script);
		}
	};
}

export class DataDirLockedError extends Error {
	constructor(dir: string, pid: number) {
		super(
			`The data folder ${dir} is already open in ${pid === process.pid ? 'this process' : 'process'} ${pid}. ` +
				`PGlite allows only one open database per folder: stop that process (or close the other instance), ` +
				`or set DATA_DIR to another folder (or DATABASE_URL to use PostgreSQL).`
		);
		this.name = 'DataDirLockedError';
	}
}

function pidAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return (e as NodeJS.ErrnoException).code === 'EPERM';
	}
}

// Lock files this process holds (shared across module copies: vitest or Vite may load this file twice).
const HELD = Symbol.for('spaser.pglite.heldLocks');
const held: Set<string> = ((globalThis as { [HELD]?: Set<string> })[HELD] ??= new Set());

/** Takes `<dir>.lock` for this process; refuses when another live process, or this one, already holds it. */
export function lockDataDir(dir: string): () => void {
	const lockPath = resolve(dir) + '.lock';
	if (held.has(lockPath)) throw new DataDirLockedError(resolve(dir), process.pid);
	mkdirSync(dirname(lockPath), { recursive: true });
	for (let attempt = 0; attempt < 2; attempt++) {
		try {
			const fd = openSync(lockPath, 'wx');
			writeSync(fd, String(process.pid));
			closeSync(fd);
			held.add(lockPath);
			let released = false;
			const release = () => {
				if (released) return;
				released = true;
				held.delete(lockPath);
				process.off('exit', release);
				try {
					if (readFileSync(lockPath, 'utf8') === String(process.pid)) rmSync(lockPath);
				} catch {
					/* already gone */
				}
			};
			process.once('exit', release);
			return release;
		} catch (e) {
			if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
			const pid = Number(readFileSync(lockPath, 'utf8').trim());
			if (pid && pid !== process.pid && pidAlive(pid)) throw new DataDirLockedError(resolve(dir), pid);
			rmSync(lockPath, { force: true }); // stale lock of a dead process
		}
	}
	throw new Error(`Could not lock ${lockPath}`);
}

export interface PgliteOptions {
	/** Folder to persist into; undefined = in memory. */
	dataDir?: string;
	/** A dump made by `dumpDataDir()` to start from (tests clone a migrated database this way). */
	loadDataDir?: Blob | File;
}

export async function openPglite(opts: PgliteOptions = {}): Promise<Database & { pg: PGlite }> {
	const release = opts.dataDir ? lockDataDir(opts.dataDir) : () => {};
	let pg: PGlite;
	try {
		if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
		pg = await PGlite.create({
			dataDir: opts.dataDir,
			loadDataDir: opts.loadDataDir,
			extensions: pgliteExtensions,
			parsers
		});
	} catch (e) {
		release();
		throw e;
	}
	const base = wrap(pg);
	return {
		kind: 'pglite',
		pg,
		...base,
		transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
		async close() {
			try {
				await pg.close();
			} finally {
				release();
			}
		}
	};
}
