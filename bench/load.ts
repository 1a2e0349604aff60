// Mixed-load benchmark: `npm run bench -- load` (or `npx tsx bench/load.ts`).
//
// What it does, in one process (the load generator) on one machine:
//   1. `npm run build` (BENCH_NO_BUILD=1 reuses build/), one throwaway PostgreSQL 15 (scripts/lib/pg-temp.js),
//      instance A = `node server.js` with DATABASE_URL and DEMO_DATA=1 (migrations + demo data, once).
//   2. Set-up through the app's real paths: one session per virtual user by logging in through the real form
//      (POST /connexion; successful sign-ins count against no limit), one API token per booking account
//      (created with the app's service, createApiToken, like /compte does), and the demo animator's Guichet
//      availability set through the API (PUT /api/v1/networks/{id}/guichet/availability: every day 07:00–21:00,
//      30-minute sessions, auto-confirmed, 120 days ahead) so that slots exist.
//   3. Four runs: 1 instance (A) then 2 instances (A + B, same database; B started for these runs) × 50 and 200
//      concurrent virtual users, each BENCH_WARMUP s of warm-up (not recorded) then BENCH_SECONDS s measured.
//      With 2 instances there is no proxy: virtual user i is bound to instance i mod 2 (the generator
//      alternates base URLs per virtual user, like a round-robin balancer with sticky connections), so no proxy
//      hop costs CPU in the generator. Sessions live in the database, so any instance accepts any of them.
//   Every virtual user loops without think time (closed loop) over a weighted mix:
//     - page: GET of a real server-rendered page as its logged-in user (/collectivites, its own collectivité,
//       /guichet, /ressources, /evenements, /indicateurs, /reseaux, /reseaux/<demo network>, and the demo
//       SPASER's page for the members of its collectivité) — 200 expected;
//     - search: GET /ressources?q=<term> (clause and REX search) — 200 expected;
//     - booking (Guichet API with a Bearer token): GET free slots of a random day (`slots`), POST a booking on a
//       random one (`book`: 201, or 409 slot_taken / booker_overlap = expected refusals, not errors), then, when
//       it was booked, POST its cancellation (`cancel`), so that slots stay available;
//     - collab (every 10th virtual user holds a stock y-websocket client on the demo SPASER, as admin@ or
//       redacteur@ of its collectivité): replaces its own marker at the end of one node title (one Yjs
//       transaction); the op ends when one observer client connected to EACH running instance has received it, so
//       with 2 instances it includes the LISTEN/NOTIFY relay between them. Time-out 15 s = error. The delay to
//       the observer on the writer's own instance and to the one on the other instance ("relayed": the update
//       is stored, and the NOTIFY sent at the commit of that insert) are also reported separately.
//     Mix of a plain user: page 60 %, search 25 %, booking 15 %; of a collab user: collab 50 %, page 50 %.
//   Memory: VmRSS of every instance sampled every 500 ms during each run (max reported).
// Reported per run: ops/s (successful ops incl. expected 409), p50/p95 per op kind and overall, error rate
// (network error, time-out, or a status other than the expected one), max RSS per instance; then the ratios
// 2 instances / 1 instance at 50 and 200 users.
// Last line: RESULT rps_1=… rps_2=… p95_ms_1=… p95_ms_2=… error_rate=… rss_mb=…
//   (rps/p95 at 200 users; error_rate = errors / ops over all measured runs; rss_mb = max RSS of one instance)
//
// Env: BENCH_SECONDS (default 60), BENCH_WARMUP (default 5), BENCH_USERS (default "50,200"),
//      BENCH_NO_BUILD=1, BENCH_PG_FSYNC=1 (default off: the disk is shared with other work),
//      BENCH_MAX_ERROR_RATE (default 0.05: above it the bench exits 1 after printing everything),
//      BENCH_PIN=1 (each instance pinned to a CPU of its own with taskset — A on CPU 0, B on CPU 1 — like one
//      1-vCPU container per instance: the 2/1 ratio then shows what a second instance's CPU brings).
//      The RESULT line then ends with `pinned=1`.
// The generator, both instances and PostgreSQL share the machine's CPUs (printed at the start): on 2 cores a
// second instance cannot add CPU, so the 2/1 ratio there measures overhead, not scale-out.
import { Agent, request as httpRequest } from 'node:http';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { startTempPostgres } from '../scripts/lib/pg-temp.js';
import { buildApp, loginCookie, startApp } from './lib/app.js';
import { sleep } from './lib/net.js';
import { percentile, round, table } from './lib/stats.js';
import { openPostgres } from '../src/lib/server/db/postgres';
import { createApiToken } from '../src/lib/server/auth/api-tokens';

