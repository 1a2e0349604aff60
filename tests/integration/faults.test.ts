// Fault suite: PostgreSQL crashes and restarts while the app serves and clients edit. The instance reports
// unhealthy while it is down, recovers without a restart of the app (the pool and the LISTEN connection reconnect;
// the collaboration write queue retries), and nothing a client was told is saved is lost — nor anything typed
// meanwhile. Runs against its own throwaway cluster (it is restarted), so it only concerns Postgres.
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, describe, expect, it } from 'vitest';
import { startTempPostgres } from '../../scripts/lib/pg-temp.js';
import { loadDoc } from '../../src/lib/server/collab/persistence';
import { migrate } from '../../src/lib/server/db/migrate';
import { openPostgres } from '../../src/lib/server/db/postgres';
import type { Database } from '../../src/lib/server/db/types';
import { checkHealth } from '../../src/lib/server/health';
import {
	connectClient,
	savedClock,
	startCollabTestServer,
	synced,
	waitFor,
	type TestClient,
	type TestCollabServer
} from '../helpers/collab-child';
import { engines } from '../helpers/engines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const own = (c: TestClient) => Y.getState(c.doc.store, c.doc.clientID);

// Runs in every full run (both engines); only a local TEST_ENGINES=pglite loop leaves it out.
describe.runIf(engines.includes('postgres'))('faults: PostgreSQL restarted under load', () => {
	const cleanup: (() => Promise<void>)[] = [];
	afterAll(async () => {
		for (const fn of cleanup.reverse()) await fn().catch(() => {});
	});

	it(
		'the instance reports unhealthy, recovers without a restart, and loses no edit',
		{ timeout: 120_000 },
		async () => {
			const pg = await startTempPostgres({ fsync: true });
			cleanup.push(() => pg.stop());
			// Two app instances on the cluster (each its own pool, as two processes would have).
			const dbA: Database = openPostgres(pg.url, { max: 4 });
			const dbB: Database = openPostgres(pg.url, { max: 4 });
			cleanup.push(
				() => dbA.close(),
				() => dbB.close()
			);
			await migrate(dbA);
			const servers: TestCollabServer[] = [await startCollabTestServer(dbA), await startCollabTestServer(dbB)];
			cleanup.push(async () => {
				for (const s of servers) await s.stop();
			});
			const [A, B] = servers;
			const docId = randomUUID();
			const w1 = randomUUID();
			const w2 = randomUUID();
			for (const s of servers) s.rights.set(w1, 'write').set(w2, 'write');
			const a = connectClient(A.base, docId, { id: w1, name: 'Écrivain 1' });
			const b = connectClient(B.base, docId, { id: w2, name: 'Écrivain 2' });
			cleanup.push(async () => {
				a.destroy();
				b.destroy();
			});
			await Promise.all([synced(a), synced(b)]);
			expect((await checkHealth(dbA)).status).toBe('ok');

			let n1 = 0;
			let n2 = 0;
			let typing = true;
			const typer = (async () => {
				while (typing) {
					a.doc.getArray<number>('w1').push([n1++]);
					b.doc.getArray<number>('w2').push([n2++]);
					await sleep(5);
				}
			})();
			await waitFor(() => savedClock(a) > 40 && savedClock(b) > 40, {
				timeout: 10_000,
				message: 'saving before the crash'
			});

			// Crash (immediate stop: recovery from the WAL), 1.5 s down, restart on the same port.
			let ackedAtCrash = [0, 0];
			let healthDown: string[] = [];
			await pg.restart({
				mode: 'immediate',
				whileDown: async () => {
					ackedAtCrash = [savedClock(a), savedClock(b)];
					healthDown = [(await checkHealth(dbA, 1000)).status, (await checkHealth(dbB, 1000)).status];
					await sleep(1500);
				}
			});
			expect(healthDown).toEqual(['unhealthy', 'unhealthy']);
			// Meanwhile the clients kept editing together: relayed in memory by each instance, and across instances
			// once the database is back.
			await waitFor(async () => (await checkHealth(dbA)).status === 'ok' && (await checkHealth(dbB)).status === 'ok', {
				timeout: 15_000,
				message: 'healthy again without a restart'
			});
			await sleep(300);
			typing = false;
			await typer;
			expect(A.collab.stats().storeErrors + B.collab.stats().storeErrors).toBeGreaterThan(0);

			// Everyone converges, and every change is stored once each writer is told it is saved.
			await waitFor(() => a.doc.getArray('w2').length === n2 && b.doc.getArray('w1').length === n1, {
				timeout: 20_000,
				message: 'converged'
			});
			await waitFor(() => savedClock(a) === own(a) && savedClock(b) === own(b), {
				timeout: 20_000,
				message: 'all saved after recovery'
			});
			const stored = await loadDoc(dbA, docId);
			const check = new Y.Doc();
			for (const u of stored.snapshot ? [stored.snapshot, ...stored.updates] : stored.updates) Y.applyUpdate(check, u);
			expect(check.getArray('w1').toArray()).toEqual(Array.from({ length: n1 }, (_, i) => i));
			expect(check.getArray('w2').toArray()).toEqual(Array.from({ length: n2 }, (_, i) => i));
			// What was acknowledged before the crash is among it (the arrays hold every token, in order).
			expect(Y.getState(check.store, a.doc.clientID)).toBeGreaterThanOrEqual(ackedAtCrash[0]);
			expect(Y.getState(check.store, b.doc.clientID)).toBeGreaterThanOrEqual(ackedAtCrash[1]);
		}
	);
});
