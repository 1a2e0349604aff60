#!/usr/bin/env node
// `npm test`: checks that a Chromium is available, then runs the database checks (Supabase CLI push + lint, pgTAP),
// the vitest suite and the Playwright suite. Every step always runs (so one report shows every failure); the exit code is non-zero if any step fails.
// Ctrl-C (SIGINT) or SIGTERM stops the running suite and everything it started (its whole process group).
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function isExecutableFile(path) {
	try {
		accessSync(path, constants.X_OK);
		return statSync(path).isFile();
	} catch {
		return false;
	}
}

if (!isExecutableFile(chromium)) {
	const where = process.env.CHROMIUM_PATH ? `CHROMIUM_PATH=${chromium}` : '/usr/bin/chromium';
	console.error(
		[
			'',
			`✗ Chromium introuvable (${where})\u00a0: les tests de bout en bout (Playwright) en ont besoin.`,
			'  Installez-le avec\u00a0:   apt-get install -y chromium',
			'  ou indiquez son chemin\u00a0:   CHROMIUM_PATH=/chemin/vers/chromium npm test',
			'',
			`✗ Chromium not found (${where}): the end-to-end tests (Playwright) need it.`,
			'  Install it with:   apt-get install -y chromium',
			'  or point to it:    CHROMIUM_PATH=/path/to/chromium npm test',
			''
		].join('\n')
	);
	process.exit(1);
}

/** Process group of the running step (its pid): kept until everything in it has been stopped. */
/** @type {number | null} */
let currentGroup = null;
let interrupted = false;

function killCurrent(signal) {
	if (!currentGroup) return;
	try {
		process.kill(-currentGroup, signal); // the whole group: npx, vitest workers, the Playwright web server…
	} catch {
		/* already gone */
	}
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, () => {
		if (interrupted) {
			killCurrent('SIGKILL'); // second Ctrl-C: no more waiting
			process.exit(130);
		}
		interrupted = true;
		console.error(`\n${signal} reçu\u00a0: arrêt des tests… / ${signal} received: stopping the tests…`);
		killCurrent(signal === 'SIGHUP' ? 'SIGTERM' : signal);
		// Give the suite a few seconds to stop its servers cleanly, then force it.
		setTimeout(() => killCurrent('SIGKILL'), 10_000).unref();
	});
}
process.on('exit', () => killCurrent('SIGKILL'));

function groupAlive(pgid) {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}

/**
 * Once a step has exited, stops whatever it left behind in its process group (e.g. a database server the
 * suite started just before being interrupted): SIGINT (a fast shutdown for PostgreSQL), then SIGKILL.
 */
async function reapGroup(pgid) {
	if (!groupAlive(pgid)) return;
	try {
		process.kill(-pgid, 'SIGINT');
	} catch {
		return;
	}
	for (let i = 0; i < 30 && groupAlive(pgid); i++) await new Promise((r) => setTimeout(r, 100));
	if (groupAlive(pgid)) {
		try {
			process.kill(-pgid, 'SIGKILL');
		} catch {
			/* gone meanwhile */
		}
	}
}

/** Runs one step in its own process group, output straight to the terminal; resolves with its exit code. */
function run(label, cmd, args) {
	return new Promise((resolve) => {
		const started = Date.now();
		console.log(`\n▶ ${label}\u00a0: ${cmd} ${args.join(' ')}\n`);
		const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, env: process.env });
		currentGroup = child.pid ?? null;
		child.on('error', (e) => {
			console.error(`✗ ${label} n'a pas pu démarrer / could not start\u00a0: ${e.message}`);
		});
		child.on('close', async (code, signal) => {
			if (child.pid) await reapGroup(child.pid);
			currentGroup = null;
			resolve({ label, code: code ?? (signal ? 128 : 1), signal, seconds: (Date.now() - started) / 1000 });
		});
	});
}

// Each runner also writes a JSON report, so that the closing line can count every test of both suites.
const reports = mkdtempSync(join(tmpdir(), 'spaser-reports-'));
const vitestReport = join(reports, 'vitest.json');
const playwrightReport = join(reports, 'playwright.json');
process.env.PLAYWRIGHT_JSON_OUTPUT_NAME = playwrightReport;
const steps = [
	// The schema as Supabase sees it: `supabase db push`, `supabase db lint`, the pgTAP files (scripts/supabase-check.js).
	['supabase', 'node', ['scripts/supabase-check.js']],
	[
		'vitest',
		'npx',
		['--no', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestReport}`]
	],
	['playwright', 'npx', ['--no', 'playwright', 'test', '--reporter=list,json']]
];

/** { passed, failed, skipped } from the JSON reports (missing report: the step's tests count as unknown). */
function counts() {
	const c = { passed: 0, failed: 0, skipped: 0 };
	try {
		const v = JSON.parse(readFileSync(vitestReport, 'utf8'));
		c.passed += v.numPassedTests ?? 0;
		c.failed += v.numFailedTests ?? 0;
		c.skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
	} catch {
		/* no report */
	}
	try {
		const p = JSON.parse(readFileSync(playwrightReport, 'utf8'));
		c.passed += (p.stats?.expected ?? 0) + (p.stats?.flaky ?? 0);
		c.failed += p.stats?.unexpected ?? 0;
		c.skipped += p.stats?.skipped ?? 0;
	} catch {
		/* no report */
	}
	return c;
}

const results = [];
for (const [label, cmd, args] of steps) {
	if (interrupted) break;
	results.push(await run(label, cmd, args));
}

const failed = interrupted || results.some((r) => r.code !== 0);
const parts = results.map(
	(r) =>
		`${r.label} ${r.code === 0 ? 'OK' : `ÉCHEC/FAILED (${r.signal ?? `code ${r.code}`})`} ${r.seconds.toFixed(1)} s`
);
if (interrupted) parts.push('interrompu/interrupted');
console.log(`\n${failed ? '✗' : '✓'} Tests\u00a0: ${parts.join(' · ')}`);
const c = counts();
// A failed step without a failing test (crash, missing browser) still counts as a failure.
const failedCount = c.failed || (failed ? 1 : 0);
rmSync(reports, { recursive: true, force: true });
console.log(`Tests: ${c.passed} passed, ${failedCount} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`);
process.exit(failed ? 1 : 0);
