// Collaboration server benchmark: `npm run bench -- collab` (or `npx tsx bench/collab.ts`).
//
// OURS: the BUILT app (`node server.js`, as in production) on a throwaway PostgreSQL 15, real session cookies
// (one account per client, logged in through the form), one fresh SPASER per run. STOCK: the stock
// `@y/websocket-server` (`setupWSConnection`, in memory) in a child process of its own. Both are driven by the
// same stock `y-websocket` clients from this process:
//   - every client pushes one edit (a Y.Array entry stamped with its send time) 20 times a second for 15 s; the
//     latency of an edit at a receiver is the time until that receiver's Y.Doc has it; p50/p95 over every
//     (edit, receiver) pair; 2, 10 and 50 clients on one document; 3 runs per size, stock and ours alternating,
//     the MEDIAN of the 3 runs' p95 is what the ratio compares;
//   - CPU time (user + system, /proc) of the server process during each run: ours (the app) and stock; the
//     PostgreSQL processes of our run are printed apart;
//   - breakdown of where our server spends its time (COLLAB_PROFILE=1 in the app: timers and counters of the
//     collaboration server, dumped on SIGUSR2);
//   - nothing lost under SIGKILL: 10 clients type, the app is killed (SIGKILL) mid-run and restarted on the same
//     port; the clients reconnect; every edit typed must end up stored in PostgreSQL.
// Last line: RESULT p95_ratio_2=… p95_ratio_10=… p95_ratio_50=… cpu_ratio=… lost=… (+ p95 ms and breakdown keys)
//
// Env: BENCH_COLLAB_SECONDS (default 15), BENCH_COLLAB_RUNS (default 3), BENCH_COLLAB_SIZES (default 2,10,50),
// BENCH_COLLAB_RATE (edits/s per client, default 20), BENCH_NO_BUILD=1 reuses build/, BENCH_PG_FSYNC=0 runs
// PostgreSQL without fsync (default: on, as in production).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { buildApp, loginCookie, startAppOn } from './lib/app.js';
import { sleep } from './lib/net.js';
import { percentile, round, table } from './lib/stats.js';

const SELF = fileURLToPath(import.meta.url);
const SECONDS = Number(process.env.BENCH_COLLAB_SECONDS || 15);
const RUNS = Number(process.env.BENCH_COLLAB_RUNS || 3);
const RATE = Number(process.env.BENCH_COLLAB_RATE || 20);
const SIZES = (process.env.BENCH_COLLAB_SIZES || '2,10,50').split(',').map(Number);
const DEMO_PASSWORD = 'Demo-Spaser-2026!';
const DEMO_SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const TEMPLATE_ACCOUNT = 'redacteur@demo.spaser.test';
const now = () => performance.now();

