// The collaboration arm of the hostile-tenant bench (issue 14, item 2): one editor of the Val d'Aurence sends
// large Yjs updates over the collaboration websocket (20 × 480 KB over about a minute, plus one 6 MB update),
// while an admin of ANOTHER collectivité (Métropole) loads /collectivites. Measured: that other tenant's page
// p95 without the attack, then during it; ratio = attack p95 / no-attack p95 (target ≤ 2).
//
// `runCollabArm({ engine })` starts the BUILT app (`node server.js`, see ./app.js; build first, e.g. with
// buildApp()) on a fresh embedded PGlite folder or a throwaway PostgreSQL 15 (scripts/lib/pg-temp.js), with the
// demo data, logs both people in through the real form and returns `{ ratio, p95NoAttackMs, p95AttackMs, details }`.
// Used by bench/hostile-collab.ts (both engines alone) and by the combined hostile bench.
//
// The attacker behaves as the issue describes, and as a determined one would: it reconnects whenever the server
// closes it (or answers 429), and sends without waiting for anything. All traffic stays on 127.0.0.1; every loop
// is bounded in time.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { buildApp, loginCookie, ROOT, startAppOn } from './app.js';
import { sleep } from './net.js';
import { percentile, round } from './stats.js';

export type Engine = 'pglite' | 'postgres';

export interface CollabArmResult {
	/** p95 of the other tenant's page during the attack / without it. */
	ratio: number;
	p95NoAttackMs: number;
	p95AttackMs: number;
	details: Record<string, unknown>;
}

const DEMO_PASSWORD = 'Demo-Spaser-2026!';
/** The demo SPASER of the Val d'Aurence (src/lib/server/demo.ts) and one of its editors. */
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const ATTACKER = 'redacteur@demo.spaser.test';
/** Admin of another collectivité (Métropole): the tenant who must not notice the attack. */
const OTHER_TENANT = 'achats.metropole@demo.spaser.test';
const OTHER_PAGE = '/collectivites';

const BASELINE_S = Number(process.env.BENCH_COLLAB_BASELINE_S || 20);
const ATTACK_S = Number(process.env.BENCH_COLLAB_ATTACK_S || 60);
/** Concurrent page loops of the other tenant, each with a short pause between requests. */
const LOOPS = 2;
const THINK_MS = 50;

function syncUpdate(update: Uint8Array): Uint8Array {
	const e = encoding.createEncoder();
	encoding.writeVarUint(e, 0); // sync
	encoding.writeVarUint(e, 2); // update
	encoding.writeVarUint8Array(e, update);
	return encoding.toUint8Array(e);
}

/** `count` successive updates of one text, each about `bytes` long, built before the measurement starts. */
function bigUpdates(count: number, bytes: number, seed: string): Uint8Array[] {
	const d = new Y.Doc();
	const out: Uint8Array[] = [];
	d.on('update', (u: Uint8Array) => out.push(u));
	const t = d.getText(`bench-${seed}`);
	for (let i = 0; i < count; i++)
		t.insert(t.length, (seed + i + ' ').repeat(Math.ceil(bytes / (seed.length + 4))).slice(0, bytes));
	d.destroy();
	return out;
}

/** Loads the other tenant's page in LOOPS closed loops until `until`; latencies (ms) and failures. */
async function measure(url: string, cookie: string, until: number) {
	const lat: number[] = [];
	let errors = 0;
	const loop = async () => {
		while (Date.now() < until) {
			const t0 = performance.now();
			try {
				const r = await fetch(url + OTHER_PAGE, {
					headers: { cookie, accept: 'text/html' },
					signal: AbortSignal.timeout(30_000)
				});
				await r.arrayBuffer();
				if (r.status === 200) lat.push(performance.now() - t0);
				else errors++;
			} catch {
				errors++;
			}
			await sleep(THINK_MS);
		}
	};
	await Promise.all(Array.from({ length: LOOPS }, loop));
	return { lat, errors };
}

interface AttackStats {
	connections: number;
	closes: Record<string, number>;
	refusedUpgrades: Record<string, number>;
	bytesQueued: number;
}

/**
 * One attacking "lane": sends `messages` at `spacingMs` intervals over a websocket of the attacker, opening a new
 * one whenever the server closes it (the unsent rest is sent on the new one), until all are sent or `until`.
 */
