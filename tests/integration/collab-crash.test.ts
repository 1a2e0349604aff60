// Crash durability of the collaboration server: it runs in a child process (tests/helpers/collab-child.ts), clients
// type continuously, the child is killed with SIGKILL, and every update that was ACKNOWLEDGED must be in the
// database, then everyone converges after the restart.
//
// "Acknowledged" here: what the server told each writer is saved — its presence entry `saved` gives, per Yjs
// clientID, the clock below which every change is stored (sent after each insert commits). Updates are relayed to
// the others before they are stored, so the observer may hold more than what is stored at the kill: that part is
// not lost either, since the clients hand it back to the restarted server (checked by the convergence below).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../scripts/lib/pg-temp.js';
import { loadDoc } from '../../src/lib/server/collab/persistence';
import { openPglite } from '../../src/lib/server/db/pglite';
import { openPostgres } from '../../src/lib/server/db/postgres';
import type { Database } from '../../src/lib/server/db/types';
import { connectClient, savedClock, synced, waitFor, type TestClient } from '../helpers/collab-child';
import { sigkill, startChild, type Child } from '../helpers/collab-process';
import { engines } from '../helpers/engines';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Values pushed by one writer, in the order a doc holds them. */
function tokens(doc: Y.Doc, writer: string): number[] {
	return doc.getArray<number>(writer).toArray();
}