// ---------------------------------------------------------------------------------------------------------------
// The stock server, in a child process
// ---------------------------------------------------------------------------------------------------------------
async function runStockChild() {
	const { setupWSConnection } = await import('@y/websocket-server/utils');
	const wss = new WebSocketServer({ noServer: true });
	const http = createServer((_req, res) => res.end('stock'));
	http.on('upgrade', (req: IncomingMessage, socket, head) =>
		wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req, { docName: (req.url ?? '').split('?')[0] }))
	);
	http.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(http.address() as AddressInfo).port}\n`));
}

function startStock(): Promise<{ proc: ChildProcess; port: number; stop: () => Promise<void> }> {
	return new Promise((resolve, reject) => {
		const proc = spawn(process.execPath, ['--import', 'tsx', SELF, '--stock'], {
			stdio: ['ignore', 'pipe', 'inherit']
		});
		let out = '';
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			const m = /LISTENING (\d+)/.exec(out);
			if (!m) return;
			out = '';
			const stop = () =>
				new Promise<void>((res) => {
					if (proc.exitCode !== null) return res();
					proc.once('exit', () => res());
					proc.kill('SIGKILL');
				});
			resolve({ proc, port: Number(m[1]), stop });
		});
		proc.once('exit', (code) => reject(new Error(`stock server exited (${code})`)));
	});
}

// ---------------------------------------------------------------------------------------------------------------
// CPU of processes (Linux /proc): user + system time in ms
// ---------------------------------------------------------------------------------------------------------------
const TICK_MS = 10; // USER_HZ is 100 on Linux

function procStat(pid: number): { ppid: number; cpuMs: number } | null {
	try {
		const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
		const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
		return { ppid: Number(f[1]), cpuMs: (Number(f[11]) + Number(f[12])) * TICK_MS };
	} catch {
		return null;
	}
}

/** CPU ms of a process and all its descendants (PostgreSQL: the postmaster and its backends). */
function treeCpuMs(root: number): number {
	const children = new Map<number, number[]>();
	const cpu = new Map<number, number>();
	for (const name of readdirSync('/proc')) {
		if (!/^\d+$/.test(name)) continue;
		const st = procStat(Number(name));
		if (!st) continue;
		cpu.set(Number(name), st.cpuMs);
		const list = children.get(st.ppid) ?? [];
		list.push(Number(name));
		children.set(st.ppid, list);
	}
	let total = 0;
	const stack = [root];
	while (stack.length) {
		const p = stack.pop()!;
		total += cpu.get(p) ?? 0;
		stack.push(...(children.get(p) ?? []));
	}
	return total;
}

// ---------------------------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------------------------
interface Client {
	doc: Y.Doc;
	provider: WebsocketProvider;
}

type Edit = { c: number; t: number };

function connect(base: string, docId: string, headers: Record<string, string> | null): Client {
	const doc = new Y.Doc();
	class HeaderWS extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, headers ? { headers } : {});
		}
	}
	const provider = new WebsocketProvider(base, docId, doc, {
		WebSocketPolyfill: HeaderWS as unknown as typeof globalThis.WebSocket,
		disableBc: true
	});
	return { doc, provider };
}

async function allSynced(clients: Client[], ms = 60_000) {
	const deadline = Date.now() + ms;
	while (!clients.every((c) => c.provider.synced)) {
		if (Date.now() > deadline) throw new Error('clients did not sync');
		await sleep(10);
	}
}

function destroyAll(clients: Client[]) {
	for (const c of clients) {
		c.provider.destroy();
		c.doc.destroy();
	}
}

/**
 * `n` clients each push RATE edits per second for SECONDS; latency samples are (receive time − send time) at
 * every other client. Returns the samples and how many (edit, receiver) pairs never arrived.
 */
async function loadRun(base: string, docId: string, headers: (i: number) => Record<string, string> | null, n: number) {
	const clients = Array.from({ length: n }, (_, i) => connect(base, docId, headers(i)));
	await allSynced(clients);
	await sleep(300);
	const samples: number[] = [];
	let received = 0;
	clients.forEach((c, idx) => {
		c.doc.getArray<Edit>('e').observe((ev) => {
			const t = now();
			for (const d of ev.changes.delta) {
				if (!d.insert) continue;
				for (const e of d.insert as Edit[]) {
					if (e.c === idx) continue;
					samples.push(t - e.t);
					received++;
				}
			}
		});
	});
	const period = 1000 / RATE;
	const perClient = Math.round(SECONDS * RATE);
	let sent = 0;
	await Promise.all(
		clients.map(async (c, idx) => {
			await sleep((period * idx) / n); // spread the clients over the period
			const start = now();
			for (let k = 0; k < perClient; k++) {
				c.doc.getArray<Edit>('e').push([{ c: idx, t: now() }]);
				sent++;
				const next = start + (k + 1) * period;
				await sleep(Math.max(0, next - now()));
			}
		})
	);
	const expected = sent * (n - 1);
	const deadline = Date.now() + 30_000;
	while (received < expected && Date.now() < deadline) await sleep(20);
	destroyAll(clients);
	return { samples, missing: expected - received, sent };
}

// ---------------------------------------------------------------------------------------------------------------
async function main() {
	const started = Date.now();
	process.setMaxListeners(0); // every y-websocket provider adds a process 'exit' listener
	const fsync = process.env.BENCH_PG_FSYNC !== '0';
	buildApp();
	const maxClients = Math.max(...SIZES, 10);
	const app = await startAppOn('postgres', {
		label: 'ours',
		fsync,
		env: { LOG_REQUESTS: '0', COLLAB_PROFILE: '1', LOGIN_LIMIT_PER_IP: '1000000', LOGIN_LIMIT_PER_ACCOUNT: '1000000' }
	});
	const stock = await startStock().catch(async (e) => {
		await app.stop();
		throw e;
	});
	const { openPostgres } = await import('../src/lib/server/db/postgres');
	const db = openPostgres(app.databaseUrl, { max: 2 });
	try {
		const pgRoot = Number(
			(await db.query<{ pid: number }>(`select pid from pg_stat_activity where backend_type = 'checkpointer'`))[0]?.pid
		);
		const pgPostmaster = procStat(pgRoot)?.ppid ?? pgRoot;
		// One editor account per client, members of the demo SPASER's collectivité, with the demo password.
		const [lead] = await db.query<{ org_id: string }>(
			'select org_id from public.spaser_document_orgs where document_id = $1 and is_lead',
			[DEMO_SPASER_ID]
		);
		const [tpl] = await db.query<{ password_hash: string }>(
			'select c.password_hash from public.user_credentials c join public.users u on u.id = c.user_id where lower(u.email) = $1',
			[TEMPLATE_ACCOUNT]
		);
		if (!lead || !tpl) throw new Error('demo data missing (demo SPASER or its editor)');
		const cookies: string[] = [];
		for (let i = 0; i < maxClients; i++) {
			const email = `bench-collab-${i}@demo.spaser.test`;
			const [u] = await db.query<{ id: string }>(
				`insert into public.users (email, display_name, email_verified_at) values ($1, $2, now()) returning id`,
				[email, `Rédacteur de banc ${i + 1}`]
			);
			await db.query('insert into public.user_credentials (user_id, password_hash) values ($1, $2)', [
				u.id,
				tpl.password_hash
			]);
			await db.query(`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor')`, [
				lead.org_id,
				u.id
			]);
			cookies.push(await loginCookie(app.url, email, DEMO_PASSWORD));
		}
		const newSpaser = async () => {
			const [d] = await db.query<{ id: string }>(
				`insert into public.spaser_documents (slug, title) values ($1, 'SPASER du banc collab') returning id`,
				[`banc-${randomUUID().slice(0, 8)}`]
			);
			await db.query('insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, true)', [
				d.id,
				lead.org_id
			]);
			return d.id;
		};
		const oursBase = `${app.url.replace(/^http/, 'ws')}/collab`;
		const oursHeaders = (i: number) => ({ cookie: cookies[i], origin: app.url });
		const stockBase = `ws://127.0.0.1:${stock.port}/collab`;
		console.log(
			`# collab bench — built app on PostgreSQL 15 (fsync ${fsync ? 'on' : 'off'}) vs stock @y/websocket-server, Node ${process.version}; ` +
				`${RATE} edits/s per client for ${SECONDS} s, ${RUNS} runs per size, clients in this process`
		);

		const profile = async (): Promise<Profile | null> => {
			const mark = app.output().length;
			process.kill(app.pid, 'SIGUSR2');
			for (let i = 0; i < 50; i++) {
				await sleep(40);
				const line = app
					.output()
					.slice(Math.max(0, mark - 200))
					.split('\n')
					.reverse()
					.find((l) => l.includes('"collab profile"'));
				if (line) return (JSON.parse(line) as { profile: Profile }).profile;
			}
			return null;
		};
		await profile(); // reset

		type Run = { p50: number; p95: number; cpuMs: number; pgCpuMs: number; missing: number; samples: number };
		const results: Record<'ours' | 'stock', Record<number, Run[]>> = { ours: {}, stock: {} };
		const profiles: Record<number, Profile[]> = {};
		for (const n of SIZES) {
			results.ours[n] = [];
			results.stock[n] = [];
			profiles[n] = [];
			for (let r = 0; r < RUNS; r++) {
				for (const kind of r % 2 === 0 ? (['stock', 'ours'] as const) : (['ours', 'stock'] as const)) {
					const pid = kind === 'ours' ? app.pid : stock.proc.pid!;
					const cpu0 = procStat(pid)?.cpuMs ?? NaN;
					const pg0 = treeCpuMs(pgPostmaster);
					const res =
						kind === 'ours'
							? await loadRun(oursBase, await newSpaser(), oursHeaders, n)
							: await loadRun(stockBase, randomUUID(), () => null, n);
					const cpuMs = (procStat(pid)?.cpuMs ?? NaN) - cpu0;
					const pgCpuMs = treeCpuMs(pgPostmaster) - pg0;
					results[kind][n].push({
						p50: percentile(res.samples, 50),
						p95: percentile(res.samples, 95),
						cpuMs,
						pgCpuMs: kind === 'ours' ? pgCpuMs : 0,
						missing: res.missing,
						samples: res.samples.length
					});
					if (kind === 'ours') {
						const p = await profile();
						if (p) profiles[n].push(p);
					}
					console.error(
						`collab bench: ${kind} ${n} clients run ${r + 1}: p95 ${round(percentile(res.samples, 95), 1)} ms, cpu ${cpuMs} ms`
					);
					if (res.missing > 0)
						console.error(`${kind} ${n} clients run ${r + 1}: ${res.missing} (edit, receiver) pairs never arrived`);
				}
			}
			printBreakdown(n, sumProfiles(profiles[n]), profiles[n].length);
		}

		const med = (xs: number[]) => percentile(xs, 50);
		const rows: (string | number)[][] = [];
		const ratio: Record<number, number> = {};
		let cpuOurs = 0;
		let cpuStock = 0;
		for (const n of SIZES) {
			for (const kind of ['stock', 'ours'] as const) {
				const rs = results[kind][n];
				rows.push([
					kind,
					n,
					rs.map((x) => round(x.p95, 1)).join(' / '),
					round(med(rs.map((x) => x.p50)), 2),
					round(med(rs.map((x) => x.p95)), 2),
					round(med(rs.map((x) => x.cpuMs)), 0),
					kind === 'ours' ? round(med(rs.map((x) => x.pgCpuMs)), 0) : '-',
					rs.reduce((a, x) => a + x.missing, 0)
				]);
			}
			ratio[n] = med(results.ours[n].map((x) => x.p95)) / med(results.stock[n].map((x) => x.p95));
			cpuOurs += results.ours[n].reduce((a, x) => a + x.cpuMs, 0);
			cpuStock += results.stock[n].reduce((a, x) => a + x.cpuMs, 0);
		}
		console.log(
			'\nLatency: edit → each other client has it (ms), every client editing; CPU of the server process (ms per run, median)'
		);
		console.log(
			table(
				['server', 'clients', 'p95 per run', 'p50 (median)', 'p95 (median)', 'cpu ms', 'pg cpu ms', 'missing'],
				rows
			)
		);
		console.log(
			'\nours/stock p95 ratio (median of runs): ' +
				SIZES.map((n) => `${n} clients ${round(ratio[n], 2)}×`).join(', ') +
				' (target ≤ 1.3×)'
		);
		const cpuRatio = cpuOurs / cpuStock;
		console.log(
			`ours/stock CPU of the server process, all runs: ${round(cpuRatio, 2)}× (${cpuOurs} ms vs ${cpuStock} ms; PostgreSQL apart)`
		);

		// Breakdown of our server's time, at the largest size (sum over its runs).
		const big = Math.max(...SIZES);
		const breakdown = sumProfiles(profiles[big]);
		// Nothing lost under SIGKILL.
		const lost = await killRun(app, oursBase, oursHeaders, await newSpaser(), db);

		console.log(`\n(bench took ${round((Date.now() - started) / 1000, 1)} s)`);
		const bd = (k: string) => round(breakdown.timers[k]?.ms ?? 0, 1);
		console.log(
			`RESULT ${SIZES.map((n) => `p95_ratio_${n}=${round(ratio[n], 2)}`).join(' ')} cpu_ratio=${round(cpuRatio, 2)} lost=${lost} ` +
				SIZES.map(
					(n) =>
						`p95_ms_ours_${n}=${round(med(results.ours[n].map((x) => x.p95)), 2)} p95_ms_stock_${n}=${round(med(results.stock[n].map((x) => x.p95)), 2)}`
				).join(' ') +
				` ${Object.keys(breakdown.timers)
					.sort()
					.map((k) => `ms_${k.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}=${bd(k)}`)
					.join(' ')} loop_delay_p99_ms_${big}=${round((breakdown.counts.loop_delay_p99_us ?? 0) / 1000, 1)}`
		);
	} finally {
		await db.close().catch(() => {});
		await stock.stop();
		await app.stop();
	}
}

