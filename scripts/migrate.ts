// `npm run db:migrate`: applies the pending supabase/migrations to DATABASE_URL (or the embedded PGlite database
// in DATA_DIR, default ./.data), then exits. The app also does this at start-up; this script lets a deployment
// migrate before it starts new instances.
import { dbConfigFromEnv, openDatabase } from '../src/lib/server/db';
import { migrate, readMigrations } from '../src/lib/server/db/migrate';

const cfg = dbConfigFromEnv();
const target = cfg.databaseUrl ? 'DATABASE_URL' : `PGlite (${cfg.dataDir})`;
const db = await openDatabase(cfg);
try {
	const log = (msg: string) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg }));
	log(`migrating ${target}: ${readMigrations().length} migration file(s)`);
	const applied = await migrate(db, { log });
	log(applied.length ? `${applied.length} migration(s) applied` : 'database already up to date');
} catch (e) {
	console.error(
		JSON.stringify({
			time: new Date().toISOString(),
			level: 'error',
			msg: 'migration failed',
			error: String((e as Error)?.stack ?? e)
		})
	);
	process.exitCode = 1;
} finally {
	await db.close();
}
