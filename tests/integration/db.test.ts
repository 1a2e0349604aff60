import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asService, elevated, withUser, type Database } from '../../src/lib/server/db';
import { migrate, readMigrations } from '../../src/lib/server/db/migrate';
import { DataDirLockedError, openPglite } from '../../src/lib/server/db/pglite';
import { openPostgres } from '../../src/lib/server/db/postgres';
import { createDatabase } from '../../scripts/lib/pg-temp.js';
import { engines, openTestDb } from '../helpers/engines';
import { createUser, type TestUser } from '../helpers/factories';

describe.each(engines)('database layer on %s', (engine) => {
	let db: Database;
	let alice: TestUser;
	let admin: TestUser;

	beforeAll(async () => {
		db = await openTestDb(engine);
		alice = await createUser(db, { email: `alice-${engine}@example.test` });
		admin = await createUser(db, { platformAdmin: true });
	});
	afterAll(async () => {
		await db?.close();
	});

	describe('migrations', () => {
		it('records every migration file with its checksum', async () => {
			const files = readMigrations();
			expect(files.length).toBeGreaterThan(0);
			const rows = await db.query<{ version: string; name: string; checksum: string; applied_at: Date }>(
				'select version, name, checksum, applied_at from public.spaser_migrations order by version'
			);
			expect(rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
				files.map((f) => [f.version, f.name, f.checksum])
			);
			for (const r of rows) expect(r.applied_at).toBeInstanceOf(Date);
		});

		it('is idempotent: a second run applies nothing and changes nothing', async () => {
			const before = await db.query('select version, applied_at from public.spaser_migrations order by version');
			const logs: string[] = [];
			expect(await migrate(db, { log: (m) => logs.push(m) })).toEqual([]);
			expect(logs).toEqual([]);
			expect(await db.query('select version, applied_at from public.spaser_migrations order by version')).toEqual(
				before
			);
		});

		it('the migration table is closed to the API roles', async () => {
			await expect(withUser(db, alice, (tx) => tx.query('select * from public.spaser_migrations'))).rejects.toThrow(
				/permission denied/
			);
			await expect(withUser(db, null, (tx) => tx.query('select * from public.spaser_migrations'))).rejects.toThrow(
				/permission denied/
			);
		});
	});

	describe('roles and row-level security', () => {
		it('withUser runs as authenticated with the actor in auth.uid() and the claims', async () => {
			const r = await withUser(db, alice, async (tx) => {
				const [row] = await tx.query<{ who: string; uid: string; email: string; role: string }>(
					`select current_user as who, auth.uid()::text as uid,
					        current_setting('request.jwt.claims', true)::jsonb ->> 'email' as email,
					        current_setting('request.jwt.claims', true)::jsonb ->> 'role' as role`
				);
				return row;
			});
			expect(r).toEqual({ who: 'authenticated', uid: alice.id, email: alice.email, role: 'authenticated' });
		});

		it('withUser(null) runs as anon with no uid', async () => {
			const [r] = await withUser(db, null, (tx) =>
				tx.query<{ who: string; uid: string | null }>('select current_user as who, auth.uid() as uid')
			);
			expect(r).toEqual({ who: 'anon', uid: null });
		});

		it('after the transaction the role and the claims are back to normal', async () => {
			await withUser(db, alice, (tx) => tx.query('select 1'));
			await expect(
				withUser(db, alice, async (tx) => {
					await tx.query('select 1');
					throw new Error('boom');
				})
			).rejects.toThrow('boom');
			// Several queries so that every pooled connection (postgres.js) is likely checked.
			const rows = await Promise.all(
				Array.from({ length: 8 }, () =>
					db.query<{ who: string; uid: string | null }>(`select current_user as who, auth.uid() as uid`)
				)
			);
			for (const r of rows) expect(r[0]).toEqual({ who: 'postgres', uid: null });
		});

		it('RLS hides what the user may not see; asService sees everything', async () => {
			await asService(db, 'test: seed outbox', (tx) =>
				tx.query(
					`insert into public.email_outbox (to_address, subject, text_body) values ('x@example.test', 'Objet', 'Corps')`
				)
			);
			const [asAlice] = await withUser(db, alice, (tx) =>
				tx.query<{ n: number }>('select count(*)::int as n from public.email_outbox')
			);
			expect(asAlice.n).toBe(0);
			const [asAdmin] = await withUser(db, admin, (tx) =>
				tx.query<{ n: number }>('select count(*)::int as n from public.email_outbox')
			);
			expect(asAdmin.n).toBeGreaterThan(0);
			const [svc] = await asService(db, 'test: count', (tx) =>
				tx.query<{ n: number; who: string }>('select count(*)::int as n, current_user as who from public.email_outbox')
			);
			expect(svc.who).toBe('service_role');
			expect(svc.n).toBe(asAdmin.n);
		});

		it('tables without a policy are closed to users and open to the service role', async () => {
			await expect(
				withUser(db, alice, (tx) => tx.query('select password_hash from public.user_credentials'))
			).rejects.toThrow(/permission denied/);
			const rows = await asService(db, 'test: credentials', (tx) =>
				tx.query<{ password_hash: string }>('select password_hash from public.user_credentials where user_id = $1', [
					alice.id
				])
			);
			expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
		});

		it('a spoofed insert is refused by RLS', async () => {
			await expect(
				withUser(db, alice, (tx) =>
					tx.query(`insert into public.networks (name, slug) values ('Réseau pirate', 'reseau-pirate')`)
				)
			).rejects.toThrow(/row-level security/);
		});

		it('elevated switches to the service role inside withUser and back', async () => {
			const seen = await withUser(db, alice, async (tx) => {
				const inside = await elevated(
					tx,
					async (t) => (await t.query<{ who: string }>('select current_user as who'))[0].who
				);
				const [after] = await tx.query<{ who: string; uid: string }>(
					'select current_user as who, auth.uid()::text as uid'
				);
				return { inside, after };
			});
			expect(seen).toEqual({ inside: 'service_role', after: { who: 'authenticated', uid: alice.id } });
		});

		it('a failed transaction rolls everything back', async () => {
			await expect(
				asService(db, 'test: rollback', async (tx) => {
					await tx.query(
						`insert into public.email_outbox (to_address, subject, text_body) values ('rollback@example.test', 'A', 'B')`
					);
					await tx.query('select 1/0');
				})
			).rejects.toThrow(/division by zero/);
			const rows = await asService(db, 'test', (tx) =>
				tx.query(`select 1 from public.email_outbox where to_address = 'rollback@example.test'`)
			);
			expect(rows).toEqual([]);
		});
	});

	describe('result and parameter types (same shapes on both engines)', () => {
		it('parses int8/numeric as numbers, date as a string, timestamptz as Date, bytea as bytes', async () => {
			const [r] = await db.query<Record<string, unknown>>(
				`select 9007199254740991::int8 as big, count(*) as cnt, 1234.5::numeric(16,2) as amount, 42::int4 as i4,
				        '2026-11-21'::date as day, '2026-11-21T10:20:30Z'::timestamptz as ts, '\\x01ff02'::bytea as bytes,
				        true as flag, array['a','b']::text[] as arr, '{"a":[1,2]}'::jsonb as doc, null::text as nothing,
				        '3d2c1b4a-0000-4000-8000-000000000001'::uuid as id
				   from (values (1), (2)) v(x)`
			);
			expect(r.big).toBe(9007199254740991);
			expect(r.cnt).toBe(2);
			expect(r.amount).toBe(1234.5);
			expect(r.i4).toBe(42);
			expect(r.day).toBe('2026-11-21');
			expect(r.ts).toBeInstanceOf(Date);
			expect((r.ts as Date).toISOString()).toBe('2026-11-21T10:20:30.000Z');
			expect(r.bytes).toBeInstanceOf(Uint8Array);
			expect(Array.from(r.bytes as Uint8Array)).toEqual([1, 255, 2]);
			expect(r.flag).toBe(true);
			expect(r.arr).toEqual(['a', 'b']);
			expect(r.doc).toEqual({ a: [1, 2] });
			expect(r.nothing).toBeNull();
			expect(r.id).toBe('3d2c1b4a-0000-4000-8000-000000000001');
		});

		it('accepts numbers, dates, byte arrays and string arrays as parameters', async () => {
			const when = new Date('2026-01-02T03:04:05.678Z');
			const [r] = await db.query<Record<string, unknown>>(
				`select $1::numeric + 1 as n, $2::timestamptz as ts, octet_length($3::bytea) as len, $3::bytea as b,
				        cardinality($4::text[]) as card, $5::date as d, $6::int8 * 2 as big`,
				[41.5, when, new Uint8Array([0, 1, 2, 3]), ['x', 'y', 'z'], '2026-02-28', 2 ** 40]
			);
			expect(r.n).toBe(42.5);
			expect((r.ts as Date).getTime()).toBe(when.getTime());
			expect(r.len).toBe(4);
			expect(Array.from(r.b as Uint8Array)).toEqual([0, 1, 2, 3]);
			expect(r.card).toBe(3);
			expect(r.d).toBe('2026-02-28');
			expect(r.big).toBe(2 ** 41);
		});

		it('exec runs a multi-statement script', async () => {
			await db.exec(`create temporary table tmp_exec (x int); insert into tmp_exec values (1), (2);`);
			// Temporary tables live on one connection: read it back inside a transaction on postgres.js.
			const n = await db.transaction(
				async (tx) =>
					(await tx.query<{ n: number }>('select count(*)::int as n from pg_class where relname = $1', ['tmp_exec']))[0]
						.n
			);
			expect(n).toBeGreaterThanOrEqual(engine === 'pglite' ? 1 : 0);
		});
	});
});

