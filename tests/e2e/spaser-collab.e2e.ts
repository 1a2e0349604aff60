import { expect, test, type Page } from '@playwright/test';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { decodeAwarenessUpdate, encodeAwareness, encodeAwarenessEntries } from '../../src/lib/server/collab/protocol';
import { SERVER_PRESENCE_CLIENT_ID } from '../../src/lib/spaser/presence';
import { DEMO, newSession } from './helpers';

// The demo SPASER of the Agglomération du Val d'Aurence (src/lib/server/demo.ts).
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';
const OUTSIDER = 'achats.metropole@demo.spaser.test'; // admin of another collectivité

async function openEditor(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}?vue=formulaire`); // the plan and element form (the default is the document view)
	await expect(page.getByTestId('connection-status')).toHaveText('Enregistré');
}

const body = (page: Page) => page.locator('.rte-content');

test('two people co-edit a SPASER live; a viewer follows read-only; another collectivité is refused', async ({
	browser
}) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	const viewer = await newSession(browser, VIEWER);
	const outsider = await newSession(browser, OUTSIDER);

	await openEditor(a.page);
	await openEditor(b.page);
	await openEditor(viewer.page);

	// Everyone starts on the first node (Axe 1); presence lists the others.
	await expect(a.page.getByTestId('peer').filter({ hasText: 'Thomas Bérengier' })).toBeVisible();
	await expect(b.page.getByTestId('peer').filter({ hasText: 'Sandrine Aurelhac' })).toBeVisible();

	// A edits the title: B and the viewer see it within a second.
	const suffix = ` (revu ${Date.now()})`;
	const title = a.page.getByLabel('Titre', { exact: true });
	await title.click();
	await title.press('End');
	await title.pressSequentially(suffix);
	await expect(b.page.getByTestId('outline-node').first()).toContainText(suffix, { timeout: 1000 });
	await expect(viewer.page.getByTestId('outline-node').first()).toContainText(suffix, { timeout: 1000 });

	// B writes in the rich text: A sees the text and B's caret (with B's name) within a second.
	const sentence = `Texte rédigé à deux mains ${Date.now()}.`;
	await body(b.page).click();
	await b.page.keyboard.press('Control+End');
	await b.page.keyboard.press('Enter');
	await b.page.keyboard.type(sentence);
	await expect(body(a.page)).toContainText(sentence, { timeout: 1000 });
	await expect(a.page.locator('.collaboration-carets__label', { hasText: 'Thomas Bérengier' })).toBeVisible({
		timeout: 1000
	});

	// A adds a new node: B sees it in the outline within a second.
	const before = await b.page.getByTestId('outline-node').count();
	await a.page.getByRole('button', { name: '+ Chantier', exact: true }).first().click();
	await expect(b.page.getByTestId('outline-node')).toHaveCount(before + 1, { timeout: 1000 });

	// The viewer sees everything but cannot type: fields are read-only and nothing they try reaches the others.
	await expect(body(viewer.page)).toContainText(sentence);
	await expect(viewer.page.getByText('Vous consultez ce SPASER en lecture seule')).toBeVisible();
	await expect(viewer.page.getByLabel('Titre', { exact: true })).toHaveAttribute('readonly', '');
	await expect(body(viewer.page)).toHaveAttribute('contenteditable', 'false');
	await body(viewer.page).click();
	await viewer.page.keyboard.type('intrusion du lecteur');
	await expect(body(viewer.page)).not.toContainText('intrusion du lecteur');
	await a.page.waitForTimeout(300); // give a forged change time to arrive, if it ever could
	await expect(body(a.page)).not.toContainText('intrusion du lecteur');

	// A person of another collectivité: the page is a 404 and the websocket is refused.
	const res = await outsider.page.goto(`/spaser/${SPASER_ID}`);
	expect(res?.status()).toBe(404);
	const wsOutcome = await outsider.page.evaluate(
		(id) =>
			new Promise<string>((resolve) => {
				const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/collab/${id}`);
				ws.onopen = () => resolve('open');
				ws.onerror = () => resolve('refused');
				ws.onclose = () => resolve('refused');
			}),
		SPASER_ID
	);
	expect(wsOutcome).toBe('refused');

	for (const s of [a, b, viewer, outsider]) await s.context.close();
});

