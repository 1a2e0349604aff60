// `npm run db:seed-demo`: migrates, then loads the fictional demo data (supabase/seed.sql) into DATABASE_URL or
// the embedded PGlite database in DATA_DIR. Idempotent: rows that already exist are left unchanged.
import { dbConfigFromEnv, openDatabase } from '../src/lib/server/db';
import { migrate } from '../src/lib/server/db/migrate';
import { loadDemoData } from '../src/lib/server/demo';

const cfg = dbConfigFromEnv();
const db = await openDatabase(cfg);
try {
	await migrate(db, {
		log: (msg) => console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg }))
	});
	await loadDemoData(db);
	console.log(
		`Données de démonstration chargées (${cfg.databaseUrl ? 'DATABASE_URL' : cfg.dataDir}). Mot de passe des comptes : Demo-Spaser-2026!`
	);
} catch (e) {
	console.error(
		JSON.stringify({
			time: new Date().toISOString(),
			level: 'error',
			msg: 'demo data failed',
			error: String((e as Error)?.stack ?? e)
		})
	);
	process.exitCode = 1;
} finally {
	await db.close();
}