// The advisory lock exists on PostgreSQL only (PGlite is one connection in one process).
if (engines.includes('postgres'))
	describe('concurrent migrations on PostgreSQL', () => {
		it('two instances migrating a fresh database at once both succeed and apply each migration once', async () => {
			const url = await createDatabase(inject('pgUrl'), `t_conc_${process.pid}_${Date.now().toString(36)}`);
			const a = openPostgres(url, { max: 2 });
			const b = openPostgres(url, { max: 2 });
			try {
				const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
				const all = readMigrations().map((m) => m.version);
				expect([...ra, ...rb].sort()).toEqual(all);
				const rows = await a.query<{ version: string }>(
					'select version from public.spaser_migrations order by version'
				);
				expect(rows.map((r) => r.version)).toEqual(all);
				expect(await migrate(b)).toEqual([]);
			} finally {
				await a.close();
				await b.close();
			}
		});
	});

describe('PGlite data folder lock', () => {
	const root = mkdtempSync(join(tmpdir(), 'spaser-lock-'));
	const children: ChildProcess[] = [];

	function sleeper(): Promise<ChildProcess> {
		const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
		children.push(child);
		return new Promise((resolve, reject) => {
			child.once('spawn', () => resolve(child));
			child.once('error', reject);
		});
	}

	function exited(child: ChildProcess): Promise<void> {
		return new Promise((resolve) =>
			child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())
		);
	}

	afterAll(async () => {
		for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
		rmSync(root, { recursive: true, force: true });
	});

	it('refuses a folder held by another live process, with a clear message', async () => {
		const dir = join(root, 'held');
		const holder = await sleeper();
		writeFileSync(dir + '.lock', String(holder.pid));
		const err = await openPglite({ dataDir: dir }).then(
			(db) => db.close().then(() => null),
			(e: unknown) => e
		);
		expect(err).toBeInstanceOf(DataDirLockedError);
		expect((err as Error).message).toContain(dir);
		expect((err as Error).message).toContain(String(holder.pid));
		expect((err as Error).message).toMatch(/DATA_DIR/);
		// The other process's lock is left alone.
		expect(readFileSync(dir + '.lock', 'utf8')).toBe(String(holder.pid));
		holder.kill('SIGKILL');
		await exited(holder);
	});

	it('takes over a stale lock (dead process), refuses a second open in the same process, releases on close', async () => {
		const dir = join(root, 'stale');
		const dead = await sleeper();
		dead.kill('SIGKILL');
		await exited(dead);
		writeFileSync(dir + '.lock', String(dead.pid));

		const first = await openPglite({ dataDir: dir });
		try {
			expect(readFileSync(dir + '.lock', 'utf8')).toBe(String(process.pid));
			await first.query('create table t (x int)');
			await expect(openPglite({ dataDir: dir })).rejects.toBeInstanceOf(DataDirLockedError);
			// The first instance still owns the folder and works.
			expect(readFileSync(dir + '.lock', 'utf8')).toBe(String(process.pid));
			expect(await first.query('select count(*)::int as n from t')).toEqual([{ n: 0 }]);
		} finally {
			await first.close();
		}
		expect(existsSync(dir + '.lock')).toBe(false);

		const again = await openPglite({ dataDir: dir });
		try {
			expect(await again.query<{ n: number }>('select count(*)::int as n from t')).toEqual([{ n: 0 }]);
		} finally {
			await again.close();
		}
	});
});

describe.each(engines)('migrations applied by the Supabase CLI (%s)', (kind) => {
	it('are recorded, not run a second time', async () => {
		const db = await openTestDb(kind);
		try {
			// Simulate `supabase db reset`: the CLI's own record of the versions, and no row in ours.
			await db.exec(`create schema if not exists supabase_migrations;
				create table if not exists supabase_migrations.schema_migrations (version text primary key, name text);`);
			const versions = await db.query<{ version: string; name: string }>(
				'select version, name from public.spaser_migrations'
			);
			for (const v of versions)
				await db.query('insert into supabase_migrations.schema_migrations values ($1, $2)', [v.version, v.name]);
			await db.exec('delete from public.spaser_migrations');
			expect(await migrate(db)).toEqual([]);
			const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from public.spaser_migrations');
			expect(n).toBe(versions.length);
		} finally {
			await db.close();
		}
	});
});
