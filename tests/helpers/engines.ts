import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { migrate } from '../../src/lib/server/db/migrate';
import { openPglite } from '../../src/lib/server/db/pglite';
import { openPostgres } from '../../src/lib/server/db/postgres';
import { createDatabase } from '../../scripts/lib/pg-temp.js';

export type EngineKind = 'pglite' | 'postgres';

/** The engines this run covers (both unless TEST_ENGINES narrows it for a quick local run). */
export const engines: EngineKind[] = (inject('engines') || 'pglite,postgres')
	.split(',')
	.map((s) => s.trim())
	.filter((s): s is EngineKind => s === 'pglite' || s === 'postgres');

let counter = 0;

/** A fresh, migrated database of that engine, private to the caller. */
export async function openTestDb(kind: EngineKind): Promise<Database> {
	if (kind === 'pglite') {
		const blob = new Blob([readFileSync(inject('pgliteSnapshot'))]);
		return openPglite({ loadDataDir: blob });
	}
	const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
	const url = await createDatabase(inject('pgUrl'), name);
	const db = openPostgres(url, { max: 8 });
	await migrate(db);
	return db;
}
