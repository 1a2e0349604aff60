// `npm run db:backup` / `npm run db:restore` on both engines, through the real scripts: a database with
// accounts, a collectivité, a SPASER and its collaboration log is backed up, restored into a fresh database, and
// the restored one passes a smoke test (migrations recorded, same rows, login works, row-level security still
// applies, the document's content loads).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as Y from 'yjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/lib/pg-temp.js';
import { login } from '../../src/lib/server/auth/service';
import { appendUpdates, loadDoc } from '../../src/lib/server/collab/persistence';
import { asService, type Database } from '../../src/lib/server/db';
import { migrate, readMigrations } from '../../src/lib/server/db/migrate';
import { openPglite } from '../../src/lib/server/db/pglite';
import { openPostgres } from '../../src/lib/server/db/postgres';
import { listMyOrganisations } from '../../src/lib/server/organisations/service';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { engines } from '../helpers/engines';
import { createOrg, createUser, DEFAULT_PASSWORD } from '../helpers/factories';

const run = promisify(execFile);
const script = (args: string[], env: Record<string, string>) =>
	run(process.execPath, ['--import', 'tsx', 'scripts/db-backup.ts', ...args], {
		env: { ...process.env, ...env },
		maxBuffer: 16 * 1024 * 1024
	});

/** Row counts of every table of the public schema, as the owner sees them. */
async function counts(db: Database): Promise<Record<string, number>> {
	const tables = await db.query<{ t: string }>(
		`select tablename as t from pg_tables where schemaname = 'public' order by 1`
	);
	const out: Record<string, number> = {};
	for (const { t } of tables)
		out[t] = (await db.query<{ n: number }>(`select count(*)::int as n from public.${t}`))[0].n;
	return out;
}

describe.each(engines)('backup and restore (%s)', (kind) => {
	const dirs: string[] = [];
	afterAll(() => {
		for (const d of dirs) rmSync(d, { recursive: true, force: true });
	});

	it('restores into a fresh database that passes a smoke test', { timeout: 120_000 }, async () => {
		const dir = mkdtempSync(join(tmpdir(), 'spaser-backup-'));
		dirs.push(dir);
		// The source database, as the app leaves it.
		let source: Database;
		let env: Record<string, string>;
		let targetEnv: Record<string, string>;
		let openTarget: () => Promise<Database>;
		if (kind === 'postgres') {
			const url = await createDatabase(inject('pgUrl'), `t_backup_src_${process.pid}_${Date.now().toString(36)}`);
			const targetUrl = await createDatabase(inject('pgUrl'), `t_backup_dst_${process.pid}_${Date.now().toString(36)}`);
			source = openPostgres(url, { max: 2 });
			env = { DATABASE_URL: url };
			targetEnv = { DATABASE_URL: targetUrl };
			openTarget = async () => openPostgres(targetUrl, { max: 2 });
		} else {
			const dataDir = join(dir, 'data');
			source = await openPglite({ dataDir, loadDataDir: new Blob([readFileSync(inject('pgliteSnapshot'))]) });
			env = { DATABASE_URL: '', DATA_DIR: dataDir };
			targetEnv = { DATABASE_URL: '', DATA_DIR: join(dir, 'restored') };
			openTarget = () => openPglite({ dataDir: join(dir, 'restored') });
		}
		await migrate(source);
		const alice = await createUser(source, { displayName: 'Alice Achats' });
		const bruno = await createUser(source, { displayName: 'Bruno Autre' });
		const org = await createOrg(source, alice, 'Communauté de communes du Haut-Vallon');
		const spaser = await createSpaserRecord(source, alice, {
			orgIds: [org.id],
			leadOrgId: org.id,
			title: 'SPASER 2026-2029',
			periodStart: 2026,
			periodEnd: 2029
		});
		const ydoc = new Y.Doc();
		ydoc.getText('t').insert(0, 'Axe 1 — commande publique responsable');
		await appendUpdates(source, spaser.id, [{ seq: 1, update: Y.encodeStateAsUpdate(ydoc), userId: alice.id }]);
		const before = await counts(source);
		await source.close();

		// Backup through the script; for PGlite, refused while the folder is in use.
		const file = join(dir, kind === 'postgres' ? 'backup.dump' : 'backup.tar.gz');
		if (kind === 'pglite') {
			const busy = await openPglite({ dataDir: env.DATA_DIR });
			const refused = await script(['backup', file], env).then(
				() => null,
				(e: { stdout: string }) => e.stdout
			);
			await busy.close();
			expect(refused).toMatch(/is in use: stop the app/);
		}
		const backup = await script(['backup', file], env);
		expect(JSON.parse(backup.stdout.trim().split('\n').at(-1)!)).toMatchObject({ level: 'info', file, engine: kind });

		// Restore into a fresh database; for PGlite, a non-empty folder is refused without --force.
		const restore = await script(['restore', file], targetEnv);
		expect(restore.stdout).toMatch(/restored into/);
		if (kind === 'pglite') {
			const again = await script(['restore', file], targetEnv).then(
				() => null,
				(e: { stdout: string }) => e.stdout
			);
			expect(again).toMatch(/already holds a database/);
		}

		// Smoke test of the restored database.
		const restored = await openTarget();
		try {
			const recorded = await restored.query<{ name: string }>(
				'select name from public.spaser_migrations order by name'
			);
			expect(recorded.map((r) => r.name).sort()).toEqual(
				readMigrations()
					.map((m) => m.name)
					.sort()
			);
			expect(await counts(restored)).toEqual(before);
			const session = await login(restored, alice.email, DEFAULT_PASSWORD, { ip: '203.0.113.7', userAgent: 'test' });
			expect(session).toBeTruthy();
			// Row-level security still applies: Alice sees her collectivité, Bruno does not.
			expect((await listMyOrganisations(restored, alice)).map((o) => o.id)).toEqual([org.id]);
			expect(await listMyOrganisations(restored, bruno)).toEqual([]);
			const grants = await asService(restored, 'backup smoke test', (tx) =>
				tx.query<{ n: number }>(`select count(*)::int as n from pg_policies where schemaname = 'public'`)
			);
			expect(grants[0].n).toBeGreaterThan(20);
			const stored = await loadDoc(restored, spaser.id);
			const check = new Y.Doc();
			for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(check, u);
			expect(check.getText('t').toString()).toBe('Axe 1 — commande publique responsable');
		} finally {
			await restored.close();
		}
	});
});
