// Collaboration server benchmark: `npm run bench -- collab` (or `npx tsx bench/collab.ts`).
//
// Compares OUR server (src/lib/server/collab: auth stub at the upgrade, every update inserted into PostgreSQL 15
// before it is broadcast; "ours-async": the same with synchronous_commit off, see persistence.ts) with the stock `@y/websocket-server` 0.1.1 (`setupWSConnection`, in memory), both in
// a child process of their own, driven by the same stock `y-websocket` clients from this process:
//   - latency: one client edits (Y.Array push), time until ALL the other clients have it; p50/p95 over many
//     sequential edits, editor rotating, with 2, 10 and 50 clients on one document, in 3 interleaved rounds;
//   - throughput: every client pushes its share of 1000 edits as fast as it can; edits/s until every client
//     holds all of them;
//   - memory per open document (ours): 200 stored documents (20 nodes each) loaded, heap/rss delta after GC;
//   - load time of a 500-node document (ours): cold load + first sync of a client, from the update log
//     (500 rows, the worst case before compaction) and from a snapshot.
// Also printed: the INSERT round trip of each of our servers (p50/p95), i.e. the part of our latency that the
// stock in-memory server does not pay.
// Last line: RESULT p95_ratio_2=… p95_ratio_10=… p95_ratio_50=… p95_ms_ours_50=… mem_kb_per_doc=… load_ms_500_nodes=…
//
// Env: BENCH_PG_FSYNC=0 to run PostgreSQL without fsync (default: fsync on, as in production).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import WebSocket, { WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { percentile, round, table } from './lib/stats.js';
import { startTempPostgres, createDatabase } from '../scripts/lib/pg-temp.js';

const ORIGIN = 'http://bench.local';
const SELF = fileURLToPath(import.meta.url);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

// ---------------------------------------------------------------------------------------------------------------
// Child processes: one server each
// ---------------------------------------------------------------------------------------------------------------
async function runChild(kind: 'ours' | 'stock') {
	// kind 'ours' with BENCH_SYNC_COMMIT=0: synchronous_commit off for the inserts (see persistence.ts)
	let onUpgrade: (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void;
	let stats: () => unknown = () => ({});
	if (kind === 'ours') {
		const { openPostgres } = await import('../src/lib/server/db/postgres');
		const { createCollabServer } = await import('../src/lib/server/collab/server');
		const pool = openPostgres(process.env.DATABASE_URL!, { max: 10 });
		// Round trip of every autocommit statement (the log append; the rest goes through transactions), so that
		// the output says how much of our latency is the durable INSERT itself. Costs a performance.now() pair.
		const storeMs: number[] = [];
		const db: typeof pool = {
			...pool,
			async query(text, params) {
				const t0 = performance.now();
				try {
					return await pool.query(text, params);
				} finally {
					if (text.includes('insert into public.collab_updates')) storeMs.push(performance.now() - t0);
				}
			}
		};
		const collab = createCollabServer({
			db,
			// Auth stub: the bench measures the data path; the real authenticate/authorize run once per upgrade.
			authenticate: async (req) => {
				const id = new URL(req.url ?? '/', 'http://x').searchParams.get('user');
				return id ? { userId: id, name: 'Bench' } : null;
			},
			authorize: async () => 'write',
			allowedOrigins: [ORIGIN],
			synchronousCommit: process.env.BENCH_SYNC_COMMIT !== '0',
			limits: { maxClientsPerDoc: 500, idleUnloadMs: 600_000 }
		});
		onUpgrade = (req, socket, head) => void collab.handleUpgrade(req, socket, head);
		stats = () => ({
			...collab.stats(),
			storeP50: percentile(storeMs, 50),
			storeP95: percentile(storeMs, 95),
			storeCount: storeMs.length
		});
	} else {
		const { setupWSConnection, docs } = await import('@y/websocket-server/utils');
		const wss = new WebSocketServer({ noServer: true });
		onUpgrade = (req, socket, head) =>
			wss.handleUpgrade(req, socket, head, (ws) => setupWSConnection(ws, req, { docName: (req.url ?? '').split('?')[0] }));
		stats = () => ({ docsLoaded: docs.size });
	}
	const http = createServer((req, res) => {
		if (req.url === '/gc') {
			const g = (globalThis as { gc?: () => void }).gc;
			g?.();
			g?.();
		}
		res.setHeader('content-type', 'application/json');
		res.end(JSON.stringify({ mem: process.memoryUsage(), stats: stats() }));
	});
	http.on('upgrade', onUpgrade);
	http.listen(0, '127.0.0.1', () => process.stdout.write(`LISTENING ${(http.address() as AddressInfo).port}\n`));
}

interface Server {
	kind: 'ours' | 'stock';
	label: string;
	proc: ChildProcess;
	port: number;
	base: string;
	info(path?: string): Promise<{ mem: NodeJS.MemoryUsage; stats: Record<string, number> }>;
	stop(): Promise<void>;
}

function startServer(kind: 'ours' | 'stock', label: string, env: Record<string, string>): Promise<Server> {
	return new Promise((resolve, reject) => {
		const proc = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SELF, '--child', kind], {
			env: { ...process.env, LOG_LEVEL: 'silent', ...env },
			stdio: ['ignore', 'pipe', 'inherit']
		});
		let out = '';
		proc.stdout!.on('data', (d: Buffer) => {
			out += d.toString();
			const m = /LISTENING (\d+)/.exec(out);
			if (!m) return;
			const port = Number(m[1]);
			out = '';
			resolve({
				kind,
				label,
				proc,
				port,
				base: `ws://127.0.0.1:${port}/collab`,
				async info(path = '/stats') {
					const r = await fetch(`http://127.0.0.1:${port}${path}`);
					return (await r.json()) as { mem: NodeJS.MemoryUsage; stats: Record<string, number> };
				},
				stop: () =>
					new Promise<void>((res) => {
						if (proc.exitCode !== null) return res();
						proc.once('exit', () => res());
						proc.kill('SIGKILL');
					})
			});
		});
		proc.once('exit', (code) => reject(new Error(`${kind} server exited (${code})`)));
	});
}

