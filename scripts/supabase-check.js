#!/usr/bin/env node
// The Supabase side, proven with Supabase's own tool on a throwaway PostgreSQL 15 (no Docker needed):
//   1. `supabase db push --db-url …` applies supabase/migrations as a Supabase project would;
//   2. `supabase db lint --db-url … --fail-on warning` checks every PL/pgSQL function (plpgsql_check);
//   3. `pg_prove supabase/tests/database/*.test.sql` runs the pgTAP tests (what `supabase test db` runs in Docker).
// Each step fails the run when it fails. Needs the Debian packages postgresql-15, postgresql-15-pgtap,
// postgresql-15-plpgsql-check and libtap-parser-sourcehandler-pgtap-perl (pg_prove); .ci/run installs them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPgBin, startTempPostgres } from './lib/pg-temp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = findPgBin();
const sharedir = bin ? spawnSync(join(bin, 'pg_config'), ['--sharedir'], { encoding: 'utf8' }).stdout?.trim() : '';
const pgConfigShare = sharedir || '/usr/share/postgresql/15';
const missing = [];
if (!bin) missing.push('postgresql-15');
if (!existsSync(join(pgConfigShare, 'extension', 'pgtap.control'))) missing.push('postgresql-15-pgtap');
if (!existsSync(join(pgConfigShare, 'extension', 'plpgsql_check.control'))) missing.push('postgresql-15-plpgsql-check');
if (spawnSync('pg_prove', ['--version']).status !== 0) missing.push('libtap-parser-sourcehandler-pgtap-perl');
if (missing.length) {
	console.error(
		`✗ Paquets manquants pour les tests de la base / missing packages for the database checks: ${missing.join(', ')}\n` +
			`  apt-get install -y ${missing.join(' ')}   (bash .ci/run installs them)`
	);
	process.exit(1);
}

const tests = readdirSync(join(root, 'supabase/tests/database'))
	.filter((f) => f.endsWith('.test.sql'))
	.sort()
	.map((f) => join('supabase/tests/database', f));

const pg = await startTempPostgres();
let failed = false;
try {
	const url = `${pg.url}?sslmode=disable`;
	const steps = [
		['supabase db push', 'npx', ['--no', 'supabase', 'db', 'push', '--db-url', url, '--yes']],
		['supabase db lint', 'npx', ['--no', 'supabase', 'db', 'lint', '--db-url', url, '--fail-on', 'warning']],
		['pgTAP (pg_prove)', 'pg_prove', ['--failures', '-d', pg.url, ...tests]]
	];
	for (const [label, cmd, args] of steps) {
		console.log(`\n▶ ${label}`);
		const r = spawnSync(cmd, args, {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1' }
		});
		if (r.status !== 0) {
			console.error(`✗ ${label}: ÉCHEC / FAILED (${r.status ?? r.signal})`);
			failed = true;
			break;
		}
	}
} finally {
	await pg.stop();
}
console.log(failed ? '\n✗ Base de données / database: FAILED' : '\n✓ Base de données / database: push, lint, pgTAP OK');
process.exit(failed ? 1 : 0);