function printBreakdown(n: number, breakdown: Profile, runs: number) {
	console.log(
		`\nWhere our server's time goes at ${n} clients (COLLAB_PROFILE, sum of ${runs} runs; ms of the event loop, count):`
	);
	console.log(
		table(
			['part', 'ms', 'count', 'µs each'],
			Object.entries(breakdown.timers)
				.sort((a, b) => b[1].ms - a[1].ms)
				.map(([k, v]) => [k, round(v.ms, 1), v.count, round((v.ms * 1000) / Math.max(1, v.count), 1)])
		)
	);
	console.log(
		'counters (loop_delay: worst run, µs): ' +
			Object.entries(breakdown.counts)
				.map(([k, v]) => `${k}=${v}`)
				.join(' ')
	);
}

interface Profile {
	timers: Record<string, { ms: number; count: number }>;
	counts: Record<string, number>;
}

function sumProfiles(ps: Profile[]): Profile {
	const out: Profile = { timers: {}, counts: {} };
	for (const p of ps) {
		for (const [k, v] of Object.entries(p.timers)) {
			const t = (out.timers[k] ??= { ms: 0, count: 0 });
			t.ms += v.ms;
			t.count += v.count;
		}
		// Event-loop delays are per run: the worst run is kept; the rest adds up.
		for (const [k, v] of Object.entries(p.counts))
			out.counts[k] = k.startsWith('loop_delay') ? Math.max(out.counts[k] ?? 0, v) : (out.counts[k] ?? 0) + v;
	}
	return out;
}