describe.each(engines)('collaboration server crash durability (%s)', (kind) => {
	const children: Child[] = [];
	const clients: TestClient[] = [];
	const dirs: string[] = [];
	afterAll(async () => {
		for (const c of clients) c.destroy();
		for (const ch of children) await sigkill(ch);
		for (const d of dirs) rmSync(d, { recursive: true, force: true });
	});

	it(
		'SIGKILL while typing loses no acknowledged update; clients reconnect and converge; offline edits merge',
		{ timeout: 120_000 },
		async () => {
			const docId = randomUUID();
			const w1 = randomUUID();
			const w2 = randomUUID();
			const observer = randomUUID();
			const rights = JSON.stringify({ [w1]: 'write', [w2]: 'write', [observer]: 'read' });

			// Storage the child uses, and a way for the test to read it while the child is dead.
			let env: Record<string, string>;
			let openStorage: () => Promise<Database>;
			if (kind === 'postgres') {
				const url = await createDatabase(inject('pgUrl'), `t_crash_${process.pid}_${Date.now().toString(36)}`);
				env = { DATABASE_URL: url, COLLAB_MIGRATE: '1' };
				openStorage = async () => openPostgres(url, { max: 2 });
			} else {
				const dir = mkdtempSync(join(tmpdir(), 'spaser-collab-crash-'));
				dirs.push(dir);
				const dataDir = join(dir, 'pgdata');
				env = {
					DATABASE_URL: '',
					COLLAB_PGLITE_DIR: dataDir,
					COLLAB_PGLITE_SNAPSHOT: inject('pgliteSnapshot'),
					COLLAB_MIGRATE: '1'
				};
				openStorage = () => openPglite({ dataDir });
			}

			const first = await startChild({ ...env, COLLAB_RIGHTS: rights });
			children.push(first);
			const base = `ws://127.0.0.1:${first.port}/collab`;
			const a = connectClient(base, docId, { id: w1, name: 'Écrivain 1' });
			const b = connectClient(base, docId, { id: w2, name: 'Écrivain 2' });
			const o = connectClient(base, docId, { id: observer, name: 'Observateur' });
			clients.push(a, b, o);
			await Promise.all([synced(a), synced(b), synced(o)]);

			// Both writers type continuously (one update every few ms each), also while the server is down.
			let n1 = 0;
			let n2 = 0;
			let typing = true;
			const typer = (async () => {
				while (typing) {
					a.doc.getArray<number>('w1').push([n1++]);
					b.doc.getArray<number>('w2').push([n2++]);
					await sleep(3);
				}
			})();
			await waitFor(() => tokens(o.doc, 'w1').length > 50 && tokens(o.doc, 'w2').length > 50, {
				timeout: 10_000,
				message: 'observer receiving'
			});
			await sleep(300);

			// Kill. What each writer was told is saved at this instant is what the server acknowledged.
			const killing = sigkill(first);
			const acked1 = savedClock(a);
			const acked2 = savedClock(b);
			const seenByObserver = [tokens(o.doc, 'w1').length, tokens(o.doc, 'w2').length];
			await killing;
			const typedBeforeKill = n1;
			expect(acked1).toBeGreaterThan(50);
			expect(acked2).toBeGreaterThan(50);

			// Read the storage directly, as the next server will: every acknowledged update is there.
			const storage = await openStorage();
			let persisted: Y.Doc;
			try {
				const stored = await loadDoc(storage, docId);
				persisted = new Y.Doc();
				if (stored.snapshot) Y.applyUpdate(persisted, stored.snapshot);
				for (const u of stored.updates) Y.applyUpdate(persisted, u);
			} finally {
				await storage.close();
			}
			// Every change of each writer below its acknowledged clock is stored (Yjs integrates a client's structs
			// only as a contiguous run from clock 0, so the stored state vector says it all).
			expect(Y.getState(persisted.store, a.doc.clientID)).toBeGreaterThanOrEqual(acked1);
			expect(Y.getState(persisted.store, b.doc.clientID)).toBeGreaterThanOrEqual(acked2);
			// The stored state is a consistent prefix (Yjs integrates only what it can), in typing order.
			const stored1 = tokens(persisted, 'w1');
			expect(stored1).toEqual(Array.from({ length: stored1.length }, (_, i) => i));

			// The writers keep typing offline for a moment, then the server comes back on the same port.
			await sleep(300);
			const second = await startChild({
				...env,
				COLLAB_RIGHTS: rights,
				COLLAB_PORT: String(first.port),
				COLLAB_MIGRATE: '0',
				COLLAB_PGLITE_SNAPSHOT: ''
			});
			children.push(second);
			await sleep(300);
			typing = false;
			await typer;
			expect(n1).toBeGreaterThan(typedBeforeKill);

			// Clients reconnect by themselves and converge, offline edits included.
			const v = connectClient(base, docId, { id: observer, name: 'Vérificateur' });
			clients.push(v);
			const expected1 = Array.from({ length: n1 }, (_, i) => i);
			const expected2 = Array.from({ length: n2 }, (_, i) => i);
			await waitFor(
				() => [a, b, o, v].every((c) => tokens(c.doc, 'w1').length === n1 && tokens(c.doc, 'w2').length === n2),
				{ timeout: 15_000, message: 'convergence after restart' }
			);
			for (const c of [a, b, o, v]) {
				expect(tokens(c.doc, 'w1')).toEqual(expected1);
				expect(tokens(c.doc, 'w2')).toEqual(expected2);
			}
			// Including everything the observer had received before the kill, stored or not at that moment.
			expect(n1).toBeGreaterThanOrEqual(seenByObserver[0]);
			expect(n2).toBeGreaterThanOrEqual(seenByObserver[1]);

			// An offline client: disconnects, edits locally, reconnects → its edits merge with the others'.
			b.provider.disconnect();
			b.doc.getText('notes').insert(0, 'hors ligne');
			a.doc.getText('notes').insert(0, 'en ligne ');
			await sleep(200);
			expect(v.doc.getText('notes').toString()).toBe('en ligne ');
			b.provider.connect();
			await waitFor(
				() =>
					[a, b, v].every((c) => c.doc.getText('notes').length === 'hors ligne'.length + 'en ligne '.length) &&
					a.doc.getText('notes').toString() === b.doc.getText('notes').toString(),
				{ timeout: 5000, message: 'offline merge' }
			);
			expect(v.doc.getText('notes').toString()).toBe(a.doc.getText('notes').toString());
			expect(v.doc.getText('notes').toString()).toContain('hors ligne');

			// Once each writer is told everything is saved, a kill loses nothing: the storage alone has it all.
			const own = (c: TestClient) => Y.getState(c.doc.store, c.doc.clientID);
			await waitFor(() => savedClock(a) === own(a) && savedClock(b) === own(b), {
				timeout: 10_000,
				message: 'all saved'
			});
			await sigkill(second);
			const storage2 = await openStorage();
			try {
				const stored = await loadDoc(storage2, docId);
				const check = new Y.Doc();
				if (stored.snapshot) Y.applyUpdate(check, stored.snapshot);
				for (const u of stored.updates) Y.applyUpdate(check, u);
				expect(check.getText('notes').toString()).toBe(v.doc.getText('notes').toString());
				expect(tokens(check, 'w1')).toEqual(expected1);
				expect(tokens(check, 'w2')).toEqual(expected2);
			} finally {
				await storage2.close();
			}
		}
	);
});