// ---------------------------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------------------------
class OriginWS extends WebSocket {
	constructor(url: string | URL, protocols?: string | string[]) {
		super(url, protocols, { origin: ORIGIN });
	}
}

interface Client {
	doc: Y.Doc;
	provider: WebsocketProvider;
}

async function connectMany(base: string, docId: string, n: number): Promise<Client[]> {
	const clients: Client[] = [];
	for (let i = 0; i < n; i++) {
		const doc = new Y.Doc();
		const provider = new WebsocketProvider(base, docId, doc, {
			WebSocketPolyfill: OriginWS as unknown as typeof globalThis.WebSocket,
			params: { user: randomUUID() },
			disableBc: true
		});
		clients.push({ doc, provider });
	}
	const deadline = Date.now() + 30_000;
	while (!clients.every((c) => c.provider.synced)) {
		if (Date.now() > deadline) throw new Error('clients did not sync');
		await sleep(5);
	}
	return clients;
}

function destroyAll(clients: Client[]) {
	for (const c of clients) {
		c.provider.destroy();
		c.doc.destroy();
	}
}

/** Sequential edits, editor rotating; per edit: time until every other client has it. */
async function latency(server: Server, n: number, edits: number, warmup = 20): Promise<number[]> {
	const clients = await connectMany(server.base, randomUUID(), n);
	let current: { id: number; editor: number; t0: number; remaining: number; done: (ms: number) => void } | null = null;
	clients.forEach((c, idx) => {
		c.doc.getArray<number>('e').observe((ev) => {
			const cur = current;
			if (!cur || idx === cur.editor) return;
			for (const d of ev.changes.delta) {
				if (d.insert && (d.insert as number[]).includes(cur.id) && --cur.remaining === 0) cur.done(now() - cur.t0);
			}
		});
	});
	const samples: number[] = [];
	for (let i = 0; i < warmup + edits; i++) {
		const editor = i % n;
		const ms = await new Promise<number>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`edit ${i} not received by everyone`)), 20_000);
			current = {
				id: i,
				editor,
				t0: now(),
				remaining: n - 1,
				done: (v) => {
					clearTimeout(timer);
					resolve(v);
				}
			};
			clients[editor].doc.getArray<number>('e').push([i]);
		});
		current = null;
		if (i >= warmup) samples.push(ms);
	}
	destroyAll(clients);
	return samples;
}

/** Every client pushes its share of `total` edits as fast as it can; edits/s until everyone has everything. */
async function throughput(server: Server, n: number, total = 1000): Promise<number> {
	const clients = await connectMany(server.base, randomUUID(), n);
	const per = Math.ceil(total / n);
	const expected = per * n;
	const t0 = now();
	for (let k = 0; k < per; k++) {
		for (const c of clients) c.doc.getArray<number>('e').push([k]);
		if (k % 10 === 9) await new Promise((r) => setImmediate(r));
	}
	const deadline = Date.now() + 120_000;
	while (!clients.every((c) => c.doc.getArray('e').length === expected)) {
		if (Date.now() > deadline) throw new Error('throughput run did not converge');
		await sleep(2);
	}
	const secs = (now() - t0) / 1000;
	destroyAll(clients);
	return expected / secs;
}

