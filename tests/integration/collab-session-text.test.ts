// Security review of issue 14 (items 6 and 9), as the attacker runs them against the real collaboration server
// wired to the real session cookie and SPASER rights (collab/index.ts sessionAuth):
// - a socket opened with a stolen session cookie is closed (4401) when the victim signs out everywhere, signs out
//   that session, or resets the password: at once on this instance, within recheckMs from another one;
// - an update inserting a NUL or a lone surrogate is refused (4422) and never stored, and a document that already
//   holds one still projects, versions and exports.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createSession, invalidateSession, SESSION_COOKIE } from '../../src/lib/server/auth/session';
import { logoutEverywhere, requestPasswordReset, resetPassword } from '../../src/lib/server/auth/service';
import { followSessionEnds, sessionAuth } from '../../src/lib/server/collab/index';
import { appendUpdates, highestSeq } from '../../src/lib/server/collab/persistence';
import { CLOSE, createCollabServer, type CollabLimits, type CollabServer } from '../../src/lib/server/collab/server';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { cleanContent, readLiveDoc } from '../../src/lib/server/spaser/live';
import { projectDocument } from '../../src/lib/server/spaser/projection';
import { createVersion, getVersion } from '../../src/lib/server/spaser/versions';
import { addNode, setTitle } from '../../src/lib/spaser/ydoc';
import { syncMessage, TEST_ORIGIN, waitFor } from '../helpers/collab-child';
import { engines, openTestDb } from '../helpers/engines';
import { lastMail, linkFrom } from '../helpers/factories';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

interface Sock {
	ws: WebSocket;
	messages: Uint8Array[];
	closeInfo: { code: number; reason: string } | null;
}