const SECONDS = Number(process.env.BENCH_SECONDS || 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const USERS = (process.env.BENCH_USERS || '50,200')
	.split(',')
	.map((s) => Number(s.trim()))
	.filter((n) => n > 0);
const MAX_ERROR_RATE = Number(process.env.BENCH_MAX_ERROR_RATE || 0.05);
/** BENCH_PIN=1: each instance runs on one CPU of its own (A on CPU 0, B on CPU 1), PostgreSQL and the generator anywhere. */
const PIN = process.env.BENCH_PIN === '1';
const DEMO_PASSWORD = 'Demo-Spaser-2026!';
const NETWORK_ID = 'de000000-0000-4000-8002-000000000001';
const NETWORK_SLUG = 'reseau-achats-responsables-sud-ouest';
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const SPASER_ORG = 'de000000-0000-4000-8001-000000000001';
const COLLAB_EVERY = 10;
const COLLAB_TIMEOUT_MS = 15_000;
const HTTP_TIMEOUT_MS = 30_000;
const SEARCH_TERMS = [
	'insertion',
	'clause sociale',
	'réemploi',
	'bio',
	'énergie',
	'nettoyage',
	'restauration',
	'papier',
	'handicap',
	'circuit court'
];
const BASE_PAGES = [
	'/collectivites',
	'/guichet',
	'/ressources',
	'/evenements',
	'/indicateurs',
	'/reseaux',
	`/reseaux/${NETWORK_SLUG}`
];

type Kind = 'page' | 'search' | 'slots' | 'book' | 'cancel' | 'collab';
const KINDS: Kind[] = ['page', 'search', 'slots', 'book', 'cancel', 'collab'];

// Deterministic pseudo-random numbers (mulberry32), so that runs draw the same mix.
function rng(seed: number) {
	return () => {
		seed = (seed + 0x6d2b79f5) | 0;
		let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
		t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP (node:http with a keep-alive agent per instance: lighter than fetch for hundreds of loops in one process)
// ---------------------------------------------------------------------------------------------------------------
interface Instance {
	label: string;
	url: string;
	port: number;
	pid: number;
	agent: Agent;
	stop: () => Promise<void>;
}

interface Res {
	status: number; // 0 = network error or time-out
	body: string;
	error?: string;
}

function http(
	inst: Instance,
	method: string,
	path: string,
	headers: Record<string, string>,
	body?: string
): Promise<Res> {
	return new Promise((resolve) => {
		const req = httpRequest(
			{
				host: '127.0.0.1',
				port: inst.port,
				method,
				path,
				agent: inst.agent,
				headers: body ? { ...headers, 'content-length': Buffer.byteLength(body) } : headers
			},
			(res) => {
				const chunks: Buffer[] = [];
				res.on('data', (c: Buffer) => chunks.push(c));
				res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
				res.on('error', (e) => resolve({ status: 0, body: '', error: String(e) }));
			}
		);
		req.setTimeout(HTTP_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
		req.on('error', (e) => resolve({ status: 0, body: '', error: String(e) }));
		if (body) req.write(body);
		req.end();
	});
}

// ---------------------------------------------------------------------------------------------------------------
// Recording
// ---------------------------------------------------------------------------------------------------------------
class Recorder {
	recording = false;
	lat: Record<Kind, number[]> = { page: [], search: [], slots: [], book: [], cancel: [], collab: [] };
	errors: Record<Kind, number> = { page: 0, search: 0, slots: 0, book: 0, cancel: 0, collab: 0 };
	expected409 = 0;
	errorSamples: string[] = [];
	ok(kind: Kind, ms: number) {
		if (this.recording) this.lat[kind].push(ms);
	}
	fail(kind: Kind, what: string) {
		if (!this.recording) return;
		this.errors[kind]++;
		if (this.errorSamples.length < 8) this.errorSamples.push(`${kind}: ${what}`);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Collaboration clients
// ---------------------------------------------------------------------------------------------------------------
function wsClass(origin: string, cookie: string) {
	return class extends WebSocket {
		constructor(url: string | URL, protocols?: string | string[]) {
			super(url, protocols, { origin, headers: { cookie } });
		}
	} as unknown as typeof globalThis.WebSocket;
}

interface CollabClient {
	doc: Y.Doc;
	provider: WebsocketProvider;
}

async function connectCollab(inst: Instance, cookie: string): Promise<CollabClient> {
	const doc = new Y.Doc();
	const provider = new WebsocketProvider(`ws://127.0.0.1:${inst.port}/collab`, SPASER_ID, doc, {
		WebSocketPolyfill: wsClass(inst.url, cookie),
		disableBc: true,
		maxBackoffTime: 2000
	});
	const deadline = Date.now() + 30_000;
	while (!provider.synced) {
		if (Date.now() > deadline) throw new Error(`${inst.label}: collab client did not sync`);
		await sleep(20);
	}
	return { doc, provider };
}

function closeCollab(c: CollabClient) {
	c.provider.destroy();
	c.doc.destroy();
}

const titleOf = (doc: Y.Doc, nodeId: string) => {
	const t = (doc.getMap('nodes').get(nodeId) as Y.Map<unknown> | undefined)?.get('title');
	return t instanceof Y.Text ? t : null;
};

/**
 * Edits are "received" when every observer (one per running instance, observer i on instance i) holds the marker
 * in the node title. Each observer's own delay is also kept: on the writer's instance ("local") or on the other
 * one ("relayed", i.e. through the store + LISTEN/NOTIFY).
 */
class Observers {
	clients: CollabClient[] = [];
	pending = new Map<
		string,
		{ nodeId: string; t0: number; writerInstance: number; left: Set<number>; done: () => void }
	>();
	local: number[] = [];
	relayed: number[] = [];
	recording = false;
	add(c: CollabClient) {
		const idx = this.clients.push(c) - 1;
		c.doc.on('update', () => {
			for (const [marker, p] of this.pending) {
				if (p.left.has(idx) && titleOf(c.doc, p.nodeId)?.toString().includes(marker)) {
					p.left.delete(idx);
					if (this.recording) (idx === p.writerInstance ? this.local : this.relayed).push(performance.now() - p.t0);
					if (!p.left.size) {
						this.pending.delete(marker);
						p.done();
					}
				}
			}
		});
	}
	/** Call right before the edit. Resolves true when all observers have `marker`, false after the time-out. */
	wait(marker: string, nodeId: string, writerInstance: number): Promise<boolean> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.pending.delete(marker);
				resolve(false);
			}, COLLAB_TIMEOUT_MS);
			this.pending.set(marker, {
				nodeId,
				t0: performance.now(),
				writerInstance,
				left: new Set(this.clients.map((_, i) => i)),
				done: () => {
					clearTimeout(timer);
					resolve(true);
				}
			});
		});
	}
	closeAll() {
		for (const c of this.clients) closeCollab(c);
		this.clients = [];
		this.pending.clear();
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Virtual users
// ---------------------------------------------------------------------------------------------------------------
interface Account {
	email: string;
	userId: string;
	token: string; // API token (read, write)
	spaserWriter: boolean;
	orgSlug: string;
}
interface Vu {
	index: number;
	account: Account;
	cookie: string;
	pages: string[];
	collab: boolean;
}

let markerSeq = 0;

async function vuLoop(
	vu: Vu,
	inst: Instance,
	instIndex: number,
	rec: Recorder,
	observers: Observers,
	nodeIds: string[],
	until: () => boolean
): Promise<void> {
	const rand = rng(1000 + vu.index);
	const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
	const html = { cookie: vu.cookie, accept: 'text/html' };
	const api = { authorization: `Bearer ${vu.account.token}`, accept: 'application/json' };
	let collab: CollabClient | null = null;
	let myMarker: string | null = null;
	const nodeId = nodeIds[Math.floor(vu.index / COLLAB_EVERY) % Math.max(1, nodeIds.length)];
	if (vu.collab) {
		try {
			collab = await connectCollab(inst, vu.cookie);
		} catch (e) {
			rec.fail('collab', String(e));
		}
	}
	const timed = async (
		kind: Kind,
		method: string,
		path: string,
		headers: Record<string, string>,
		body?: string,
		expect: number[] = [200]
	) => {
		const t0 = performance.now();
		const r = await http(inst, method, path, headers, body);
		const ms = performance.now() - t0;
		if (expect.includes(r.status)) rec.ok(kind, ms);
		else if (r.status === 409 && (kind === 'book' || kind === 'cancel')) {
			rec.ok(kind, ms);
			if (rec.recording) rec.expected409++;
		} else rec.fail(kind, `${method} ${path} → ${r.status || r.error} ${r.body.slice(0, 160).replace(/\s+/g, ' ')}`);
		return r;
	};
	try {
		while (!until()) {
			const x = rand();
			if (vu.collab) {
				if (x < 0.5 && collab && nodeId) {
					const title = titleOf(collab.doc, nodeId);
					if (!title) {
						rec.fail('collab', `node ${nodeId} has no title`);
						await sleep(100);
						continue;
					}
					const marker = ` [vu${vu.index}-${++markerSeq}]`;
					const t0 = performance.now();
					const seen = observers.wait(marker, nodeId, instIndex);
					collab.doc.transact(() => {
						const s = title.toString();
						const at = myMarker ? s.indexOf(myMarker) : -1;
						if (at >= 0) title.delete(at, myMarker!.length);
						title.insert(title.length, marker);
					});
					myMarker = marker;
					if (await seen) rec.ok('collab', performance.now() - t0);
					else rec.fail('collab', `edit not received by every instance within ${COLLAB_TIMEOUT_MS} ms`);
				} else await timed('page', 'GET', pick(vu.pages), html);
				continue;
			}
			if (x < 0.6) await timed('page', 'GET', pick(vu.pages), html);
			else if (x < 0.85) await timed('search', 'GET', `/ressources?q=${encodeURIComponent(pick(SEARCH_TERMS))}`, html);
			else {
				// A random day 2–100 days ahead, 24 h window
				const day = new Date(Date.now() + (2 + Math.floor(rand() * 98)) * 86_400_000);
				day.setUTCHours(0, 0, 0, 0);
				const to = new Date(day.getTime() + 86_400_000);
				const r = await timed(
					'slots',
					'GET',
					`/api/v1/networks/${NETWORK_ID}/guichet/slots?from=${encodeURIComponent(day.toISOString())}&to=${encodeURIComponent(to.toISOString())}`,
					api
				);
				if (r.status !== 200) continue;
				const slots = (JSON.parse(r.body) as { items: { start: string }[] }).items;
				if (!slots.length) continue;
				const body = JSON.stringify({
					animatorId: 'any',
					start: pick(slots).start,
					modality: 'telephone',
					topic: 'Clauses sociales (test de charge)',
					stage: 'redaction_dce',
					question: 'Comment rédiger la clause d’insertion de ce marché ?'
				});
				const b = await timed(
					'book',
					'POST',
					`/api/v1/networks/${NETWORK_ID}/guichet/bookings`,
					{ ...api, 'content-type': 'application/json' },
					body,
					[201]
				);
				if (b.status !== 201) continue;
				const id = (JSON.parse(b.body) as { id: string }).id;
				await timed(
					'cancel',
					'POST',
					`/api/v1/guichet/bookings/${id}/cancel`,
					{ ...api, 'content-type': 'application/json' },
					JSON.stringify({ reason: 'Test de charge : créneau libéré.' })
				);
			}
		}
	} finally {
		if (collab) closeCollab(collab);
	}
}

// ---------------------------------------------------------------------------------------------------------------
// Memory sampling
// ---------------------------------------------------------------------------------------------------------------
function rssOf(pid: number): number {
	try {
		const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
		return m ? Number(m[1]) / 1024 : NaN;
	} catch {
		return NaN;
	}
}

// ---------------------------------------------------------------------------------------------------------------
// One run
// ---------------------------------------------------------------------------------------------------------------
interface RunResult {
	instances: number;
	users: number;
	seconds: number;
	ops: number;
	errors: number;
	expected409: number;
	opsPerSec: number;
	p50: number;
	p95: number;
	perKind: Record<Kind, { n: number; p50: number; p95: number; errors: number }>;
	rssMax: number[];
	errorSamples: string[];
	/** Delay of one edit to the observer on the writer's instance / on the other instance (p50, p95, ms). */
	collabLocal: [number, number];
	collabRelayed: [number, number];
}

async function run(instances: Instance[], vus: Vu[], observerCookie: string): Promise<RunResult> {
	const rec = new Recorder();
	const observers = new Observers();
	for (const inst of instances) observers.add(await connectCollab(inst, observerCookie));
	const nodeIds = [...(observers.clients[0].doc.getMap('nodes') as Y.Map<unknown>).keys()].sort();
	if (!nodeIds.length) throw new Error('the demo SPASER has no node to edit');

	const rssMax = instances.map(() => 0);
	const sampler = setInterval(() => {
		instances.forEach((inst, i) => {
			const v = rssOf(inst.pid);
			if (v > rssMax[i]) rssMax[i] = v;
		});
	}, 500);

	const end = Date.now() + (WARMUP + SECONDS) * 1000;
	let started: number | null = null;
	const startTimer = setTimeout(() => {
		rec.recording = true;
		observers.recording = true;
		started = performance.now();
		instances.forEach((_, i) => (rssMax[i] = 0));
	}, WARMUP * 1000);
	let stoppedAt: number | null = null;
	const stopTimer = setTimeout(
		() => {
			rec.recording = false;
			observers.recording = false;
			stoppedAt = performance.now();
		},
		WARMUP * 1000 + SECONDS * 1000
	);
	const until = () => Date.now() >= end;
	await Promise.all(
		vus.map((vu, i) =>
			vuLoop(vu, instances[i % instances.length], i % instances.length, rec, observers, nodeIds, until)
		)
	);
	clearTimeout(startTimer);
	clearTimeout(stopTimer);
	clearInterval(sampler);
	observers.closeAll();
	const seconds = ((stoppedAt ?? performance.now()) - (started ?? performance.now())) / 1000;

	const all = KINDS.flatMap((k) => rec.lat[k]);
	const errors = KINDS.reduce((s, k) => s + rec.errors[k], 0);
	const perKind = Object.fromEntries(
		KINDS.map((k) => [
			k,
			{
				n: rec.lat[k].length,
				p50: round(percentile(rec.lat[k], 50)),
				p95: round(percentile(rec.lat[k], 95)),
				errors: rec.errors[k]
			}
		])
	) as RunResult['perKind'];
	return {
		instances: instances.length,
		users: vus.length,
		seconds,
		ops: all.length + errors,
		errors,
		expected409: rec.expected409,
		opsPerSec: all.length / seconds,
		p50: round(percentile(all, 50)),
		p95: round(percentile(all, 95)),
		perKind,
		rssMax: rssMax.map((v) => Math.round(v)),
		errorSamples: rec.errorSamples,
		collabLocal: [round(percentile(observers.local, 50)), round(percentile(observers.local, 95))],
		collabRelayed: [round(percentile(observers.relayed, 50)), round(percentile(observers.relayed, 95))]
	};
}

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------
async function main() {
	buildApp();
	const maxUsers = Math.max(...USERS);
	// y-websocket adds a process 'exit' listener per provider.
	process.setMaxListeners(maxUsers + 20);
	console.log(
		`bench load: mixed load (pages, searches, Guichet bookings, collab edits), ${USERS.join(' and ')} users × 1 and 2 instances, ` +
			`${WARMUP} s warm-up + ${SECONDS} s each; node ${process.version}; ${cpus().length} CPU(s) shared by the load generator, ` +
			`the instances and PostgreSQL (and other work: load average ${loadavg()
				.map((l) => l.toFixed(1))
				.join(' ')})`
	);
	const cleanups: (() => Promise<void>)[] = [];
	try {
		const pg = await startTempPostgres({ fsync: process.env.BENCH_PG_FSYNC === '1' });
		cleanups.push(pg.stop);
		const env = {
			DATABASE_URL: pg.url,
			DEMO_DATA: '1',
			LOG_REQUESTS: '0'
		};
		const start = async (label: string, cpu: number): Promise<Instance> => {
			const app = await startApp({ env, label });
			cleanups.push(app.stop);
			let pinned = '';
			if (PIN) {
				// Every thread of the instance on one CPU: like one 1-vCPU container per instance.
				const r = spawnSync('taskset', ['-a', '-pc', String(cpu % cpus().length), String(app.pid)], {
					encoding: 'utf8'
				});
				if (r.status !== 0) throw new Error(`taskset failed: ${r.stderr || r.error}`);
				pinned = `, pinned to CPU ${cpu % cpus().length}`;
			}
			console.log(`${label}: ready in ${app.startupMs} ms (${app.url}, pid ${app.pid}${pinned})`);
			return {
				label,
				url: app.url,
				port: app.port,
				pid: app.pid,
				agent: new Agent({ keepAlive: true, maxSockets: Infinity }),
				stop: app.stop
			};
		};
		const a = await start('instance A', 0);

		// Accounts: admins and editors of the collectivités that are approved members of the demo network.
		const db = openPostgres(pg.url, { max: 2 });
		cleanups.push(() => db.close());
		const rows = await db.query<{ id: string; email: string; org_id: string; role: string; slug: string }>(
			`select u.id, u.email, m.org_id, m.role, o.slug from public.users u
			   join public.organisation_members m on m.user_id = u.id
			   join public.organisations o on o.id = m.org_id
			   join public.network_memberships nm on nm.org_id = m.org_id and nm.network_id = $1 and nm.status = 'approved'
			  where m.role in ('admin', 'editor') and u.email like '%@demo.spaser.test'
			  order by u.email`,
			[NETWORK_ID]
		);
		const byUser = new Map<string, Account>();
		for (const r of rows) {
			const acc = byUser.get(r.id) ?? { email: r.email, userId: r.id, token: '', spaserWriter: false, orgSlug: r.slug };
			if (r.org_id === SPASER_ORG) acc.spaserWriter = true;
			byUser.set(r.id, acc);
		}
		const accounts = [...byUser.values()];
		for (const acc of accounts)
			acc.token = (
				await createApiToken(db, { id: acc.userId }, { name: 'bench load', scopes: ['read', 'write'] })
			).token;
		const writers = accounts.filter((x) => x.spaserWriter);
		if (!writers.length) throw new Error('no editor of the demo SPASER among the accounts');
		console.log(
			`accounts: ${accounts.length} admins/editors of member collectivités (${writers.map((w) => w.email).join(', ')} edit the demo SPASER)`
		);

		// The animator opens the Guichet through the API.
		const [anim] = await db.query<{ id: string }>(
			`select id from public.users where email = 'animatrice@demo.spaser.test'`
		);
		const animToken = (await createApiToken(db, { id: anim.id }, { name: 'bench load', scopes: ['read', 'write'] }))
			.token;
		const avail = await http(
			a,
			'PUT',
			`/api/v1/networks/${NETWORK_ID}/guichet/availability`,
			{ authorization: `Bearer ${animToken}`, 'content-type': 'application/json', accept: 'application/json' },
			JSON.stringify({
				profile: {
					sessionMinutes: 30,
					bufferBeforeMinutes: 0,
					bufferAfterMinutes: 0,
					minNoticeMinutes: 60,
					horizonDays: 120,
					maxPerDay: null,
					slotStepMinutes: 30,
					modalities: ['telephone', 'visio'],
					visioUrl: 'https://visio.demo.spaser.test/guichet',
					phone: '05 00 00 00 02',
					address: null,
					topics: ['Clauses sociales', 'SPASER'],
					confirmationMode: 'auto',
					active: true
				},
				weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '07:00', end: '21:00' }))
			})
		);
		if (avail.status !== 200) throw new Error(`PUT availability → ${avail.status} ${avail.body.slice(0, 300)}`);

		// Virtual users: one session each, through the login form (4 logins at a time).
		const t = Date.now();
		const vus: Vu[] = [];
		const plain = accounts;
		for (let i = 0; i < maxUsers; i++) {
			const collab = i % COLLAB_EVERY === 0;
			const account = collab ? writers[(i / COLLAB_EVERY) % writers.length] : plain[i % plain.length];
			vus.push({ index: i, account, cookie: '', pages: [], collab });
		}
		for (let i = 0; i < vus.length; i += 4)
			await Promise.all(
				vus.slice(i, i + 4).map(async (vu) => (vu.cookie = await loginCookie(a.url, vu.account.email, DEMO_PASSWORD)))
			);
		const observerCookie = await loginCookie(a.url, writers[0].email, DEMO_PASSWORD);
		console.log(`sessions: ${vus.length} logins through POST /connexion in ${((Date.now() - t) / 1000).toFixed(1)} s`);

		// Pages per account: the base pages must answer 200; the demo SPASER's page for its collectivité's members.
		const pagesOf = new Map<string, string[]>();
		for (const vu of vus) {
			if (pagesOf.has(vu.account.userId)) continue;
			const pages = [
				...BASE_PAGES,
				`/collectivites/${vu.account.orgSlug}`,
				...(vu.account.spaserWriter ? [`/spaser/${SPASER_ID}`] : [])
			];
			for (const p of pages) {
				const r = await http(a, 'GET', p, { cookie: vu.cookie, accept: 'text/html' });
				if (r.status !== 200) throw new Error(`GET ${p} as ${vu.account.email} → ${r.status}`);
			}
			pagesOf.set(vu.account.userId, pages);
		}
		for (const vu of vus) vu.pages = pagesOf.get(vu.account.userId)!;
		console.log(`pages checked (200): ${[...BASE_PAGES, '/collectivites/<own>', `/spaser/${SPASER_ID}`].join(' ')}`);

		const results: RunResult[] = [];
		const report = (r: RunResult) => {
			console.log(
				`${r.instances} instance(s), ${r.users} users: ${round(r.opsPerSec)} ops/s over ${round(r.seconds)} s, p50 ${r.p50} ms, p95 ${r.p95} ms, ` +
					`errors ${r.errors}/${r.ops}, expected 409 ${r.expected409}, max RSS ${r.rssMax.join(' + ')} MiB; ` +
					KINDS.map((k) => `${k} ${r.perKind[k].n} (p95 ${r.perKind[k].p95} ms)`).join(', ')
			);
			console.log(
				`  collab edit seen on the writer's instance: p50 ${r.collabLocal[0]} ms, p95 ${r.collabLocal[1]} ms` +
					(r.instances > 1
						? `; on the other instance (relayed): p50 ${r.collabRelayed[0]} ms, p95 ${r.collabRelayed[1]} ms`
						: '')
			);
			for (const s of r.errorSamples) console.log(`  error sample: ${s}`);
		};
		for (const n of USERS) {
			results.push(await run([a], vus.slice(0, n), observerCookie));
			report(results.at(-1)!);
		}
		const b = await start('instance B', 1);
		for (const n of USERS) {
			results.push(await run([a, b], vus.slice(0, n), observerCookie));
			report(results.at(-1)!);
		}

		console.log('');
		console.log(
			table(
				[
					'instances',
					'users',
					'ops/s',
					'p50 ms',
					'p95 ms',
					...KINDS.map((k) => `${k} p95`),
					'relayed p95',
					'ops',
					'errors',
					'err %',
					'409 ok',
					'max RSS MiB'
				],
				results.map((r) => [
					r.instances,
					r.users,
					round(r.opsPerSec),
					r.p50,
					r.p95,
					...KINDS.map((k) => (r.perKind[k].n ? r.perKind[k].p95 : '-')),
					r.instances > 1 ? r.collabRelayed[1] : '-',
					r.ops,
					r.errors,
					round((100 * r.errors) / Math.max(1, r.ops), 2),
					r.expected409,
					r.rssMax.join(' + ')
				])
			)
		);
		console.log('');
		console.log(
			table(
				[
					'op kind',
					...results.map((r) => `${r.instances}i/${r.users}u n`),
					...results.map((r) => `${r.instances}i/${r.users}u p50`)
				],
				KINDS.map((k) => [k, ...results.map((r) => r.perKind[k].n), ...results.map((r) => r.perKind[k].p50)])
			)
		);
		console.log('');
		const find = (inst: number, users: number) => results.find((r) => r.instances === inst && r.users === users);
		for (const n of USERS) {
			const one = find(1, n)!;
			const two = find(2, n)!;
			console.log(
				`ratio 2 instances / 1 at ${n} users: ops/s ×${round(two.opsPerSec / one.opsPerSec, 2)}, p95 ×${round(two.p95 / one.p95, 2)}, ` +
					`RSS per instance ${two.rssMax.join(' / ')} vs ${one.rssMax[0]} MiB`
			);
		}
		console.log(
			`note: ${cpus().length} CPU(s) shared by the generator, the instance(s) and PostgreSQL (load average now ${loadavg()
				.map((l) => l.toFixed(1))
				.join(
					' '
				)}): a second instance adds no CPU here, so the ratio shows its overhead or gain on this box, not scale-out on separate machines.`
		);

		const totalOps = results.reduce((s, r) => s + r.ops, 0);
		const totalErr = results.reduce((s, r) => s + r.errors, 0);
		const errorRate = totalErr / Math.max(1, totalOps);
		const top = Math.max(...USERS);
		const rss = Math.max(...results.flatMap((r) => r.rssMax));
		const code = errorRate > MAX_ERROR_RATE || results.some((r) => r.opsPerSec === 0) ? 1 : 0;
		if (code)
			console.error(
				`bench load FAILED: error rate ${round(errorRate * 100, 2)} % > ${MAX_ERROR_RATE * 100} % or a run without successful op`
			);
		console.log(
			`RESULT rps_1=${round(find(1, top)!.opsPerSec)} rps_2=${round(find(2, top)!.opsPerSec)} p95_ms_1=${find(1, top)!.p95} p95_ms_2=${find(2, top)!.p95} ` +
				`error_rate=${round(errorRate, 5)} rss_mb=${rss}${PIN ? ' pinned=1' : ''}`
		);
		process.exitCode = code;
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

await main();
process.exit(process.exitCode ?? 0);
