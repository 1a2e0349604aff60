// Benchmark "pages": throughput and latency of an authenticated server-rendered page, on both engines.
//
// Always runs `npm run build` first (so the figures are those of the current code; BENCH_NO_BUILD=1 reuses an
// existing build/). Then, for each engine:
//   - PGlite: `node server.js` on a fresh temporary DATA_DIR;
//   - PostgreSQL 15: a throwaway cluster (scripts/lib/pg-temp.js) and DATABASE_URL;
// with DEMO_DATA=1 and LOG_REQUESTS=0, on a free loopback port. It logs in through the real form as a demo
// account, warms up, then runs autocannon (20 connections, 15 s) on GET /collectivites and records requests/s
// and the exact p95 latency of the 2xx responses. Any non-2xx response fails the bench.
//
// Knobs: BENCH_ENGINES=pglite,postgres  BENCH_DURATION=15  BENCH_WARMUP=5  BENCH_CONNECTIONS=20
//        BENCH_PATH=/collectivites  BENCH_ACCOUNT=admin@demo.spaser.test
// Last line: RESULT rps_pglite=… rps_pg=… p95_ms_pglite=… p95_ms_pg=…
import { cpus } from 'node:os';
import autocannon from 'autocannon';
import { buildApp, loginCookie, rssMiB, startAppOn } from './lib/app.js';
import { percentile, round, table } from './lib/stats.js';

const DEMO_PASSWORD = 'Demo-Spaser-2026!';
const ACCOUNT = process.env.BENCH_ACCOUNT || 'admin@demo.spaser.test';
const PATH = process.env.BENCH_PATH || '/collectivites';
const DURATION = Number(process.env.BENCH_DURATION || 15);
const WARMUP = Number(process.env.BENCH_WARMUP || 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS || 20);
const ENGINES = (process.env.BENCH_ENGINES || 'pglite,postgres').split(',').map((s) => s.trim());

/**
 * @param {{ url: string, cookie: string, duration: number }} o
 * @returns {Promise<{ rps: number, requests: number, non2xx: number, errors: number, timeouts: number, p50: number, p95: number, p99: number, max: number }>}
 */
async function load({ url, cookie, duration }) {
	/** @type {number[]} */
	const ok = [];
	const instance = autocannon({
		url: url + PATH,
		connections: CONNECTIONS,
		duration,
		headers: { cookie, accept: 'text/html' }
	});
	instance.on('response', (_client, status, _bytes, ms) => {
		if (status >= 200 && status < 300) ok.push(ms);
	});
	const r = await instance;
	const seconds = (r.finish.getTime() - r.start.getTime()) / 1000;
	return {
		rps: ok.length / seconds,
		requests: r.requests.total,
		non2xx: r.non2xx,
		errors: r.errors,
		timeouts: r.timeouts,
		p50: round(percentile(ok, 50)),
		p95: round(percentile(ok, 95)),
		p99: round(percentile(ok, 99)),
		max: round(percentile(ok, 100))
	};
}

/** @param {'pglite' | 'postgres'} engine */
async function benchEngine(engine) {
	/** @type {(() => Promise<void>)[]} */
	const cleanups = [];
	try {
		const app = await startAppOn(engine);
		cleanups.push(app.stop);
		console.log(`${engine}: server ready in ${app.startupMs} ms (${app.url})`);

		const cookie = await loginCookie(app.url, ACCOUNT, DEMO_PASSWORD);
		const check = await fetch(app.url + PATH, { headers: { cookie }, redirect: 'manual' });
		const html = await check.text();
		if (check.status !== 200) throw new Error(`${engine}: GET ${PATH} as ${ACCOUNT} answered ${check.status}`);
		console.log(`${engine}: logged in as ${ACCOUNT}; GET ${PATH} → 200, ${html.length} bytes`);

		if (WARMUP > 0) await load({ url: app.url, cookie, duration: WARMUP });
		const m = await load({ url: app.url, cookie, duration: DURATION });
		const rss = rssMiB(app.pid);
		console.log(
			`${engine}: ${round(m.rps)} req/s, p50 ${m.p50} ms, p95 ${m.p95} ms, p99 ${m.p99} ms, ` +
				`non-2xx ${m.non2xx}, errors ${m.errors}, timeouts ${m.timeouts}, server RSS ${rss} MiB`
		);
		return { ...m, startupMs: app.startupMs, rss };
	} finally {
		for (const c of cleanups.reverse()) {
			try {
				await c();
			} catch (e) {
				console.error(`cleanup failed: ${e}`);
			}
		}
	}
}

buildApp();
console.log(
	`bench pages: GET ${PATH} as ${ACCOUNT}, ${CONNECTIONS} connections, ${WARMUP} s warm-up + ${DURATION} s; ` +
		`node ${process.version}, ${cpus().length} CPU(s) shared by server, database and load generator`
);

/** @type {Record<string, Awaited<ReturnType<typeof benchEngine>>>} */
const results = {};
for (const engine of ENGINES) {
	if (engine !== 'pglite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
	results[engine] = await benchEngine(engine);
}

console.log('');
console.log(
	table(
		[
			'engine',
			'req/s',
			'p50 ms',
			'p95 ms',
			'p99 ms',
			'max ms',
			'requests',
			'non-2xx',
			'errors',
			'start-up ms',
			'RSS MiB'
		],
		Object.entries(results).map(([k, r]) => [
			k === 'postgres' ? 'postgres 15' : 'pglite',
			round(r.rps),
			r.p50,
			r.p95,
			r.p99,
			r.max,
			r.requests,
			r.non2xx,
			r.errors + r.timeouts,
			r.startupMs,
			r.rss
		])
	)
);
if (results.pglite && results.postgres)
	console.log(
		`\nratio postgres/pglite: req/s ${round(results.postgres.rps / results.pglite.rps, 2)}, p95 ${round(results.postgres.p95 / results.pglite.p95, 2)}`
	);

const failed = Object.entries(results).filter(([, r]) => r.non2xx > 0 || r.errors > 0 || r.timeouts > 0);
if (failed.length) {
	console.error(`bench pages FAILED: non-2xx responses or errors on ${failed.map(([k]) => k).join(', ')}`);
	process.exit(1);
}
/** @param {number | undefined} n */
const fmt = (n) => (n === undefined || Number.isNaN(n) ? '0' : String(round(n, 1)));
console.log(
	`RESULT rps_pglite=${fmt(results.pglite?.rps)} rps_pg=${fmt(results.postgres?.rps)} ` +
		`p95_ms_pglite=${fmt(results.pglite?.p95)} p95_ms_pg=${fmt(results.postgres?.p95)}`
);