describe.each(engines)('collaboration: sessions and text of updates (%s)', (kind) => {
	let db: Database;
	let w: SpaserWorld;
	const stops: (() => Promise<void>)[] = [];
	const socks: WebSocket[] = [];

	beforeAll(async () => {
		db = await openTestDb(kind);
		w = await spaserWorld(db);
	});
	afterEach(async () => {
		for (const s of socks.splice(0)) s.terminate();
		for (const stop of stops.splice(0)) await stop();
	});
	afterAll(async () => {
		await db?.close();
	});

	/** The production wiring (cookie, rights, session re-check), on a port of its own. */
	async function start(limits: Partial<CollabLimits>, opts: { followSessions: boolean }) {
		const collab: CollabServer = createCollabServer({ db, ...sessionAuth(db), allowedOrigins: [TEST_ORIGIN], limits });
		const unfollow = opts.followSessions ? followSessionEnds(collab) : () => {};
		const http: Server = createServer((_req, res) => res.writeHead(404).end());
		http.on('upgrade', (req, socket, head) => void collab.handleUpgrade(req, socket, head));
		await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
		stops.push(async () => {
			unfollow();
			await collab.close();
			http.closeAllConnections();
			await new Promise<void>((r) => http.close(() => r()));
		});
		return `ws://127.0.0.1:${(http.address() as AddressInfo).port}/collab`;
	}

	/** A raw y-websocket socket carrying a session cookie; resolves once the server sent its sync step 1. */
	async function open(base: string, docId: string, token: string): Promise<Sock> {
		const ws = new WebSocket(`${base}/${docId}`, {
			origin: TEST_ORIGIN,
			headers: { cookie: `${SESSION_COOKIE}=${token}` }
		});
		socks.push(ws);
		const s: Sock = { ws, messages: [], closeInfo: null };
		ws.on('close', (code, reason) => (s.closeInfo = { code, reason: reason.toString('utf8') }));
		ws.on('message', (d: Buffer) => s.messages.push(new Uint8Array(d)));
		await new Promise<void>((res, rej) => {
			ws.on('open', () => res());
			ws.on('error', rej);
		});
		await waitFor(() => s.messages.length > 0, { message: 'first sync message' });
		return s;
	}

	async function rows(docId: string): Promise<number> {
		const [r] = await db.query<{ n: number }>(
			'select count(*)::int as n from public.collab_updates where doc_id = $1',
			[docId]
		);
		return r.n;
	}

	async function newSpaser(title: string) {
		return (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title,
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
	}

	function textUpdate(text: string): Uint8Array {
		const d = new Y.Doc();
		d.getText('scratch').insert(0, text);
		return Y.encodeStateAsUpdate(d);
	}

	/** Sends one update and waits until it is stored. */
	async function storedWrite(s: Sock, docId: string, text: string) {
		const before = await rows(docId);
		s.ws.send(syncMessage(2, textUpdate(text)));
		await waitFor(async () => (await rows(docId)) > before, { message: 'update stored' });
	}

	describe('item 6: a socket does not outlive its session', () => {
		it('« se déconnecter partout » closes the thief’s socket at once (4401) and its later updates are not stored', async () => {
			// recheckMs far away: only the immediate notification can close it within the test.
			const base = await start({ recheckMs: 600_000 }, { followSessions: true });
			const docId = await newSpaser('SPASER session 1');
			const victim = await createSession(db, w.editorA.id);
			const stolen = await open(base, docId, victim.token);
			await storedWrite(stolen, docId, 'avant'); // the stolen cookie did write

			await logoutEverywhere(db, w.editorA);
			const info = await waitFor(() => stolen.closeInfo, {
				timeout: 3000,
				message: 'socket closed after sign-out everywhere'
			});
			expect(info).toEqual({ code: CLOSE.SESSION_ENDED.code, reason: CLOSE.SESSION_ENDED.reason });

			const n = await rows(docId);
			stolen.ws.send(syncMessage(2, textUpdate('après')));
			// A fresh socket with the stolen cookie is refused too.
			await expect(open(base, docId, victim.token)).rejects.toThrow(/401/);
			expect(await rows(docId)).toBe(n);
		});

		it('a password reset handled by another instance closes the socket within recheckMs', async () => {
			const base = await start({ recheckMs: 200 }, { followSessions: false });
			const docId = await newSpaser('SPASER session 2');
			const victim = await createSession(db, w.editorA.id);
			const stolen = await open(base, docId, victim.token);
			await storedWrite(stolen, docId, 'avant');

			await requestPasswordReset(db, w.editorA.email, '198.51.100.7:1');
			const token = linkFrom((await lastMail(db, w.editorA.email)).text_body, '/mot-de-passe/nouveau').searchParams.get(
				'token'
			)!;
			await resetPassword(db, token, 'Nouveau-Mot-De-Passe-Solide-2026');
			const info = await waitFor(() => stolen.closeInfo, {
				timeout: 3000,
				message: 'socket closed after password reset'
			});
			expect(info.code).toBe(CLOSE.SESSION_ENDED.code);

			const n = await rows(docId);
			stolen.ws.send(syncMessage(2, textUpdate('après')));
			await new Promise((r) => setTimeout(r, 300));
			expect(await rows(docId)).toBe(n);
		});

		it('signing out one session closes that session’s sockets only', async () => {
			const base = await start({ recheckMs: 600_000 }, { followSessions: true });
			const docId = await newSpaser('SPASER session 3');
			const ended = await createSession(db, w.editorA.id);
			const kept = await createSession(db, w.editorA.id);
			const a = await open(base, docId, ended.token);
			const b = await open(base, docId, kept.token);

			await invalidateSession(db, ended.session.id);
			expect((await waitFor(() => a.closeInfo, { timeout: 3000, message: 'ended session closed' })).code).toBe(
				CLOSE.SESSION_ENDED.code
			);
			await storedWrite(b, docId, 'toujours là');
			expect(b.closeInfo).toBeNull();
		});
	});

	describe('item 9: NUL and lone surrogates', () => {
		/** Updates an editor's raw client could send, each inserting a bad string in another kind of content. */
		const poisons: [string, () => Uint8Array][] = [
			['a NUL in a Y.Text', () => textUpdate('a\0b')],
			[
				'a NUL in a map value',
				() => {
					const d = new Y.Doc();
					d.getMap('nodes').set('x', 'val\0eur');
					return Y.encodeStateAsUpdate(d);
				}
			],
			[
				'a NUL as a map key',
				() => {
					const d = new Y.Doc();
					d.getMap('nodes').set('k\0', 'v');
					return Y.encodeStateAsUpdate(d);
				}
			],
			[
				'a lone surrogate in a formatting mark',
				() => {
					const d = new Y.Doc();
					d.getText('t').insert(0, 'gras', { link: { href: 'x\ud800' } });
					return Y.encodeStateAsUpdate(d);
				}
			],
			[
				'a NUL in Tiptap XML text and attributes',
				() => {
					const d = new Y.Doc();
					const p = new Y.XmlElement('paragraph');
					p.setAttribute('class', 'c\0');
					const t = new Y.XmlText();
					t.insert(0, 'ok');
					p.insert(0, [t]);
					d.getXmlFragment('body').insert(0, [p]);
					return Y.encodeStateAsUpdate(d);
				}
			],
			[
				'a NUL in an XML element name',
				() => {
					const d = new Y.Doc();
					d.getXmlFragment('body').insert(0, [new Y.XmlElement('p\0')]);
					return Y.encodeStateAsUpdate(d);
				}
			]
		];

		it.each(poisons)(
			'%s: the socket is closed 4422, nothing is stored, the SPASER still projects and versions',
			async (_name, make) => {
				const base = await start({}, { followSessions: true });
				const docId = await newSpaser('SPASER texte');
				const session = await createSession(db, w.editorA.id);
				const s = await open(base, docId, session.token);
				const before = await rows(docId);

				s.ws.send(syncMessage(2, make()));
				expect(await waitFor(() => s.closeInfo, { timeout: 3000, message: 'socket closed' })).toEqual({
					code: CLOSE.INVALID_TEXT.code,
					reason: 'Texte refusé\u00a0: caractère non valable'
				});
				await new Promise((r) => setTimeout(r, 100));
				expect(await rows(docId)).toBe(before);

				const live = await readLiveDoc(db, docId);
				await expect(projectDocument(db, docId, live)).resolves.toMatchObject({ written: true });
				await expect(
					createVersion(db, w.editorA, docId, live, { kind: 'named', name: 'Après refus' })
				).resolves.toMatchObject({ kind: 'named' });
			}
		);

		it('a SPASER already holding a NUL and a lone surrogate (stored before the fix) projects, versions and exports cleaned', async () => {
			const docId = await newSpaser('SPASER empoisonné');
			const live = await readLiveDoc(db, docId);
			const before = Y.encodeStateVector(live);
			const nodeId = addNode(live, { parentId: null, title: 'x' });
			setTitle(live, nodeId, 'Ache\0ts \ud800durables');
			const poison = Y.encodeStateAsUpdate(live, before);
			// Straight into the log, as an update stored before the server refused such text.
			await appendUpdates(db, docId, [{ seq: (await highestSeq(db, docId)) + 1, update: poison, userId: null }]);

			const doc = await readLiveDoc(db, docId);
			await expect(projectDocument(db, docId, doc)).resolves.toMatchObject({ written: true });
			const [node] = await db.query<{ title: string }>(
				'select title from public.spaser_nodes where document_id = $1 and node_id = $2',
				[docId, nodeId]
			);
			expect(node.title).toBe('Achets \ufffddurables');

			const v = await createVersion(db, w.editorA, docId, doc, { kind: 'bilan', name: 'Bilan 2026' });
			const stored = await getVersion(db, w.editorA, v.id);
			expect(JSON.stringify(stored.content)).toContain('Achets \ufffddurables');
			expect(JSON.stringify(cleanContent(doc))).not.toMatch(/\\u0000|\\ud800/);
		});
	});
});
