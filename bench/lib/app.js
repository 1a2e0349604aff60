// Starts the built app (`node server.js`, as in production) on a free loopback port, for benchmarks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTempPostgres } from '../../scripts/lib/pg-temp.js';
import { freePort, sleep } from './net.js';

/** Project root (bench/lib → ..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * `npm run build`, output sent to stderr so that stdout stays the bench's own report.
 * With BENCH_NO_BUILD=1 an existing build/ is reused.
 */
export function buildApp() {
	if (process.env.BENCH_NO_BUILD === '1' && existsSync(join(ROOT, 'build', 'handler.js'))) {
		console.error('bench: BENCH_NO_BUILD=1, reusing build/');
		return;
	}
	console.error('bench: npm run build …');
	const t = Date.now();
	const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 2, 2] });
	if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
	console.error(`bench: build done in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

/**
 * @typedef {{ url: string, port: number, startupMs: number, pid: number, stop: () => Promise<void>, output: () => string }} App
 */

/**
 * @param {{ env: Record<string, string>, label: string, timeoutMs?: number, port?: number }} opts
 * @returns {Promise<App>}
 */
export async function startApp({ env, label, timeoutMs = 120_000, port: wanted }) {
	const port = wanted ?? (await freePort());
	const url = `http://127.0.0.1:${port}`;
	const started = Date.now();
	const child = spawn(process.execPath, ['server.js'], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: {
			...process.env,
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(port),
			ORIGIN: url,
			LOG_REQUESTS: '0',
			...env
		}
	});
	let out = '';
	const keep = (/** @type {Buffer} */ d) => {
		out = (out + d.toString('utf8')).slice(-20_000);
	};
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	/** @type {Promise<void>} */
	const exited = new Promise((resolve) => child.once('exit', () => resolve()));

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		if (child.exitCode !== null || child.signalCode !== null) return;
		child.kill('SIGTERM');
		const killed = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
		if (killed) {
			child.kill('SIGKILL');
			await exited;
		}
	};

	// Ready when /healthz answers 200 (database open, migrated, demo data loaded).
	try {
		for (;;) {
			if (child.exitCode !== null) throw new Error(`${label}: server exited (${child.exitCode}) during start-up`);
			if (Date.now() - started > timeoutMs) throw new Error(`${label}: server not healthy after ${timeoutMs} ms`);
			try {
				const r = await fetch(`${url}/healthz`);
				await r.arrayBuffer();
				if (r.status === 200) break;
			} catch {
				/* not listening yet */
			}
			await sleep(100);
		}
	} catch (e) {
		await stop();
		console.error(out.slice(-4000));
		throw e;
	}
	return {
		url,
		port,
		startupMs: Date.now() - started,
		pid: /** @type {number} */ (child.pid),
		stop,
		output: () => out
	};
}

/**
 * Logs in through the real form (POST /connexion, same Origin as the app) and returns the Cookie header value.
 * @param {string} url @param {string} email @param {string} password
 */
export async function loginCookie(url, email, password) {
	const res = await fetch(`${url}/connexion`, {
		method: 'POST',
		redirect: 'manual',
		headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		body: new URLSearchParams({ email, password })
	});
	await res.arrayBuffer();
	const cookie = res.headers
		.getSetCookie()
		.map((c) => c.split(';')[0])
		.find((c) => c.startsWith('spaser_session='));
	if (res.status !== 303 || !cookie || cookie === 'spaser_session=')
		throw new Error(`login as ${email} failed: HTTP ${res.status}, no session cookie`);
	return cookie;
}

/** Sum of the RSS of a process, in MiB (Linux /proc), or NaN when unavailable. @param {number} pid */
export function rssMiB(pid) {
	try {
		const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
		return Math.round(Number(r.stdout.trim()) / 1024);
	} catch {
		return NaN;
	}
}

/**
 * The built app on one engine, from scratch: embedded PGlite in a temporary folder, or a throwaway PostgreSQL 15
 * (fsync as asked). `env` is added to the app's (DEMO_DATA=1 unless overridden). `stop()` stops the app, then the
 * database, then removes the folder. `databaseUrl` is the PostgreSQL URL ('' on PGlite), `restart()` starts the
 * app again on the same database and port (after a SIGKILL, for instance).
 * @param {'pglite' | 'postgres'} engine
 * @param {{ env?: Record<string, string>, label?: string, fsync?: boolean }} [opts]
 * @returns {Promise<App & { engine: 'pglite' | 'postgres', databaseUrl: string, restart: () => Promise<App> }>}
 */
export async function startAppOn(engine, { env = {}, label = engine, fsync = false } = {}) {
	/** @type {(() => Promise<void> | void)[]} */
	const cleanups = [];
	const cleanup = async () => {
		for (const c of cleanups.splice(0).reverse()) {
			try {
				await c();
			} catch (e) {
				console.error(`bench cleanup failed: ${e}`);
			}
		}
	};
	try {
		/** @type {Record<string, string>} */
		const appEnv = { DEMO_DATA: '1', ...env };
		let databaseUrl = '';
		if (engine === 'pglite') {
			const dir = mkdtempSync(join(tmpdir(), 'spaser-bench-'));
			cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
			appEnv.DATA_DIR = join(dir, 'data');
			appEnv.DATABASE_URL = '';
		} else {
			const pg = await startTempPostgres({ fsync });
			cleanups.push(pg.stop);
			databaseUrl = pg.url;
			appEnv.DATABASE_URL = pg.url;
		}
		let app = await startApp({ env: appEnv, label });
		const port = app.port;
		/** @type {App['stop']} */
		const stop = async () => {
			await app.stop();
			await cleanup();
		};
		const restart = async () => {
			await app.stop();
			app = await startApp({ env: appEnv, label, port });
			return app;
		};
		return {
			engine,
			databaseUrl,
			restart,
			get url() {
				return app.url;
			},
			get port() {
				return app.port;
			},
			get startupMs() {
				return app.startupMs;
			},
			get pid() {
				return app.pid;
			},
			output: () => app.output(),
			stop
		};
	} catch (e) {
		await cleanup();
		throw e;
	}
}
