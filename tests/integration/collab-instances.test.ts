// Several app instances on one PostgreSQL 15: each has its own collaboration server and connection pool; they
// relay stored updates and presence to each other through LISTEN/NOTIFY (src/lib/server/collab/server.ts,
// "Relay between instances"). The embedded engine serves a single process, so this runs on Postgres only.
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/lib/pg-temp.js';
import { appendUpdates, compactDoc, loadDoc } from '../../src/lib/server/collab/persistence';
import { migrate } from '../../src/lib/server/db/migrate';
import { openPostgres } from '../../src/lib/server/db/postgres';
import type { Database } from '../../src/lib/server/db/types';
import {
	connectClient,
	savedClock,
	startCollabTestServer,
	synced,
	waitFor,
	type TestClient,
	type TestCollabServer
} from '../helpers/collab-child';
import { sigkill, startChild, startProxy, type Child, type Proxy } from '../helpers/collab-process';
import { engines } from '../helpers/engines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const own = (c: TestClient) => Y.getState(c.doc.store, c.doc.clientID);

async function storedDoc(db: Database, docId: string): Promise<Y.Doc> {
	const st = await loadDoc(db, docId);
	const d = new Y.Doc();
	if (st.snapshot) Y.applyUpdate(d, st.snapshot);
	for (const u of st.updates) Y.applyUpdate(d, u);
	return d;
}

