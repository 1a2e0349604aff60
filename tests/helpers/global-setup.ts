import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/lib/server/db/migrate';
import { openPostgres } from '../../src/lib/server/db/postgres';
import { openPglite } from '../../src/lib/server/db/pglite';
import { startTempPostgres } from '../../scripts/lib/pg-temp.js';

declare module 'vitest' {
	export interface ProvidedContext {
		pgUrl: string;
		pgliteSnapshot: string;
		engines: string;
	}
}

/**
 * Once per `vitest run`: a real PostgreSQL 15 (TEST_DATABASE_URL, or a throwaway cluster started from the
 * installed binaries) and a migrated PGlite snapshot that each test file clones.
 */
export default async function setup(project: TestProject) {
	const engines = process.env.TEST_ENGINES || 'pglite,postgres';
	const dir = mkdtempSync(join(tmpdir(), 'spaser-test-'));
	const lite = await openPglite();
	await migrate(lite);
	const dump = await lite.pg.dumpDataDir('none');
	await lite.close();
	const snapshot = join(dir, 'pglite-migrated.tar');
	writeFileSync(snapshot, Buffer.from(await dump.arrayBuffer()));

	let stop: (() => Promise<void>) | null = null;
	let pgUrl = process.env.TEST_DATABASE_URL ?? '';
	if (!pgUrl && engines.includes('postgres')) {
		const pg = await startTempPostgres();
		pgUrl = pg.url;
		stop = pg.stop;
		// Migrate the throwaway cluster's own database once: this creates the cluster-wide API roles before the
		// test files migrate their databases in parallel.
		const admin = openPostgres(pgUrl, { max: 1 });
		await migrate(admin);
		await admin.close();
	}
	project.provide('pgUrl', pgUrl);
	project.provide('pgliteSnapshot', snapshot);
	project.provide('engines', engines);
	return async () => {
		await stop?.();
		rmSync(dir, { recursive: true, force: true });
	};
}
