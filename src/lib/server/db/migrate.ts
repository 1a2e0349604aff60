import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from './types';
import { config } from '../kit/config';

export const MIGRATIONS_DIR = resolve(config.migrationsDir);

export interface Migration {
	version: string;
	name: string;
	sql: string;
	checksum: string;
}

const FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
	return readdirSync(dir)
		.filter((f) => FILE.test(f))
		.sort()
		.map((f) => {
			const [, version, name] = FILE.exec(f)!;
			const sql = readFileSync(join(dir, f), 'utf8');
			return { version, name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
		});
}

// Arbitrary constant: every instance takes the same advisory lock while it migrates.
const LOCK_KEY = 720_461_913;

/**
 * Applies pending migrations in order, each in its own transaction, recorded in `spaser_migrations`.
 * On PostgreSQL a transaction-scoped advisory lock serialises instances that start together: the second one
 * waits, then sees the version recorded and skips it.
 */
export async function migrate(db: Database, opts: { dir?: string; log?: (msg: string) => void } = {}) {
	const log = opts.log ?? (() => {});
	// Under the lock too: two concurrent `create table if not exists` can both try to create it (pg_type race).
	await db.transaction(async (tx) => {
		if (db.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
		await tx.exec(`
			create table if not exists public.spaser_migrations (
				version text primary key,
				name text not null,
				checksum text not null,
				applied_at timestamptz not null default now()
			);
			alter table public.spaser_migrations enable row level security;
		`);
	});
	const applied: string[] = [];
	for (const m of readMigrations(opts.dir)) {
		const done = await db.transaction(async (tx) => {
			if (db.kind === 'postgres') await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
			const [row] = await tx.query<{ checksum: string }>(
				'select checksum from public.spaser_migrations where version = $1',
				[m.version]
			);
			if (row) {
				if (row.checksum !== m.checksum) log(`migration ${m.version}_${m.name} changed after it was applied`);
				return false;
			}
			// Applied by the Supabase CLI (`supabase db reset` / `db push`): record it, do not run it twice.
			const [cli] = await tx.query<{ applied: boolean }>(
				`select to_regclass('supabase_migrations.schema_migrations') is not null as applied`
			);
			if (cli.applied) {
				const [found] = await tx.query('select 1 from supabase_migrations.schema_migrations where version = $1', [
					m.version
				]);
				if (found) {
					await tx.query('insert into public.spaser_migrations (version, name, checksum) values ($1, $2, $3)', [
						m.version,
						m.name,
						m.checksum
					]);
					log(`migration ${m.version}_${m.name} was applied by the Supabase CLI`);
					return false;
				}
			}
			await tx.exec(m.sql);
			await tx.query('insert into public.spaser_migrations (version, name, checksum) values ($1, $2, $3)', [
				m.version,
				m.name,
				m.checksum
			]);
			return true;
		});
		if (done) {
			applied.push(m.version);
			log(`applied migration ${m.version}_${m.name}`);
		}
	}
	return applied;
}
