import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from './db';
import { log } from './log';

/** Loads supabase/seed.sql (clearly fictional demo network); idempotent. */
export async function loadDemoData(db: Database) {
	const sql = readFileSync(resolve(process.env.SEED_FILE ?? 'supabase/seed.sql'), 'utf8');
	await db.transaction((tx) => tx.exec(sql));
	log.info('demo data loaded');
}
