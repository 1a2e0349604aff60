// Issue 14, items 2 and 3, as the attacker ran them against the collaboration server (real http server, stock
// `y-websocket` clients and raw sockets, real database of each engine):
//   #2 one editor sends one 6 MB update, or 20 × 480 KB updates: refused / slowed to the byte budget, while
//      another user's edits are still stored; a legitimate burst is delayed, never lost;
//   #3 a read-only viewer publishes `{ saved: { <editor clientID>: 1e9 } }` (and the same under the server's
//      clientID or the editor's): the server refuses it, nothing reaches the editor, whose « saved » clock comes
//      from the server's own entry only.
import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import {
	awarenessMessage,
	collabHarness,
	savedClock,
	syncMessage,
	synced,
	TEST_ORIGIN,
	waitFor,
	type TestClient,
	type TestCollabServer
} from '../helpers/collab-child';
import { engines, openTestDb } from '../helpers/engines';
import { DEFAULT_LIMITS, SERVER_PRESENCE_CLIENT_ID } from '../../src/lib/server/collab/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ownClock = (c: TestClient) => Y.getState(c.doc.store, c.doc.clientID);
const FORGED = 1e9;

describe.each(engines)('collaboration limits and forged presence (%s)', (kind) => {
	let db: Database;
	const h = collabHarness(() => db);
	const { server, client } = h;
	const raw = (s: TestCollabServer, docId: string, userId: string, name = 'Raw') =>
		h.raw(s, docId, userId, TEST_ORIGIN, name);

	beforeAll(async () => {
		db = await openTestDb(kind);
	});
	afterEach(async () => {
		await h.cleanup();
		await db.exec(
			'drop trigger if exists test_refuse_collab_limits on public.collab_updates; drop function if exists public.test_refuse_collab_limits()'
		);
	});
	afterAll(async () => {
		await db?.close();
	});

	async function storedBytes(docId: string) {
		const [r] = await db.query<{ n: number }>(
			`select (coalesce((select sum(length(update)) from public.collab_updates where doc_id = $1), 0)
			       + coalesce((select sum(length(state)) from public.collab_snapshots where doc_id = $1), 0))::int as n`,
			[docId]
		);
		return r.n;
	}
	async function storedText(docId: string, name: string) {
		const rows = await db.query<{ data: Uint8Array }>(
			`select state as data from public.collab_snapshots where doc_id = $1
			 union all select update from public.collab_updates where doc_id = $1`,
			[docId]
		);
		const d = new Y.Doc();
		for (const r of rows) Y.applyUpdate(d, r.data);
		return d.getText(name).toString();
	}
	/** Successive updates of one text, each `bytes` long (each a new, valid change following the previous). */
	function bigUpdates(count: number, bytes: number): Uint8Array[] {
		const d = new Y.Doc();
		const out: Uint8Array[] = [];
		d.on('update', (u: Uint8Array) => out.push(u));
		for (let i = 0; i < count; i++)
			d.getText('t').insert(d.getText('t').length, String.fromCharCode(97 + (i % 26)).repeat(bytes));
		return out;
	}

	// ---------------------------------------------------------------------------------------------------------
	// Item 3: the « modifications enregistrées » signal cannot be forged
	// ---------------------------------------------------------------------------------------------------------
	it('#3 a viewer’s forged « saved » presence (own, server’s or editor’s clientID) is refused, never relayed, never trusted', async () => {
		const s = await server();
		const docId = randomUUID();
		const editor = randomUUID();
		const viewer = randomUUID();
		s.rights.set(editor, 'write').set(viewer, 'read');
		const ed = client(s, docId, { id: editor, name: 'Éditrice' });
		const vw = client(s, docId, { id: viewer, name: 'Lecteur' });
		await Promise.all([synced(ed), synced(vw)]);
		// Everything the editor's client ever receives as presence, to catch a forged entry even if later replaced.
		const seenForged: { clientId: number; state: unknown }[] = [];
		ed.provider.awareness.on('change', ({ added, updated }: { added: number[]; updated: number[] }) => {
			for (const id of [...added, ...updated]) {
				const st = ed.provider.awareness.getStates().get(id) as { saved?: Record<string, number> } | undefined;
				if (st?.saved && Object.values(st.saved).includes(FORGED)) seenForged.push({ clientId: id, state: st });
				if (st?.saved && id !== SERVER_PRESENCE_CLIENT_ID) seenForged.push({ clientId: id, state: st });
			}
		});

		ed.doc.getText('t').insert(0, 'Déjà enregistré. ');
		await waitFor(() => savedClock(ed) === ownClock(ed), { message: 'first change saved' });
		// Storage fails for a while: the editor's next change is NOT saved, and the editor must keep saying so.
		await db.exec(`create function public.test_refuse_collab_limits() returns trigger language plpgsql as $$
			begin raise exception 'stockage indisponible (test)'; end $$;
			create trigger test_refuse_collab_limits before insert on public.collab_updates for each row execute function public.test_refuse_collab_limits()`);
		const errors = s.collab.stats().storeErrors;
		ed.doc.getText('t').insert(ed.doc.getText('t').length, 'Pas encore enregistré.');
		await waitFor(() => s.collab.stats().storeErrors > errors, { message: 'insert failed' });
		const unsaved = ownClock(ed);
		expect(savedClock(ed)).toBeLessThan(unsaved);

		// The attack of the issue: the viewer's own presence entry claims the editor's changes are saved…
		const dropped = s.collab.stats().awarenessDropped;
		vw.provider.awareness.setLocalState({ user: { name: 'Lecteur' }, saved: { [ed.doc.clientID]: FORGED } });
		// … and the same from a raw socket of the viewer under the server's clientID and under the editor's.
		const r = await raw(s, docId, viewer, 'Lecteur');
		const forged = { saved: { [String(ed.doc.clientID)]: FORGED } };
		r.ws.send(awarenessMessage([{ clientId: SERVER_PRESENCE_CLIENT_ID, clock: Date.now() * 2, state: forged }]));
		r.ws.send(awarenessMessage([{ clientId: ed.doc.clientID, clock: 1_000_000, state: forged }]));
		// A harmless entry sent after them on each socket: once the editor has both, the forged ones were handled.
		vw.provider.awareness.setLocalState({ user: { name: 'Lecteur' }, node: 'repère' });
		const marker = 424242;
		r.ws.send(awarenessMessage([{ clientId: marker, clock: 1, state: { node: 'repère brut' } }]));
		await waitFor(
			() =>
				(ed.provider.awareness.getStates().get(vw.doc.clientID) as { node?: string } | undefined)?.node === 'repère' &&
				ed.provider.awareness.getStates().has(marker),
			{ message: 'markers relayed to the editor' }
		);
		expect(seenForged).toEqual([]);
		expect(s.collab.stats().awarenessDropped).toBeGreaterThanOrEqual(dropped + 3);
		expect(s.collab.stats().presenceRefused['server-field']).toBeGreaterThanOrEqual(1);
		expect(s.collab.stats().presenceRefused['server-id']).toBeGreaterThanOrEqual(1);
		// What the editor shows: still not saved.
		expect(savedClock(ed)).toBeLessThan(unsaved);
		expect(r.messages.length).toBeGreaterThan(0);

		// Nothing was lost: once storage is back, the server's own entry says it is saved.
		await db.exec(
			'drop trigger test_refuse_collab_limits on public.collab_updates; drop function public.test_refuse_collab_limits()'
		);
		await waitFor(() => savedClock(ed) === ownClock(ed), { message: 'saved once storage is back', timeout: 15_000 });
		expect(savedClock(ed)).toBeLessThan(FORGED);
		expect(await storedText(docId, 't')).toBe('Déjà enregistré. Pas encore enregistré.');
	});

	it('#3 presence identity is the server’s: name, id and read-only flag stamped; a departed editor’s clientID cannot be taken', async () => {
		const s = await server();
		const docId = randomUUID();
		const editor = randomUUID();
		const viewer = randomUUID();
		const third = randomUUID();
		s.rights.set(editor, 'write').set(viewer, 'read').set(third, 'write');
		const ed = client(s, docId, { id: editor, name: 'Éditrice' });
		const other = client(s, docId, { id: third, name: 'Témoin' });
		await Promise.all([synced(ed), synced(other)]);
		ed.provider.awareness.setLocalState({ user: { name: 'Éditrice' }, node: 'n-ed' });
		await waitFor(() => other.provider.awareness.getStates().get(ed.doc.clientID), { message: 'editor presence' });

		// The viewer pretends to be the editor, with write rights and a role.
		const r = await raw(s, docId, viewer, 'Lecteur');
		r.ws.send(
			awarenessMessage([
				{
					clientId: 777_001,
					clock: 1,
					state: { user: { id: editor, name: 'Éditrice', readOnly: false, role: 'admin' }, node: 'n-v' }
				}
			])
		);
		const seen = await waitFor(
			() => other.provider.awareness.getStates().get(777_001) as { user: Record<string, unknown> } | undefined,
			{
				message: 'viewer presence'
			}
		);
		expect(seen.user).toEqual({ id: viewer, name: 'Lecteur', color: '#1f6feb', readOnly: true });

		// The editor leaves; the viewer tries to take over its clientID (its cursor, its name slot).
		const edId = ed.doc.clientID;
		ed.provider.destroy();
		await waitFor(() => !other.provider.awareness.getStates().has(edId), { message: 'editor presence removed' });
		r.ws.send(awarenessMessage([{ clientId: edId, clock: 50, state: { node: 'usurpé' } }]));
		r.ws.send(awarenessMessage([{ clientId: 777_002, clock: 1, state: { node: 'repère' } }]));
		await waitFor(() => other.provider.awareness.getStates().has(777_002), { message: 'marker' });
		expect(other.provider.awareness.getStates().has(edId)).toBe(false);
	});

	// ---------------------------------------------------------------------------------------------------------
	// Item 2: one editor cannot make the server do unbounded work
	// ---------------------------------------------------------------------------------------------------------
	it('#2 one 6 MB update is refused with 4414 « Modification trop volumineuse », stored nowhere, relayed to nobody', async () => {
		const s = await server(); // production limits
		const docId = randomUUID();
		const attacker = randomUUID();
		const peer = randomUUID();
		s.rights.set(attacker, 'write').set(peer, 'write');
		const p = client(s, docId, { id: peer, name: 'Pair' });
		await synced(p);
		const r = await raw(s, docId, attacker);
		const [update] = bigUpdates(1, 6 * 1024 * 1024);
		r.ws.send(syncMessage(2, update));
		expect(await r.closed).toEqual({ code: 4414, reason: 'Modification trop volumineuse\u00a0: non enregistrée' });
		await sleep(100);
		expect(await storedBytes(docId)).toBe(0);
		expect(p.doc.getText('t').length).toBe(0);
		// The same as a sync step 2 (the larger cap of a reconnection) is refused too.
		const r2 = await raw(s, docId, attacker);
		r2.ws.send(syncMessage(1, update));
		expect((await r2.closed).code).toBe(4414);
		expect(await storedBytes(docId)).toBe(0);
	});

	it('#2 a stock client whose one edit is too large stops (4414, no resend loop); what it typed before is stored', async () => {
		const s = await server({ maxUpdateBytes: 16 * 1024 });
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const a = client(s, docId, { id: u });
		await synced(a);
		a.doc.getText('t').insert(0, 'Avant. ');
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'saved' });
		a.doc.getText('t').insert(7, 'x'.repeat(20_000));
		await waitFor(() => a.closes.length > 0, { message: 'closed' });
		expect(a.closes[0].code).toBe(4414);
		await sleep(300);
		expect(a.provider.shouldConnect).toBe(false);
		expect(a.closes).toHaveLength(1);
		expect(await storedText(docId, 't')).toBe('Avant. ');
	});

	it('#2 20 × 480 KB updates from one editor are slowed to the byte budget (not closed, not dropped); another user is still served', async () => {
		const s = await server(); // production limits
		const docA = randomUUID();
		const docB = randomUUID();
		const attacker = randomUUID();
		const other = randomUUID();
		s.rights.set(attacker, 'write').set(other, 'write');
		const r = await raw(s, docA, attacker);
		for (const u of bigUpdates(20, 480 * 1024)) r.ws.send(syncMessage(2, u));
		await waitFor(() => s.collab.stats().throttled > 0, { message: 'attacker throttled', timeout: 10_000 });

		// Another user, on another document, types and is told it is saved meanwhile.
		const b = client(s, docB, { id: other, name: 'Autre collectivité' });
		await synced(b);
		b.doc.getText('t').insert(0, 'Travail normal.');
		await waitFor(() => savedClock(b) === ownClock(b), { message: 'the other user is saved', timeout: 10_000 });
		expect(await storedText(docB, 't')).toBe('Travail normal.');

		// The attacker got its burst and one message in debt, not 9.6 MB; its connection stays open (nothing
		// dropped: the rest waits in its socket and would be read as the budget refills).
		await sleep(300);
		const stored = await storedBytes(docA);
		expect(stored).toBeGreaterThan(0);
		expect(stored).toBeLessThanOrEqual(DEFAULT_LIMITS.rateBurstBytes + DEFAULT_LIMITS.maxUpdateBytes);
		expect(r.ws.readyState).toBe(r.ws.OPEN);
		// Its new connections are refused while it is in debt (reconnecting does not refill the budget).
		await expect(raw(s, docA, attacker)).rejects.toMatchObject({ status: 429 });
	});

	it('#2 a legitimate burst above the budget is delayed, then stored whole; a reconnection’s sync step 2 may exceed the per-edit cap', async () => {
		const s = await server({
			maxUpdateBytes: 16 * 1024,
			maxSyncBytes: 64 * 1024,
			rateBurstBytes: 20_000,
			rateBytesPerMinute: 1_200_000,
			connectCostBytes: 1_000
		});
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const a = client(s, docId, { id: u });
		await synced(a);
		const chunks: string[] = [];
		for (let i = 0; i < 10; i++) {
			const chunk = `[${i}]` + String.fromCharCode(65 + i).repeat(8_000);
			chunks.push(chunk);
			a.doc.getText('t').insert(a.doc.getText('t').length, chunk);
		}
		await waitFor(() => s.collab.stats().throttled > 0, { message: 'throttled' });
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'everything saved in the end', timeout: 20_000 });
		expect(a.closes).toEqual([]);
		expect(await storedText(docId, 't')).toBe(chunks.join(''));

		// Offline work larger than one edit's cap comes back in one sync step 2 at reconnection: accepted.
		const offline = new Y.Doc();
		Y.applyUpdate(offline, Y.encodeStateAsUpdate(a.doc));
		offline.getText('t').insert(0, 'hors ligne '.repeat(3_000)); // ~33 KB in one update
		a.destroy();
		await sleep(4_000); // let the budget refill
		const b = client(s, docId, { id: u }, offline);
		await synced(b);
		await waitFor(() => savedClock(b) === ownClock(b), { message: 'offline work saved', timeout: 10_000 });
		expect(b.closes).toEqual([]);
		expect(await storedText(docId, 't')).toBe('hors ligne '.repeat(3_000) + chunks.join(''));
	});
});