// Issue 14, item 3: a read-only viewer publishes a presence entry `{ saved: { <editor clientID>: 1e9 } }` (and the
// same under the server's reserved clientID). The editor has unsaved changes (its messages to the server are held
// back here); its indicator must keep saying « Enregistrement… », and turn to « Enregistré » only
// once the server really stored them.
test('a viewer cannot turn on the editor’s « Enregistré » with a forged presence entry', async ({ browser }) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const viewer = await newSession(browser, VIEWER);

	// The editor's websocket goes through this relay, which can hold back the changes the page sends to the server
	// (its heartbeat, a one-byte query-awareness message, still passes: the connection is alive, the changes are
	// not stored).
	let hold = false;
	const held: (string | Buffer)[] = [];
	let toServer: { send(m: string | Buffer): void } | null = null;
	const isHeartbeat = (m: string | Buffer) => typeof m !== 'string' && m.length === 1 && m[0] === 3;
	await a.page.routeWebSocket(/\/collab\//, (ws) => {
		const server = ws.connectToServer();
		toServer = server;
		ws.onMessage((m) => (hold && !isHeartbeat(m) ? held.push(m) : server.send(m)));
	});
	await openEditor(a.page);
	const status = a.page.getByTestId('connection-status');

	// The editor types; nothing reaches the server: « Enregistrement… ».
	hold = true;
	const title = a.page.getByLabel('Titre', { exact: true });
	await title.click();
	await title.press('End');
	await title.pressSequentially(' (non enregistré)');
	await expect(status).toHaveText('Enregistrement…');

	// The viewer, with their own session cookie, opens the collaboration socket like the page would, finds the
	// editor's clientID in the presence it receives, and publishes forged « saved » entries, then a harmless one.
	const cookies = await viewer.context.cookies();
	const cookie = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
	const origin = new URL(a.page.url()).origin;
	const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/collab/${SPASER_ID}`, { headers: { cookie, origin } });
	const editorClientId = await new Promise<number>((resolve, reject) => {
		ws.on('error', reject);
		ws.on('message', (data: Buffer) => {
			const d = decoding.createDecoder(new Uint8Array(data));
			if (decoding.readVarUint(d) !== 1) return; // awareness only
			for (const e of decodeAwarenessUpdate(decoding.readVarUint8Array(d))) {
				const user = (e.state as { user?: { name?: string } } | null)?.user;
				if (user?.name === 'Sandrine Aurelhac') resolve(e.clientId);
			}
		});
	});
	const forged = { user: { name: 'Sandrine Aurelhac' }, saved: { [String(editorClientId)]: 1e9 } };
	const publish = (clientId: number, clock: number, state: unknown) =>
		ws.send(encodeAwareness(encodeAwarenessEntries([{ clientId, clock, state }])));
	publish(31_337, 1, forged);
	publish(SERVER_PRESENCE_CLIENT_ID, Date.now() * 2, forged);
	publish(31_338, 1, { user: { name: 'Quelqu’un' } });
	// The harmless entry arrives, stamped with the viewer's real name: the forged ones before it were handled.
	await expect(a.page.getByTestId('peer').filter({ hasText: 'Lucas Fabrègue' }).first()).toBeVisible();
	await expect(status).toHaveText('Enregistrement…');
	// Only that one reached the editor, with the viewer's real right, whatever the client wrote.
	await expect(a.page.getByTestId('peer').filter({ hasText: 'Lucas Fabrègue' })).toHaveCount(1);
	await expect(a.page.getByTestId('peer').filter({ hasText: 'Lucas Fabrègue (lecture)' })).toBeVisible();
	await expect(a.page.getByTestId('peer').filter({ hasText: 'Quelqu’un' })).toHaveCount(0);

	// Released: the server stores the change and says so itself.
	hold = false;
	for (const m of held.splice(0)) toServer!.send(m);
	await expect(status).toHaveText('Enregistré');

	ws.close();
	for (const s of [a, viewer]) await s.context.close();
});

// Issue 14, item 2, as the person sees it: one change above the per-edit cap (here a 600 KB title) is refused by
// the server; the editor says so in French and stops editing, and nothing of it reaches the others.
test('a change too large to be sent is explained in French and reaches nobody', async ({ browser }) => {
	const a = await newSession(browser, EDITOR);
	const b = await newSession(browser, DEMO.orgAdmin);
	await openEditor(a.page);
	await openEditor(b.page);
	const title = a.page.getByLabel('Titre', { exact: true });
	const before = await title.inputValue();
	await title.fill(before + ' ' + 'trop long '.repeat(60_000));
	await expect(a.page.getByTestId('connection-status')).toContainText(
		'Modification trop volumineuse\u00a0: elle n’a pas été enregistrée'
	);
	await expect(title).toHaveAttribute('readonly', '');
	await expect(b.page.getByLabel('Titre', { exact: true })).toHaveValue(before);
	await expect(b.page.getByTestId('connection-status')).toHaveText('Enregistré');
	for (const s of [a, b]) await s.context.close();
});