/**
 * 10 clients type (RATE edits/s each) into one SPASER; after 3 s the app is killed with SIGKILL and restarted on
 * the same port 1 s later; the clients reconnect by themselves and keep typing for 3 s more. Then every edit typed
 * must be in PostgreSQL (read from the stored log, not from a client). Returns how many are missing.
 */
async function killRun(
	app: Awaited<ReturnType<typeof startAppOn>>,
	base: string,
	headers: (i: number) => Record<string, string>,
	docId: string,
	db: ReturnType<typeof import('../src/lib/server/db/postgres').openPostgres>
): Promise<number> {
	const n = 10;
	const clients = Array.from({ length: n }, (_, i) => connect(base, docId, headers(i)));
	await allSynced(clients);
	const typed = new Array<number>(n).fill(0);
	let typing = true;
	const typers = clients.map(async (c, idx) => {
		while (typing) {
			c.doc.getArray<number>(`w${idx}`).push([typed[idx]++]);
			await sleep(1000 / RATE);
		}
	});
	await sleep(3000);
	process.kill(app.pid, 'SIGKILL');
	const killedAt = typed.reduce((a, b) => a + b, 0);
	await sleep(1000);
	await app.restart();
	await sleep(3000);
	typing = false;
	await Promise.all(typers);
	const total = typed.reduce((a, b) => a + b, 0);
	const { loadDoc } = await import('../src/lib/server/collab/persistence');
	let missing = total;
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const stored = await loadDoc(db, docId);
		const doc = new Y.Doc();
		for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(doc, u);
		missing = 0;
		for (let i = 0; i < n; i++) {
			const have = new Set(doc.getArray<number>(`w${i}`).toArray());
			for (let k = 0; k < typed[i]; k++) if (!have.has(k)) missing++;
		}
		doc.destroy();
		if (missing === 0) break;
		await sleep(500);
	}
	destroyAll(clients);
	console.log(
		`\nSIGKILL: ${total} edits typed by ${n} clients (${killedAt} before the kill), app killed and restarted; missing from PostgreSQL afterwards: ${missing}`
	);
	return missing;
}

if (process.argv[2] === '--stock') {
	runStockChild().catch((err) => {
		console.error(err);
		process.exit(1);
	});
} else {
	main().then(
		() => process.exit(0),
		(err) => {
			console.error(err);
			process.exit(1);
		}
	);
}