async function attackLane(
	url: string,
	cookie: string,
	messages: Uint8Array[],
	spacingMs: number,
	until: number,
	stats: AttackStats
) {
	let next = 0;
	while (next < messages.length && Date.now() < until) {
		const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/collab/${SPASER_ID}`, {
			headers: { cookie, origin: url },
			maxPayload: 64 * 1024 * 1024
		});
		const closed = new Promise<void>((resolve) => {
			ws.on('close', (code) => {
				stats.closes[code] = (stats.closes[code] ?? 0) + 1;
				resolve();
			});
			ws.on('unexpected-response', (_req, res) => {
				stats.refusedUpgrades[res.statusCode ?? 0] = (stats.refusedUpgrades[res.statusCode ?? 0] ?? 0) + 1;
				res.resume();
				resolve();
			});
			ws.on('error', () => resolve());
		});
		const opened = await Promise.race([
			new Promise<boolean>((r) => ws.once('open', () => r(true))),
			closed.then(() => false)
		]);
		if (!opened) {
			ws.terminate();
			await sleep(1000);
			continue;
		}
		stats.connections++;
		ws.on('message', () => {}); // reads what the server sends (its sync step 1 and 2, presence)
		let open = true;
		void closed.then(() => (open = false));
		while (open && next < messages.length && Date.now() < until) {
			ws.send(messages[next]);
			stats.bytesQueued += messages[next].byteLength;
			next++;
			if (next < messages.length) await Promise.race([sleep(spacingMs), closed]);
		}
		// Keep the socket until the end of the attack (what it queued is read as the server allows), or reconnect
		// at once when the server closed it.
		await Promise.race([closed, sleep(Math.max(0, until - Date.now()))]);
		ws.terminate();
	}
}

export async function runCollabArm({ engine }: { engine: Engine }): Promise<CollabArmResult> {
	if (!existsSync(join(ROOT, 'build', 'handler.js'))) buildApp();
	const cleanups: (() => Promise<void> | void)[] = [];
	const env: Record<string, string> = {
		LOG_REQUESTS: '0',
		LOGIN_LIMIT_PER_IP: '1000000',
		LOGIN_LIMIT_PER_ACCOUNT: '1000000'
	};
	try {
		const app = await startAppOn(engine, { env, label: `app (${engine})`, fsync: process.env.BENCH_PG_FSYNC === '1' });
		cleanups.push(app.stop);
		const otherCookie = await loginCookie(app.url, OTHER_TENANT, DEMO_PASSWORD);
		const attackerCookie = await loginCookie(app.url, ATTACKER, DEMO_PASSWORD);

		// Warm-up, then the other tenant alone.
		await measure(app.url, otherCookie, Date.now() + 3_000);
		const base = await measure(app.url, otherCookie, Date.now() + BASELINE_S * 1000);

		// The attack: 20 × 480 KB spread over the attack window, and one 6 MB update at once.
		const small = bigUpdates(20, 480 * 1024, 'a').map(syncUpdate);
		const [big] = bigUpdates(1, 6 * 1024 * 1024, 'b').map(syncUpdate);
		const stats: AttackStats = { connections: 0, closes: {}, refusedUpgrades: {}, bytesQueued: 0 };
		const until = Date.now() + ATTACK_S * 1000;
		const spacing = Math.floor((ATTACK_S * 1000) / 21);
		const [during] = await Promise.all([
			measure(app.url, otherCookie, until),
			attackLane(app.url, attackerCookie, small, spacing, until, stats),
			attackLane(app.url, attackerCookie, [big], 0, until, stats)
		]);

		const p95NoAttackMs = percentile(base.lat, 95);
		const p95AttackMs = percentile(during.lat, 95);
		return {
			ratio: round(p95AttackMs / p95NoAttackMs, 2),
			p95NoAttackMs: round(p95NoAttackMs),
			p95AttackMs: round(p95AttackMs),
			details: {
				engine,
				page: OTHER_PAGE,
				noAttack: {
					samples: base.lat.length,
					errors: base.errors,
					p50Ms: round(percentile(base.lat, 50)),
					maxMs: round(Math.max(...base.lat))
				},
				attack: {
					samples: during.lat.length,
					errors: during.errors,
					p50Ms: round(percentile(during.lat, 50)),
					maxMs: round(Math.max(...during.lat))
				},
				attacker: stats
			}
		};
	} finally {
		for (const c of cleanups.reverse()) await c();
	}
}
