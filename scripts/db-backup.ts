// `npm run db:backup -- [file]` and `npm run db:restore -- <file> [--force]`: a backup of DATABASE_URL (pg_dump)
// or of the embedded database in DATA_DIR (PGlite dump; stop the app first), and its restore. See
// src/lib/server/db/backup.ts and docs/deployment.md.
import { resolve } from 'node:path';
import { dbConfigFromEnv } from '../src/lib/server/db';
import { backupDatabase, restoreDatabase, type BackupTarget } from '../src/lib/server/db/backup';
import { DataDirLockedError } from '../src/lib/server/db/pglite';

const log = (level: string, msg: string, extra: Record<string, unknown> = {}) =>
	console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, ...extra }));

const [mode, ...args] = process.argv.slice(2);
const cfg = dbConfigFromEnv();
const target: BackupTarget = cfg.databaseUrl ? { databaseUrl: cfg.databaseUrl } : { dataDir: cfg.dataDir };
const where = cfg.databaseUrl ? 'DATABASE_URL' : `PGlite (${cfg.dataDir})`;
const positional = args.filter((a) => !a.startsWith('--'));

try {
	if (mode === 'backup') {
		const stamp = new Date().toISOString().replace(/[:.]/g, '-');
		const file = resolve(positional[0] ?? `spaser-backup-${stamp}.${cfg.databaseUrl ? 'dump' : 'tar.gz'}`);
		const r = await backupDatabase(target, file);
		log('info', `backup of ${where} written`, { file: r.file, bytes: r.bytes, engine: r.engine });
	} else if (mode === 'restore') {
		if (!positional[0]) throw new Error('usage: npm run db:restore -- <backup file> [--force]');
		const r = await restoreDatabase(target, resolve(positional[0]), { force: args.includes('--force') });
		log('info', `restored into ${where}`, { migrationsApplied: r.migrated.length, movedAside: r.movedAside });
	} else {
		throw new Error('usage: db-backup.ts backup [file] | restore <file> [--force]');
	}
} catch (e) {
	const msg =
		e instanceof DataDirLockedError
			? `${where} is in use: stop the app (it holds the embedded database) and run this again`
			: String((e as Error)?.message ?? e);
	log('error', msg);
	process.exitCode = 1;
}