// Runs in every full run (both engines); only a local TEST_ENGINES=pglite loop leaves it out.
describe.runIf(engines.includes('postgres'))('collaboration across several instances on one PostgreSQL', () => {
	const pools: Database[] = [];
	const servers: TestCollabServer[] = [];
	const clients: TestClient[] = [];
	const children: Child[] = [];
	const proxies: Proxy[] = [];
	let url: string;

	async function pool() {
		const db = openPostgres(url, { max: 4 });
		pools.push(db);
		return db;
	}
	async function instance(db: Database, limits = {}) {
		const s = await startCollabTestServer(db, { limits });
		servers.push(s);
		return s;
	}
	function client(base: string, docId: string, user: { id: string; name: string }) {
		const c = connectClient(base, docId, user);
		clients.push(c);
		return c;
	}

	afterEach(async () => {
		for (const c of clients.splice(0)) c.destroy();
		for (const s of servers.splice(0)) await s.stop();
		for (const ch of children.splice(0)) await sigkill(ch);
		for (const p of proxies.splice(0)) await p.close();
	});
	afterAll(async () => {
		for (const p of pools) await p.close();
	});

	it(
		'clients on two instances edit one document together: text, presence, large updates, concurrent writes, compaction',
		{ timeout: 60_000 },
		async () => {
			url = await createDatabase(inject('pgUrl'), `t_instances_${process.pid}_${Date.now().toString(36)}`);
			const first = await pool();
			await migrate(first);
			const dbA = first;
			const dbB = await pool();
			const A = await instance(dbA, { compactAfterUpdates: 40 });
			const B = await instance(dbB, { compactAfterUpdates: 40 });
			const docId = randomUUID();
			const alice = randomUUID();
			const bruno = randomUUID();
			for (const s of [A, B]) s.rights.set(alice, 'write').set(bruno, 'write');
			const a = client(A.base, docId, { id: alice, name: 'Alice Martin' });
			const b = client(B.base, docId, { id: bruno, name: 'Bruno Petit' });
			await Promise.all([synced(a), synced(b)]);

			// Text both ways, within a second.
			a.doc.getText('t').insert(0, 'Axe 1 — achats responsables. ');
			await waitFor(() => b.doc.getText('t').toString().includes('Axe 1'), { timeout: 1000, message: 'A → B' });
			b.doc.getText('t').insert(b.doc.getText('t').length, 'Chantier 2.');
			await waitFor(() => a.doc.getText('t').toString().endsWith('Chantier 2.'), { timeout: 1000, message: 'B → A' });

			// Presence crosses instances, stamped with the authenticated name by the instance the client is on.
			a.provider.awareness.setLocalStateField('nodeId', 'noeud-1');
			await waitFor(
				() =>
					[...b.provider.awareness.getStates().values()].some(
						(st) => st.nodeId === 'noeud-1' && st.user?.name === 'Alice Martin'
					),
				{ timeout: 2000, message: 'presence relayed' }
			);

			// An update too large for a notification (8000 bytes) is read from the table by the other instance.
			const big = 'Clause d’insertion sociale. '.repeat(600);
			b.doc.getText('big').insert(0, big);
			await waitFor(() => a.doc.getText('big').length === big.length, {
				timeout: 3000,
				message: 'large update relayed'
			});

			// Both write at the same time, many small updates: both instances number rows in one table (conflicts are
			// renumbered), compactions run on both meanwhile, and every change ends up stored once the writers are
			// told it is saved.
			for (let i = 0; i < 150; i++) {
				a.doc.getArray<number>('la').push([i]);
				b.doc.getArray<number>('lb').push([i]);
				if (i % 10 === 0) await sleep(2);
			}
			const expected = Array.from({ length: 150 }, (_, i) => i);
			await waitFor(() => a.doc.getArray('lb').length === 150 && b.doc.getArray('la').length === 150, {
				timeout: 5000,
				message: 'converged'
			});
			await waitFor(() => savedClock(a) === own(a) && savedClock(b) === own(b), {
				timeout: 5000,
				message: 'all saved'
			});
			expect(A.collab.stats().compactions + B.collab.stats().compactions).toBeGreaterThan(0);
			const stored = await storedDoc(dbA, docId);
			expect(stored.getArray('la').toArray()).toEqual(expected);
			expect(stored.getArray('lb').toArray()).toEqual(expected);
			expect(stored.getText('t').toString()).toBe(a.doc.getText('t').toString());
			expect(stored.getText('big').length).toBe(big.length);

			// A third instance that loads the document later sees the same, and joins the relay.
			const C = await instance(await pool());
			C.rights.set(alice, 'write');
			const c = client(C.base, docId, { id: alice, name: 'Alice Martin' });
			await synced(c);
			expect(c.doc.getText('t').toString()).toBe(a.doc.getText('t').toString());
			c.doc.getText('t').insert(0, '» ');
			await waitFor(
				() => a.doc.getText('t').toString().startsWith('» ') && b.doc.getText('t').toString().startsWith('» '),
				{
					timeout: 1000,
					message: 'C → A and B'
				}
			);
		}
	);

	it(
		'a load running while another instance compacts never misses what the compaction merged',
		{ timeout: 60_000 },
		async () => {
			url = await createDatabase(inject('pgUrl'), `t_loadcompact_${process.pid}_${Date.now().toString(36)}`);
			const one = await pool();
			await migrate(one);
			const two = openPostgres(url, { max: 8 });
			pools.push(two);
			const docId = randomUUID();
			const writer = new Y.Doc();
			let seq = 0;
			writer.on('update', (u: Uint8Array) => void (pending = [...pending, { seq: ++seq, update: u, userId: null }]));
			let pending: { seq: number; update: Uint8Array; userId: null }[] = [];
			for (let round = 0; round < 25; round++) {
				for (let i = 0; i < 60; i++) writer.getArray<number>('l').push([round * 60 + i]);
				await appendUpdates(one, docId, pending);
				pending = [];
				// Instance one compacts while instance two loads (several times, staggered), round after round.
				const loads = Array.from({ length: 6 }, (_, i) =>
					new Promise((r) => setTimeout(r, i)).then(() => loadDoc(two, docId))
				);
				const [, ...loaded] = await Promise.all([compactDoc(one, docId), ...loads]);
				for (const l of loaded) {
					const d = new Y.Doc();
					for (const u of l.snapshot ? [l.snapshot, ...l.updates] : l.updates) Y.applyUpdate(d, u);
					expect(d.getArray('l').length, `round ${round}`).toBe((round + 1) * 60);
				}
			}
		}
	);

	it(
		'an instance killed with SIGKILL: its client reconnects through the load balancer to the other one, nothing is lost',
		{ timeout: 90_000 },
		async () => {
			url = await createDatabase(inject('pgUrl'), `t_failover_${process.pid}_${Date.now().toString(36)}`);
			const docId = randomUUID();
			const w1 = randomUUID();
			const w2 = randomUUID();
			const rights = JSON.stringify({ [w1]: 'write', [w2]: 'write' });
			const env = { DATABASE_URL: url, COLLAB_RIGHTS: rights };
			const one = await startChild({ ...env, COLLAB_MIGRATE: '1' });
			const two = await startChild({ ...env, COLLAB_MIGRATE: '0' });
			children.push(one, two);
			// The load balancer sends the first writer to instance one, the second to instance two.
			const lb = await startProxy(one.port);
			proxies.push(lb);
			const a = client(`ws://127.0.0.1:${lb.port}/collab`, docId, { id: w1, name: 'Écrivain 1' });
			await synced(a);
			lb.target = two.port;
			const b = client(`ws://127.0.0.1:${lb.port}/collab`, docId, { id: w2, name: 'Écrivain 2' });
			await synced(b);

			let n1 = 0;
			let n2 = 0;
			let typing = true;
			const typer = (async () => {
				while (typing) {
					a.doc.getArray<number>('w1').push([n1++]);
					b.doc.getArray<number>('w2').push([n2++]);
					await sleep(4);
				}
			})();
			await waitFor(() => b.doc.getArray('w1').length > 40 && a.doc.getArray('w2').length > 40, {
				timeout: 10_000,
				message: 'relaying'
			});

			// Instance one dies; the load balancer now only knows instance two.
			await sigkill(one);
			await sleep(500);
			typing = false;
			await typer;

			// The first writer reconnects (through the proxy, to instance two) and everything converges.
			await waitFor(() => a.doc.getArray('w2').length === n2 && b.doc.getArray('w1').length === n1, {
				timeout: 15_000,
				message: 'converged after failover'
			});
			expect(a.doc.getArray('w1').toArray()).toEqual(b.doc.getArray('w1').toArray());
			await waitFor(() => savedClock(a) === own(a) && savedClock(b) === own(b), {
				timeout: 10_000,
				message: 'all saved on instance two'
			});
			const db = await pool();
			const stored = await storedDoc(db, docId);
			expect(stored.getArray('w1').toArray()).toEqual(Array.from({ length: n1 }, (_, i) => i));
			expect(stored.getArray('w2').toArray()).toEqual(Array.from({ length: n2 }, (_, i) => i));
		}
	);
});