/** A SPASER-like document: `nodes` entries of a Y.Map, each a Y.Map with a Y.Text title and an XmlFragment body. */
function buildDoc(nodes: number, onUpdate?: (u: Uint8Array) => void): Y.Doc {
	const doc = new Y.Doc();
	if (onUpdate) doc.on('update', onUpdate);
	const map = doc.getMap('nodes');
	for (let i = 0; i < nodes; i++) {
		doc.transact(() => {
			const node = new Y.Map<unknown>();
			node.set('title', new Y.Text(`Action ${i + 1} — achats responsables et clauses sociales`));
			const body = new Y.XmlFragment();
			const p = new Y.XmlElement('paragraph');
			p.insert(0, [
				new Y.XmlText(
					`Description de l'action ${i + 1} : intégrer des critères environnementaux dans les marchés de travaux, ` +
						`suivre les heures d'insertion et publier le bilan chaque année.`
				)
			]);
			body.insert(0, [p]);
			node.set('body', body);
			node.set('kind', 'normal');
			node.set('order', i);
			map.set(`n${i}`, node);
		});
	}
	return doc;
}

function median(xs: number[]) {
	return percentile(xs, 50);
}

// ---------------------------------------------------------------------------------------------------------------
async function main() {
	const started = Date.now();
	process.setMaxListeners(0); // every y-websocket provider adds a process 'exit' listener
	const fsync = process.env.BENCH_PG_FSYNC !== '0';
	const pg = await startTempPostgres({ fsync });
	const servers: Server[] = [];
	try {
		const url = await createDatabase(pg.url, 'bench_collab');
		const { openPostgres } = await import('../src/lib/server/db/postgres');
		const { migrate } = await import('../src/lib/server/db/migrate');
		const db = openPostgres(url, { max: 4 });
		await migrate(db);

		const ours = await startServer('ours', 'ours', { DATABASE_URL: url });
		const oursAsync = await startServer('ours', 'ours-async', { DATABASE_URL: url, BENCH_SYNC_COMMIT: '0' });
		const stock = await startServer('stock', 'stock', {});
		servers.push(ours, oursAsync, stock);
		console.log(`# collab bench — PostgreSQL 15 (fsync ${fsync ? 'on' : 'off'}), Node ${process.version}, clients in this process, each server in its own process`);

		// Latency and throughput at each size. Latency runs in interleaved rounds (stock, ours, ours-async, stock, …)
		// so that the load of the machine weighs the same on every server; samples of the rounds are pooled.
		const sizes = [2, 10, 50];
		const rounds = 3;
		const editsPerRound: Record<number, number> = { 2: 150, 10: 100, 50: 60 };
		const rows: (string | number)[][] = [];
		const p95: Record<string, Record<number, number>> = { ours: {}, 'ours-async': {}, stock: {} };
		const all = [stock, ours, oursAsync];
		for (const n of sizes) {
			const samples = new Map<Server, number[]>(all.map((s) => [s, []]));
			for (let r = 0; r < rounds; r++) {
				for (const s of all) samples.get(s)!.push(...(await latency(s, n, editsPerRound[n], r === 0 ? 20 : 5)));
			}
			for (const s of all) {
				const lat = samples.get(s)!;
				const tput = await throughput(s, n);
				p95[s.label][n] = percentile(lat, 95);
				rows.push([s.label, n, lat.length, round(percentile(lat, 50), 2), round(percentile(lat, 95), 2), round(percentile(lat, 99), 2), Math.round(tput)]);
			}
		}
		console.log('\nLatency: edit → received by ALL other clients (ms); throughput: 1000 edits spread over the clients');
		console.log(table(['server', 'clients', 'edits', 'p50 ms', 'p95 ms', 'p99 ms', 'edits/s'], rows));
		const ratio = (n: number, label = 'ours') => p95[label][n] / p95.stock[n];
		console.log('\nours/stock p95 ratio: ' + sizes.map((n) => `${n} clients ${round(ratio(n), 2)}×`).join(', ') + ' (target ≤ 1.5×)');
		console.log(
			'ours-async/stock p95 ratio (synchronous_commit off): ' + sizes.map((n) => `${n} clients ${round(ratio(n, 'ours-async'), 2)}×`).join(', ')
		);
		const st = await ours.info();
		console.log(`ours: ${st.stats.updatesStored} updates stored in ${st.stats.storeBatches} inserts, ${st.stats.compactions} compactions`);
		for (const s of [ours, oursAsync]) {
			const x = (await s.info()).stats;
			console.log(
				`${s.label}: INSERT round trip (relayed first, acknowledged as saved once stored; latency and throughput runs) ` +
					`p50 ${round(x.storeP50, 2)} ms, p95 ${round(x.storeP95, 2)} ms over ${x.storeCount} inserts`
			);
		}

		// Memory per open document (ours): 200 stored documents, each held open by one raw socket.
		const small = Y.encodeStateAsUpdate(buildDoc(20));
		const memIds = Array.from({ length: 200 }, () => randomUUID());
		for (const id of memIds) {
			await db.query(`insert into public.collab_snapshots (doc_id, state, upto_seq) values ($1, $2, 0)`, [id, small]);
		}
		// Settle: close the bench documents' clients (they stay loaded: idleUnloadMs is long), then GC.
		await sleep(300);
		const before = await ours.info('/gc');
		const sockets: WebSocket[] = [];
		await Promise.all(
			memIds.map(
				(id) =>
					new Promise<void>((resolve, reject) => {
						const ws = new WebSocket(`${ours.base}/${id}?user=${randomUUID()}`, { origin: ORIGIN });
						sockets.push(ws);
						ws.once('message', () => resolve()); // the server's sync step 1: document loaded
						ws.once('error', reject);
					})
			)
		);
		const after = await ours.info('/gc');
		const heapKb = (after.mem.heapUsed - before.mem.heapUsed) / 1024 / memIds.length;
		const rssKb = (after.mem.rss - before.mem.rss) / 1024 / memIds.length;
		const extKb = (after.mem.external + after.mem.arrayBuffers - before.mem.external - before.mem.arrayBuffers) / 1024 / memIds.length;
		console.log(
			`\nMemory per open document (ours; 20-node document of ${small.byteLength} bytes, one connection each): ` +
				`heap ${round(heapKb, 1)} KB, external ${round(extKb, 1)} KB, rss ${round(rssKb, 1)} KB ` +
				`(docs loaded: ${after.stats.docsLoaded})`
		);
		for (const ws of sockets) ws.terminate();

		// Load time of a 500-node document: from the update log (500 rows) and from a snapshot.
		const updates: Uint8Array[] = [];
		const big = buildDoc(500, (u) => updates.push(u));
		const bigState = Y.encodeStateAsUpdate(big);
		const expectedTitle = (big.getMap('nodes').get('n499') as Y.Map<Y.Text>).get('title')!.toString();
		async function coldLoad(prepare: (id: string) => Promise<void>) {
			const times: number[] = [];
			for (let r = 0; r < 5; r++) {
				const id = randomUUID();
				await prepare(id);
				const t0 = now();
				const [c] = await connectMany(ours.base, id, 1);
				const ms = now() - t0;
				const title = (c.doc.getMap('nodes').get('n499') as Y.Map<Y.Text> | undefined)?.get('title')?.toString();
				if (c.doc.getMap('nodes').size !== 500 || title !== expectedTitle) throw new Error('500-node document incomplete after first sync');
				destroyAll([c]);
				times.push(ms);
			}
			return times;
		}
		const fromLog = await coldLoad(async (id) => {
			const { appendUpdates } = await import('../src/lib/server/collab/persistence');
			await appendUpdates(db, id, updates.map((u, i) => ({ seq: i + 1, update: u, userId: null })));
		});
		const fromSnapshot = await coldLoad(async (id) => {
			await db.query(`insert into public.collab_snapshots (doc_id, state, upto_seq) values ($1, $2, 0)`, [id, bigState]);
		});
		console.log(
			`\n500-node document (${bigState.byteLength} bytes as one state, ${updates.length} stored updates): ` +
				`cold load + first sync, median of 5: from the update log ${round(median(fromLog), 1)} ms, ` +
				`from a snapshot ${round(median(fromSnapshot), 1)} ms`
		);
		await db.close();
		console.log(`\n(bench took ${round((Date.now() - started) / 1000, 1)} s)`);
		console.log(
			`RESULT p95_ratio_2=${round(ratio(2), 2)} p95_ratio_10=${round(ratio(10), 2)} p95_ratio_50=${round(ratio(50), 2)} ` +
				`p95_ms_ours_50=${round(p95.ours[50], 2)} mem_kb_per_doc=${round(heapKb, 1)} load_ms_500_nodes=${round(median(fromLog), 1)}`
		);
	} finally {
		for (const s of servers) await s.stop();
		await pg.stop();
	}
}

if (process.argv[2] === '--child') {
	runChild(process.argv[3] as 'ours' | 'stock').catch((err) => {
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
