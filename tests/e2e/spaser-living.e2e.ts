import { expect, test, type Page } from '@playwright/test';
import { DEMO, newSession } from './helpers';

// Issue 15: every field collaborative without loss; an honest connection status; offline work kept on the device.
// The demo SPASER of the Agglomération du Val d'Aurence (src/lib/server/demo.ts).
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';

const status = (page: Page) => page.getByTestId('connection-status');
const titleField = (page: Page) => page.getByLabel('Titre', { exact: true });

async function openEditor(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}?vue=formulaire`); // the plan and element form (the default is the document view)
	await expect(status(page)).toHaveText('Enregistré');
}

/** Adds a root element with a unique title (typed by this page) and returns that title. */
async function addElement(page: Page, stem: string): Promise<string> {
	const name = `${stem} ${Date.now()}`;
	await page.getByRole('button', { name: /^\+ Axe$/ }).click();
	await titleField(page).fill(name);
	await expect(status(page)).toHaveText('Enregistré');
	return name;
}

/** How many changes the editor's offline copies (IndexedDB, y-indexeddb's « updates » store) hold. */
function keptOnDevice(page: Page): Promise<number> {
	return page.evaluate(async () => {
		let total = 0;
		for (const { name } of await indexedDB.databases()) {
			if (!name?.startsWith('spaser-commun:')) continue;
			total += await new Promise<number>((resolve, reject) => {
				const open = indexedDB.open(name);
				open.onerror = () => reject(open.error);
				open.onsuccess = () => {
					const db = open.result;
					const count = db.transaction('updates').objectStore('updates').count();
					count.onsuccess = () => {
						db.close();
						resolve(count.result);
					};
				};
			});
		}
		return total;
	});
}

async function select(page: Page, title: string) {
	await page.getByTestId('outline-node').filter({ hasText: title }).click();
	await expect(titleField(page)).toHaveValue(title);
}

test('two people type into the same title at the same time, 20 keystrokes each: same title on both screens, nothing lost', async ({
	browser
}) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	await openEditor(a.page);
	await openEditor(b.page);
	const base = await addElement(a.page, 'Titre à deux');
	await select(b.page, base);

	// Both put their caret in the title: A at the end, B right after the first word.
	await titleField(a.page).click();
	await titleField(a.page).press('End');
	await titleField(b.page).click();
	await titleField(b.page).press('Home');
	for (let i = 0; i < 'Titre'.length; i++) await titleField(b.page).press('ArrowRight');

	const typedA = 'abcdefghijklmnopqrst'.split('');
	const typedB = 'ABCDEFGHIJKLMNOPQRST'.split('');
	for (let i = 0; i < 20; i++) {
		// the same instant for both, and each keeps typing without waiting for the other's change
		await Promise.all([a.page.keyboard.type(typedA[i]), b.page.keyboard.type(typedB[i])]);
	}
	const expected = (v: string) => {
		expect(v.replace(/[^a-t]/g, '')).toContain(typedA.join(''));
		expect(v.replace(/[^A-T]/g, '')).toBe('T' + typedB.join('')); // « Titre » starts with a T
		expect(v).toHaveLength(base.length + 40);
	};
	await expect
		.poll(async () => (await titleField(a.page).inputValue()) === (await titleField(b.page).inputValue()))
		.toBe(true);
	const final = await titleField(a.page).inputValue();
	expected(final);
	// every letter of B went where B was typing, A's at the end of the title
	expect(final.startsWith('Titre' + typedB.join(''))).toBe(true);
	expect(final.endsWith(typedA.join(''))).toBe(true);
	await expect(b.page.getByTestId('outline-node').filter({ hasText: final })).toHaveCount(1);
	await expect(status(a.page)).toHaveText('Enregistré');
	await expect(status(b.page)).toHaveText('Enregistré');

	// And it is what the server stored: a third, fresh screen shows the same title.
	const c = await newSession(browser, EDITOR);
	await openEditor(c.page);
	await expect(c.page.getByTestId('outline-node').filter({ hasText: final })).toHaveCount(1);
	for (const s of [a, b, c]) await s.context.close();
});

test('a colleague’s change to a target field is shown while the field has focus, and is not written back over', async ({
	browser
}) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	await openEditor(a.page);
	await openEditor(b.page);
	const base = await addElement(a.page, 'Cible à deux');
	await a.page.getByRole('button', { name: '+ Ajouter une cible' }).click();
	await select(b.page, base);
	const labelA = a.page.getByLabel('Indicateur', { exact: true });
	const labelB = b.page.getByLabel('Indicateur', { exact: true });
	const pilotA = a.page.getByLabel('Direction pilote');
	const pilotB = b.page.getByLabel('Direction pilote');
	await labelA.click();
	await a.page.keyboard.type('Part des achats');
	await expect(labelB).toHaveValue('Part des achats');
	// B types in the same field while A keeps the focus in it, then A types again
	await labelB.click();
	await labelB.press('End');
	await b.page.keyboard.type(' responsables');
	await expect(labelA).toBeFocused();
	await expect(labelA).toHaveValue('Part des achats responsables');
	await a.page.keyboard.press('Home');
	await a.page.keyboard.type('La ');
	await expect(labelB).toHaveValue('La Part des achats responsables');
	// the pilot field, the same way
	await pilotB.click();
	await b.page.keyboard.type('DAJ');
	await pilotA.click();
	await pilotA.press('End');
	await a.page.keyboard.type(' et DRH');
	await expect(pilotB).toHaveValue('DAJ et DRH');
	await expect(pilotA).toHaveValue('DAJ et DRH');
	await expect(labelA).toHaveValue('La Part des achats responsables');
	for (const s of [a, b]) await s.context.close();
});

test('offline: « Hors ligne » within 3 s, what is typed survives closing the tab and is stored once back online (390 px)', async ({
	browser
}) => {
	const a = await newSession(browser, EDITOR);
	await a.page.setViewportSize({ width: 390, height: 844 });
	await openEditor(a.page);
	const base = await addElement(a.page, 'Hors ligne');
	// the status is announced to screen readers and fits a phone screen
	await expect(status(a.page)).toHaveAttribute('role', 'status');
	await expect(status(a.page)).toHaveAttribute('aria-live', 'polite');

	await a.context.setOffline(true);
	await expect(status(a.page)).toHaveText('Hors ligne — vos modifications sont gardées sur cet appareil', {
		timeout: 3000
	});
	const box = await status(a.page).boundingBox();
	expect(box && box.x >= 0 && box.x + box.width <= 390).toBe(true);
	const added = ` écrit sans réseau ${Date.now()}`;
	const before = await keptOnDevice(a.page);
	await titleField(a.page).click();
	await titleField(a.page).press('End');
	await a.page.keyboard.type(added);
	await expect(titleField(a.page)).toHaveValue(base + added);
	await expect(status(a.page)).toHaveText('Hors ligne — vos modifications sont gardées sur cet appareil');
	// each keystroke is one change written to the offline copy (asynchronously): all of them are on the device
	await expect.poll(() => keptOnDevice(a.page)).toBeGreaterThanOrEqual(before + added.length);
	await a.page.close();

	// Nobody else has it yet.
	const b = await newSession(browser, DEMO.orgAdmin);
	await openEditor(b.page);
	await expect(b.page.getByTestId('outline-node').filter({ hasText: base })).toHaveCount(1);
	await expect(b.page.getByTestId('outline-node').filter({ hasText: added.trim() })).toHaveCount(0);

	// Back online, the same person opens the document again: the text is there, sent, and stored.
	await a.context.setOffline(false);
	const again = await a.context.newPage();
	await again.goto(`/spaser/${SPASER_ID}?vue=formulaire`);
	await expect(again.getByTestId('outline-node').filter({ hasText: base + added })).toHaveCount(1);
	await expect(status(again)).toHaveText('Enregistré');
	await expect(b.page.getByTestId('outline-node').filter({ hasText: base + added })).toHaveCount(1);
	const c = await newSession(browser, DEMO.orgAdmin);
	await openEditor(c.page);
	await expect(c.page.getByTestId('outline-node').filter({ hasText: base + added })).toHaveCount(1);

	// Signing out on this browser deletes the offline copies: the next person cannot read them.
	const stores = () =>
		again.evaluate(async () =>
			(await indexedDB.databases()).map((d) => d.name).filter((n) => n?.startsWith('spaser-commun:'))
		);
	expect(await stores()).not.toHaveLength(0);
	await again.getByRole('button', { name: 'Se déconnecter' }).click();
	await expect(again).not.toHaveURL(/\/spaser\//);
	await expect.poll(stores).toHaveLength(0);
	expect(await again.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('spaser-commun:')))).toEqual(
		[]
	);
	for (const s of [a, b, c]) await s.context.close();
});

test('a connection that stops answering without the browser noticing is shown « Hors ligne » within 3 s', async ({
	browser
}) => {
	const a = await newSession(browser, EDITOR);
	// The page's websocket goes through this relay, which can go silent both ways (a dead line: no close, no error).
	let cut = false;
	await a.page.routeWebSocket(/\/collab\//, (ws) => {
		const server = ws.connectToServer();
		ws.onMessage((m) => !cut && server.send(m));
		server.onMessage((m) => !cut && ws.send(m));
	});
	await openEditor(a.page);
	// a quiet line that still answers is not « offline »: the heartbeat keeps it alive
	await a.page.waitForTimeout(4000);
	await expect(status(a.page)).toHaveText('Enregistré');
	cut = true;
	await expect(status(a.page)).toHaveText('Hors ligne — vos modifications sont gardées sur cet appareil', {
		timeout: 3000
	});
	cut = false;
	await expect(status(a.page)).toHaveText('Enregistré');
	await a.context.close();
});
