// Collaboration server (src/lib/server/collab): real http server on port 0, real `y-websocket` clients over
// `ws`, raw sockets for forged messages, real database of each engine.
import { randomUUID } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import {
	collabHarness,
	connectClient,
	openRaw,
	savedClock,
	syncMessage,
	startCollabTestServer,
	synced,
	TEST_ORIGIN,
	waitFor,
	type TestClient
} from '../helpers/collab-child';
import { engines, openTestDb } from '../helpers/engines';
import { SERVER_PRESENCE_KEY } from '../../src/lib/server/collab/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A presence state as the tests write it. */
type Presence = { node?: string; user?: { id?: string; name?: string; color?: string } };

function textUpdate(text: string): Uint8Array {
	const d = new Y.Doc();
	d.getText('t').insert(0, text);
	return Y.encodeStateAsUpdate(d);
}

describe.each(engines)('collaboration server (%s)', (kind) => {
	let db: Database;
	const h = collabHarness(() => db);
	const { servers, clients, raws, server, client, raw } = h;

	beforeAll(async () => {
		db = await openTestDb(kind);
	});
	afterEach(() => h.cleanup());
	afterAll(async () => {
		await db?.close();
	});

	async function rowCount(docId: string) {
		const [r] = await db.query<{ n: number }>(
			'select count(*)::int as n from public.collab_updates where doc_id = $1',
			[docId]
		);
		return r.n;
	}

	it('the tables are private: RLS enabled, no policy, no grant to user roles', async () => {
		const rows = await db.query<{ relname: string; relrowsecurity: boolean }>(
			`select relname, relrowsecurity from pg_class where relname in ('collab_updates', 'collab_snapshots') order by relname`
		);
		expect(rows).toEqual([
			{ relname: 'collab_snapshots', relrowsecurity: true },
			{ relname: 'collab_updates', relrowsecurity: true }
		]);
		const [p] = await db.query<{ n: number }>(
			`select count(*)::int as n from pg_policies where tablename in ('collab_updates', 'collab_snapshots')`
		);
		expect(p.n).toBe(0);
		const grants = await db.query<{ grantee: string }>(
			`select distinct grantee from information_schema.role_table_grants
			 where table_name in ('collab_updates', 'collab_snapshots') and grantee in ('anon', 'authenticated', 'service_role')`
		);
		expect(grants.map((g) => g.grantee)).toEqual(['service_role']);
		await expect(
			db.transaction(async (tx) => {
				await tx.query(`select set_config('role', 'authenticated', true)`);
				return tx.query('select * from public.collab_updates');
			})
		).rejects.toThrow(/permission denied/);
	});

	it('two clients converge within a second; presence is relayed, stamped with the real name, and removed on leave', async () => {
		const s = await server();
		const docId = randomUUID();
		const alice = randomUUID();
		const bob = randomUUID();
		s.rights.set(alice, 'write').set(bob, 'write');
		const a = client(s, docId, { id: alice, name: 'Alice Martin' });
		const b = client(s, docId, { id: bob, name: 'Bruno Petit' });
		await Promise.all([synced(a), synced(b)]);

		const t0 = Date.now();
		a.doc.getText('body').insert(0, 'Bonjour');
		b.doc.getText('body').insert(0, 'Salut ');
		await waitFor(
			() =>
				a.doc.getText('body').toString() === b.doc.getText('body').toString() && a.doc.getText('body').length === 13,
			{ timeout: 1000, message: 'convergence' }
		);
		expect(Date.now() - t0).toBeLessThan(1000);
		expect(a.doc.getText('body').toString()).toMatch(/Bonjour/);
		expect(a.doc.getText('body').toString()).toMatch(/Salut /);

		// Presence: Alice claims another name; the server stamps the authenticated one.
		a.provider.awareness.setLocalState({ user: { name: 'Usurpateur', color: '#ff0000' }, node: 'n-1' });
		const seen = await waitFor(() => b.provider.awareness.getStates().get(a.doc.clientID) as Presence | undefined, {
			timeout: 1000,
			message: 'awareness of Alice at Bob'
		});
		expect(seen.node).toBe('n-1');
		expect(seen.user?.name).toBe('Alice Martin');
		expect(seen.user?.id).toBe(alice);

		// Bob cannot publish a presence under Alice's clientID.
		const r = await raw(s, docId, bob);
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 1);
		const inner = encoding.createEncoder();
		encoding.writeVarUint(inner, 1);
		encoding.writeVarUint(inner, a.doc.clientID);
		encoding.writeVarUint(inner, 9999);
		encoding.writeVarString(inner, JSON.stringify({ user: { name: 'Faux' }, node: 'hijack' }));
		encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
		r.ws.send(encoding.toUint8Array(e));
		// query-awareness is answered with every state
		r.ws.send(Uint8Array.of(3));
		await waitFor(() => r.messages.some((m) => m[0] === 1), { timeout: 1000, message: 'awareness answer' });
		await sleep(100);
		expect((b.provider.awareness.getStates().get(a.doc.clientID) as Presence).node).toBe('n-1');

		a.provider.destroy();
		await waitFor(() => !b.provider.awareness.getStates().has(a.doc.clientID), {
			timeout: 1000,
			message: 'presence removed after disconnect'
		});
	});

	const ownClock = (c: TestClient) => Y.getState(c.doc.store, c.doc.clientID);

	it('relays at once, tells the sender « saved » only once stored, and retries a failed insert without losing anything', async () => {
		const s = await server();
		const docId = randomUUID();
		const alice = randomUUID();
		const bob = randomUUID();
		s.rights.set(alice, 'write').set(bob, 'write');
		const a = client(s, docId, { id: alice, name: 'Alice' });
		const b = client(s, docId, { id: bob, name: 'Bruno' });
		await Promise.all([synced(a), synced(b)]);

		a.doc.getText('t').insert(0, 'Premier jet. ');
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'first change acknowledged as saved' });
		expect(await rowCount(docId)).toBeGreaterThan(0);
		// The presence entry of the server is not a participant (no user): the editor's list ignores it.
		expect([...b.provider.awareness.getStates().values()].filter((st) => SERVER_PRESENCE_KEY in st)).toHaveLength(0);

		// The database refuses inserts for this document for a while.
		await db.exec(`create function public.test_refuse_collab() returns trigger language plpgsql as $$
			begin raise exception 'stockage indisponible (test)'; end $$;
			create trigger test_refuse_collab before insert on public.collab_updates for each row execute function public.test_refuse_collab()`);
		const errorsBefore = s.collab.stats().storeErrors;
		const rowsBefore = await rowCount(docId);
		a.doc.getText('t').insert(a.doc.getText('t').length, 'Pendant la panne.');
		// Relayed to Bruno at once although nothing could be stored …
		await waitFor(() => b.doc.getText('t').toString().includes('Pendant la panne.'), {
			message: 'relayed during the outage'
		});
		await waitFor(() => s.collab.stats().storeErrors > errorsBefore, { message: 'insert failed' });
		// … and Alice is not told it is saved; the connection stays open.
		expect(savedClock(a)).toBeLessThan(ownClock(a));
		expect(await rowCount(docId)).toBe(rowsBefore);
		expect(a.closes).toEqual([]);

		await db.exec(
			'drop trigger test_refuse_collab on public.collab_updates; drop function public.test_refuse_collab()'
		);
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'saved once storage is back', timeout: 15_000 });
		expect(await rowCount(docId)).toBeGreaterThan(rowsBefore);
		// What is stored rebuilds the text (read as the next process would).
		const stored = await db.query<{ update: Uint8Array }>(
			'select update from public.collab_updates where doc_id = $1 order by seq',
			[docId]
		);
		const check = new Y.Doc();
		for (const r of stored) Y.applyUpdate(check, r.update);
		expect(check.getText('t').toString()).toBe('Premier jet. Pendant la panne.');
	});

	it('persists every update: after unload, a new client gets the same content, loaded before the first sync', async () => {
		const s = await server({ idleUnloadMs: 100, compactAfterUpdates: 1000 });
		const docId = randomUUID();
		const u1 = randomUUID();
		s.rights.set(u1, 'write');
		const a = client(s, docId, { id: u1 });
		await synced(a);
		const map = a.doc.getMap('nodes');
		for (let i = 0; i < 20; i++) {
			const node = new Y.Map<unknown>();
			node.set('title', new Y.Text(`Action ${i}`));
			map.set(`n${i}`, node);
		}
		a.doc.getText('intro').insert(0, 'Préambule « SPASER »');
		const expected = a.doc.getMap('nodes').toJSON();
		await waitFor(async () => (await rowCount(docId)) >= 21, { message: 'rows stored' });
		a.destroy();
		await waitFor(() => s.collab.stats().docsUnloaded === 1, { message: 'unload' });
		expect(s.collab.stats()).toMatchObject({ docsLoaded: 0, docsUnloading: 0, connections: 0 });
		// Unloading compacted the log.
		const [snap] = await db.query<{ upto_seq: number }>(
			'select upto_seq from public.collab_snapshots where doc_id = $1',
			[docId]
		);
		expect(snap.upto_seq).toBeGreaterThanOrEqual(21);
		expect(await rowCount(docId)).toBe(0);

		// Slow down loading (a real delay in front of the real database): the first sync must still carry the
		// content, because the server sends nothing before the load completes.
		const slowDb: Database = {
			...db,
			kind: db.kind,
			query: db.query.bind(db),
			exec: db.exec.bind(db),
			close: db.close.bind(db),
			transaction: async (fn) => {
				await sleep(300);
				return db.transaction(fn);
			}
		};
		const s2 = await startCollabTestServer(slowDb, { rights: s.rights });
		servers.push(s2);
		const fresh = new Y.Doc();
		let contentAtFirstSync: unknown = undefined;
		const c = connectClient(s2.base, docId, { id: u1 }, { doc: fresh });
		clients.push(c);
		c.provider.on('sync', (isSynced: boolean) => {
			if (isSynced && contentAtFirstSync === undefined) contentAtFirstSync = fresh.getMap('nodes').toJSON();
		});
		await synced(c);
		expect(contentAtFirstSync).toEqual(expected);
		expect(fresh.getText('intro').toString()).toBe('Préambule « SPASER »');
	});

	it('read-only connections receive everything but their changes are never applied nor stored', async () => {
		const s = await server({ idleUnloadMs: 60_000 });
		const docId = randomUUID();
		const writer = randomUUID();
		const viewer = randomUUID();
		s.rights.set(writer, 'write').set(viewer, 'read');
		const w = client(s, docId, { id: writer, name: 'Rédactrice' });
		const v = client(s, docId, { id: viewer, name: 'Lecteur' });
		await Promise.all([synced(w), synced(v)]);
		w.doc.getText('t').insert(0, 'texte officiel');
		await waitFor(() => v.doc.getText('t').toString() === 'texte officiel', {
			timeout: 1000,
			message: 'viewer receives'
		});
		await waitFor(() => savedClock(w) === ownClock(w), { message: 'writer saved' });
		const before = await rowCount(docId);
		expect(before).toBeGreaterThan(0);

		v.doc.getText('t').insert(0, 'INTRUS ');
		v.provider.awareness.setLocalStateField('node', 'n-7');
		// The viewer's presence is relayed…
		await waitFor(
			() => (w.provider.awareness.getStates().get(v.doc.clientID) as Presence | undefined)?.node === 'n-7',
			{
				timeout: 1000,
				message: 'viewer presence'
			}
		);
		// …its edit is not.
		await waitFor(() => s.collab.stats().readOnlyUpdatesDropped >= 1, { message: 'drop counted' });
		await sleep(150);
		expect(w.doc.getText('t').toString()).toBe('texte officiel');

		// Forged raw messages from a read-only socket: an update and a sync step 2.
		const r = await raw(s, docId, viewer);
		r.ws.send(syncMessage(2, textUpdate('forgé-update')));
		r.ws.send(syncMessage(1, textUpdate('forgé-step2')));
		await waitFor(() => s.collab.stats().readOnlyUpdatesDropped >= 3, { message: 'forged drops counted' });
		await sleep(150);
		expect(await rowCount(docId)).toBe(before);
		const stored = await db.query<{ update: Uint8Array }>(
			'select update from public.collab_updates where doc_id = $1',
			[docId]
		);
		const check = new Y.Doc();
		for (const row of stored) Y.applyUpdate(check, row.update);
		expect(check.getText('t').toString()).toBe('texte officiel');
		expect(w.doc.getText('t').toString()).toBe('texte officiel');

		// The writer keeps working normally, and the viewer still receives.
		w.doc.getText('t').insert(0, '> ');
		// (the viewer's own dropped "INTRUS " stays in its local copy only)
		await waitFor(() => v.doc.getText('t').toString().replace('INTRUS ', '') === '> texte officiel', {
			timeout: 1000,
			message: 'viewer receives again'
		});
		// Relayed before it is stored: count the rows once it is saved.
		await waitFor(() => savedClock(w) === ownClock(w), { message: 'writer saved' });
		expect(await rowCount(docId)).toBe(before + 1);

		// Too many dropped changes: the read-only connection is closed with 4405.
		for (let i = 0; i < 25; i++) r.ws.send(syncMessage(2, textUpdate(`spam ${i}`)));
		const closed = await r.closed;
		expect(closed.code).toBe(4405);
		expect(closed.reason).toBe('Lecture seule\u00a0: modifications refusées');
		expect(await rowCount(docId)).toBe(before + 1);
	});

	it('refuses bad upgrades with proper HTTP answers', async () => {
		const s = await server();
		const docId = randomUUID();
		const member = randomUUID();
		const outsider = randomUUID();
		s.rights.set(member, 'write');
		const fail = (p: Promise<unknown>) =>
			p.then(
				() => ({ status: 101, body: '' }),
				(e) => e as { status: number; body: string }
			);

		const badOrigin = await fail(raw(s, docId, member, 'https://evil.example'));
		expect(badOrigin.status).toBe(403);
		expect(badOrigin.body).toMatch(/Origine non autorisée/);
		expect((await fail(raw(s, docId, member, null))).status).toBe(403);

		const noUser = await fail(openRaw(`${s.base}/${docId}`));
		expect(noUser.status).toBe(401);
		expect(noUser.body).toMatch(/Connexion requise/);

		const denied = await fail(raw(s, docId, outsider));
		expect(denied.status).toBe(403);
		expect(denied.body).toMatch(/Accès refusé/);

		expect((await fail(openRaw(`${s.base}/not-a-uuid?test_user=${member}`))).status).toBe(404);
		expect((await fail(openRaw(`ws://127.0.0.1:${s.port}/autre/${docId}?test_user=${member}`))).status).toBe(404);

		// Nothing was loaded for refused requests; the member still gets in.
		expect(s.collab.stats().docsLoaded).toBe(0);
		expect(s.collab.stats().refusedUpgrades).toMatchObject({ 401: 1, 403: 3, 404: 2 });
		const ok = await raw(s, docId, member);
		expect(ok.ws.readyState).toBe(WebSocket.OPEN);
	});

	it('follows rights changes: removed → 4403 within recheckMs, write → read → reconnect read-only, read → write in place', async () => {
		const s = await server({ recheckMs: 200 });
		const docId = randomUUID();
		const u = randomUUID();
		const other = randomUUID();
		s.rights.set(u, 'write').set(other, 'write');
		const o = client(s, docId, { id: other });
		const c = client(s, docId, { id: u });
		await Promise.all([synced(o), synced(c)]);

		// write → read: closed with 4501, the stock client reconnects by itself and is now read-only.
		s.rights.set(u, 'read');
		await waitFor(() => c.closes.length >= 1, { timeout: 1500, message: 'downgrade close' });
		expect(c.closes[0]).toEqual({ code: 4501, reason: 'Vos droits ont changé\u00a0: reconnexion en lecture seule' });
		await synced(c);
		await waitFor(() => s.collab.stats().readConnections === 1, { message: 'read-only reconnection' });
		c.doc.getText('t').insert(0, 'refusé');
		await waitFor(() => s.collab.stats().readOnlyUpdatesDropped >= 1, { message: 'drop' });
		expect(o.doc.getText('t').toString()).toBe('');

		// read → write: upgraded without reconnecting; later edits go through, and the server asks for the client's
		// state again, so what it typed while read-only is merged now (documented behaviour).
		s.rights.set(u, 'write');
		await waitFor(() => s.collab.stats().writeConnections === 2, { timeout: 1500, message: 'upgrade' });
		c.doc.getText('t').insert(0, 'accepté ');
		await waitFor(() => o.doc.getText('t').toString() === 'accepté refusé', {
			timeout: 1000,
			message: 'edit after upgrade'
		});
		expect(c.closes).toHaveLength(1);

		// removed: 4403, and the stock client stops reconnecting (4400–4499 are permanent for it).
		const t0 = Date.now();
		s.rights.delete(u);
		await waitFor(() => c.closes.length >= 2, { timeout: 200 + 1000, message: 'revocation close' });
		expect(Date.now() - t0).toBeLessThan(200 + 1000);
		expect(c.closes[1]).toEqual({ code: 4403, reason: 'Accès retiré' });
		await sleep(400);
		expect(c.provider.shouldConnect).toBe(false);
		expect(c.closes).toHaveLength(2);
		expect(s.collab.stats().connections).toBe(1);
	});

	it('compacts into a snapshot past the threshold; content intact after reload', async () => {
		const s = await server({ compactAfterUpdates: 10, idleUnloadMs: 60_000 });
		const docId = randomUUID();
		const u = randomUUID();
		const obs = randomUUID();
		s.rights.set(u, 'write').set(obs, 'read');
		const a = client(s, docId, { id: u });
		const o = client(s, docId, { id: obs });
		await Promise.all([synced(a), synced(o)]);
		for (let i = 0; i < 25; i++) {
			a.doc.getText('t').insert(a.doc.getText('t').length, `${i};`);
			await waitFor(() => o.doc.getText('t').length === a.doc.getText('t').length, { message: `edit ${i}` });
		}
		await waitFor(async () => s.collab.stats().compactions >= 2, { message: 'compactions' });
		const [snap] = await db.query<{ upto_seq: number; state: Uint8Array }>(
			'select upto_seq, state from public.collab_snapshots where doc_id = $1',
			[docId]
		);
		expect(snap.upto_seq).toBeGreaterThanOrEqual(20);
		const left = await db.query<{ seq: number }>(
			'select seq from public.collab_updates where doc_id = $1 order by seq',
			[docId]
		);
		expect(left.every((r) => r.seq > snap.upto_seq)).toBe(true);
		expect(left.length).toBeLessThan(10);
		const expected = Array.from({ length: 25 }, (_, i) => `${i};`).join('');
		expect(a.doc.getText('t').toString()).toBe(expected);

		// Reload from storage in a second server instance (same database).
		a.destroy();
		o.destroy();
		const s2 = await startCollabTestServer(db, { rights: s.rights });
		servers.push(s2);
		const c = client(s2, docId, { id: u });
		await synced(c);
		expect(c.doc.getText('t').toString()).toBe(expected);
	});

	it('caps participants (4429) and document size (4413) with French reasons', async () => {
		const s = await server({ maxClientsPerDoc: 2, maxDocBytes: 4000 });
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const a = client(s, docId, { id: u });
		const b = client(s, docId, { id: u });
		await Promise.all([synced(a), synced(b)]);
		const third = client(s, docId, { id: u });
		await waitFor(() => third.closes.length > 0, { message: 'third refused' });
		expect(third.closes[0]).toEqual({ code: 4429, reason: 'Trop de participants sur ce document' });
		await sleep(300);
		expect(third.provider.shouldConnect).toBe(false); // permanent for the stock client
		expect(s.collab.stats().connections).toBe(2);

		a.doc.getText('t').insert(0, 'petit texte');
		await waitFor(() => b.doc.getText('t').toString() === 'petit texte', { message: 'small edit' });
		// Relayed before it is stored: count the rows once it is saved.
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'small edit saved' });
		const rowsBefore = await rowCount(docId);
		a.doc.getText('t').insert(0, 'x'.repeat(5000));
		await waitFor(() => a.closes.length > 0, { message: 'too large close' });
		expect(a.closes[0]).toEqual({ code: 4413, reason: 'Document trop volumineux' });
		await sleep(200);
		expect(b.doc.getText('t').toString()).toBe('petit texte');
		expect(await rowCount(docId)).toBe(rowsBefore);
	});

	it('closes malformed messages (4400) and terminates sockets that stop answering pings', async () => {
		const s = await server({ pingIntervalMs: 150 });
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const r = await raw(s, docId, u);
		r.ws.send(Uint8Array.of(0, 1, 200)); // sync step 2 with a truncated payload
		expect((await r.closed).code).toBe(4400);

		const r2 = await raw(s, docId, u);
		r2.ws.send(syncMessage(2, Uint8Array.of(1, 2, 3, 4, 5, 6)));
		expect(await r2.closed).toEqual({ code: 4400, reason: 'Message invalide' });

		// A socket that never answers pings (autoPong off) is dropped after two intervals.
		const dead = new WebSocket(`${s.base}/${docId}?test_user=${u}`, { origin: TEST_ORIGIN, autoPong: false });
		raws.push(dead);
		await new Promise((res) => dead.on('open', res));
		await waitFor(() => s.collab.stats().connections === 1, { message: 'dead socket attached' });
		await waitFor(() => s.collab.stats().connections === 0, { timeout: 1500, message: 'dead socket terminated' });
		expect(await rowCount(docId)).toBe(0);
	});

	it('answers sync step 1 with the missing part only and ignores updates it already has', async () => {
		const s = await server();
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const a = client(s, docId, { id: u });
		await synced(a);
		a.doc.getText('t').insert(0, 'abc');
		await waitFor(async () => (await rowCount(docId)) === 1, { message: 'stored' });
		// A raw client resends exactly that update twice: nothing new, nothing stored.
		const r = await raw(s, docId, u);
		await waitFor(() => r.messages.length > 0, { message: 'server step 1' });
		const first = decoding.createDecoder(r.messages[0]);
		expect(decoding.readVarUint(first)).toBe(0);
		expect(decoding.readVarUint(first)).toBe(syncProtocol.messageYjsSyncStep1);
		const full = Y.encodeStateAsUpdate(a.doc);
		r.ws.send(syncMessage(2, full));
		r.ws.send(syncMessage(1, full));
		const sv = Y.encodeStateVector(a.doc);
		const e = encoding.createEncoder();
		encoding.writeVarUint(e, 0);
		syncProtocol.writeSyncStep1(e, new Y.Doc());
		r.ws.send(encoding.toUint8Array(e));
		await waitFor(() => r.messages.some((m) => m[0] === 0 && m[1] === 1), { message: 'step 2 answer' });
		const answer = r.messages.find((m) => m[0] === 0 && m[1] === 1)!;
		const d = decoding.createDecoder(answer);
		decoding.readVarUint(d);
		decoding.readVarUint(d);
		const check = new Y.Doc();
		Y.applyUpdate(check, decoding.readVarUint8Array(d));
		expect(check.getText('t').toString()).toBe('abc');
		expect(Y.encodeStateVector(check)).toEqual(sv);
		await sleep(100);
		expect(await rowCount(docId)).toBe(1);
	});

	it('with synchronousCommit off, updates are still stored in order, and acknowledged as saved once stored', async () => {
		const s = await startCollabTestServer(db, { synchronousCommit: false });
		servers.push(s);
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		const a = client(s, docId, { id: u });
		const b = client(s, docId, { id: u });
		await Promise.all([synced(a), synced(b)]);
		for (let i = 0; i < 10; i++) a.doc.getArray<number>('l').push([i]);
		await waitFor(() => b.doc.getArray('l').length === 10, { timeout: 1000, message: 'received' });
		await waitFor(() => savedClock(a) === ownClock(a), { message: 'acknowledged as saved' });
		const rows = await db.query<{ seq: number; update: Uint8Array }>(
			'select seq, update from public.collab_updates where doc_id = $1 order by seq',
			[docId]
		);
		expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
		const check = new Y.Doc();
		for (const r of rows) Y.applyUpdate(check, r.update);
		expect(check.getArray('l').toArray()).toEqual(Array.from({ length: 10 }, (_, i) => i));
	});

	it('applyServerUpdate broadcasts a server-side change and resolves once it is stored (loaded or not)', async () => {
		const s = await server({ idleUnloadMs: 100, maxDocBytes: 3000 });
		const docId = randomUUID();
		const u = randomUUID();
		s.rights.set(u, 'write');
		// Document not loaded: loaded, stored, unloaded again.
		await s.collab.applyServerUpdate(docId, textUpdate('restauré'));
		const [row] = await db.query<{ seq: number; user_id: string | null }>(
			'select seq, user_id from public.collab_updates where doc_id = $1',
			[docId]
		);
		expect(row).toEqual({ seq: 1, user_id: null });
		await waitFor(() => s.collab.stats().docsUnloaded === 1, { message: 'unloaded after the server change' });
		const a = client(s, docId, { id: u });
		await synced(a);
		expect(a.doc.getText('t').toString()).toBe('restauré');
		// Document open: every connection receives it.
		const d = new Y.Doc();
		Y.applyUpdate(d, Y.encodeStateAsUpdate(a.doc));
		d.getText('t').insert(0, 'version ');
		await s.collab.applyServerUpdate(docId, Y.encodeStateAsUpdate(d, Y.encodeStateVector(a.doc)));
		await waitFor(() => a.doc.getText('t').toString() === 'version restauré', { timeout: 1000, message: 'broadcast' });
		await expect(s.collab.applyServerUpdate(docId, textUpdate('x'.repeat(4000)))).rejects.toThrow(
			'Document trop volumineux'
		);
		await expect(s.collab.applyServerUpdate('pas-un-uuid', textUpdate('x'))).rejects.toThrow('Document introuvable');
		// The unload compacted seq 1 into the snapshot; the second server change is seq 2.
		const [snap] = await db.query<{ upto_seq: number }>(
			'select upto_seq from public.collab_snapshots where doc_id = $1',
			[docId]
		);
		expect(snap.upto_seq).toBe(1);
		const rows = await db.query<{ seq: number }>('select seq from public.collab_updates where doc_id = $1', [docId]);
		expect(rows.map((r) => r.seq)).toEqual([2]);
	});
});
