// Backups of either engine, used by `npm run db:backup` / `npm run db:restore` (scripts/db-backup.ts).
//
// - PostgreSQL (DATABASE_URL): `pg_dump --format=custom` (schema, grants, row-level-security policies and data of
//   the database; roles are cluster-wide and come from the target: Supabase or our migrations' `create role`),
//   restored with `pg_restore --clean --if-exists --no-owner` into the target database. The client tools must
//   be of the server's major version or newer (PG_BIN, else /usr/lib/postgresql/<n>/bin, else PATH).
// - Embedded PGlite (DATA_DIR): the data folder as PGlite's own `dumpDataDir()` tarball (gzip), restored by
//   opening a new data folder from it. The folder is locked while the app runs: stop it first (the script says so).
//
// Either way the restored database is then migrated (a backup may predate the latest migration files).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { openPostgres } from './postgres';
import { config } from '../kit/config';

const run = promisify(execFile);

/** Where pg_dump / pg_restore are: PG_BIN, the newest Debian cluster tools, or PATH. */
export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
	const dirs = [config.pgBin, '/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
	for (const d of dirs) if (d && existsSync(join(d, name))) return join(d, name);
	return name;
}

export type BackupTarget = { databaseUrl: string } | { dataDir: string };

export interface BackupResult {
	file: string;
	bytes: number;
	engine: 'postgres' | 'pglite';
}

/** Writes a backup of the target to `file`. */
export async function backupDatabase(target: BackupTarget, file: string): Promise<BackupResult> {
	if ('databaseUrl' in target) {
		await run(pgTool('pg_dump'), ['--format=custom', '--no-owner', `--file=${file}`, '--dbname', target.databaseUrl], {
			maxBuffer: 64 * 1024 * 1024
		});
		return { file, bytes: readFileSync(file).byteLength, engine: 'postgres' };
	}
	if (!existsSync(target.dataDir)) throw new Error(`No embedded database in ${target.dataDir}.`);
	const db = await openPglite({ dataDir: target.dataDir });
	try {
		const dump = await db.pg.dumpDataDir('gzip');
		const bytes = new Uint8Array(await dump.arrayBuffer());
		writeFileSync(file, bytes);
		return { file, bytes: bytes.byteLength, engine: 'pglite' };
	} finally {
		await db.close();
	}
}

export interface RestoreOptions {
	/** PGlite: an existing, non-empty data folder is moved aside to `<dir>.before-restore-<time>` instead of refused. */
	force?: boolean;
}

/** Restores `file` into the target, then applies pending migrations. Returns the migrations applied. */
export async function restoreDatabase(
	target: BackupTarget,
	file: string,
	opts: RestoreOptions = {}
): Promise<{ migrated: string[]; movedAside?: string }> {
	if (!existsSync(file)) throw new Error(`Backup file not found: ${file}`);
	if ('databaseUrl' in target) {
		// --single-transaction: a failed restore leaves the target as it was.
		await run(
			pgTool('pg_restore'),
			[
				'--clean',
				'--if-exists',
				'--no-owner',
				'--single-transaction',
				'--exit-on-error',
				'--dbname',
				target.databaseUrl,
				file
			],
			{
				maxBuffer: 64 * 1024 * 1024
			}
		);
		const db = openPostgres(target.databaseUrl, { max: 1 });
		try {
			return { migrated: await migrate(db) };
		} finally {
			await db.close();
		}
	}
	let movedAside: string | undefined;
	if (existsSync(target.dataDir) && readdirSync(target.dataDir).length > 0) {
		if (!opts.force)
			throw new Error(
				`${target.dataDir} already holds a database: restore into an empty folder, or pass --force to move it aside.`
			);
		movedAside = `${target.dataDir}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
		renameSync(target.dataDir, movedAside);
	}
	const db = await openPglite({ dataDir: target.dataDir, loadDataDir: new Blob([readFileSync(file)]) });
	try {
		return { migrated: await migrate(db), movedAside };
	} finally {
		await db.close();
	}
}
