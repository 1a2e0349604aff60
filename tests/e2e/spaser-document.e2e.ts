import { expect, test, type Locator, type Page } from '@playwright/test';
import { DEMO, newSession } from './helpers';

// Issue 15: the SPASER as one living document — the document view is the default way to write.
// The demo SPASER of the Agglomération du Val d'Aurence (src/lib/server/demo.ts).
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';

const status = (page: Page) => page.getByTestId('connection-status');
const planNode = (page: Page, title: string) => page.getByTestId('plan-node').filter({ hasText: title });
/** The element whose title input currently shows `title` (inputs' values are not text: match them by evaluation). */
async function elementByTitle(page: Page, title: string): Promise<Locator> {
	await expect
		.poll(() =>
			page
				.locator('input[data-title]')
				.evaluateAll((els, t) => els.filter((e) => (e as HTMLInputElement).value === t).length, title)
		)
		.toBe(1);
	const id = await page
		.locator('input[data-title]')
		.evaluateAll((els, t) => els.find((e) => (e as HTMLInputElement).value === t)!.closest('section')!.id, title);
	return page.locator(`#${id}`);
}
const announce = (page: Page) => page.getByTestId('document-announce');

async function openDocument(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}`);
	await expect(status(page)).toHaveText('Enregistré');
	await expect(page.getByTestId('document-view')).toBeVisible();
}

/** Adds a root element through the plan's « + Axe » and types its title (the new title is selected). */
async function addRoot(page: Page, stem: string): Promise<string> {
	const name = `${stem} ${Date.now()}`;
	await page.getByRole('button', { name: /^\+ Axe$/ }).click();
	await expect(page.locator('input[data-title]:focus')).toHaveValue('Nouveau axe');
	await page.keyboard.type(name);
	await expect(planNode(page, name)).toHaveCount(1);
	return name;
}

/** The titles of the plan, in order. */
const planTitles = (page: Page) => page.getByTestId('plan-node').locator('.t').allInnerTexts();

test('the document view is the default: two people write titles and text in place, live; a viewer reads', async ({
	browser
}) => {
	// Three browsers on one live document: more than the default minute on a loaded CI machine.
	test.setTimeout(150_000);
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	const viewer = await newSession(browser, VIEWER);
	await openDocument(a.page);
	await openDocument(b.page);
	await openDocument(viewer.page);

	// Every element of the SPASER is in the document, in the plan's order, with its number.
	const count = await a.page.getByTestId('plan-node').count();
	expect(count).toBeGreaterThan(3);
	await expect(a.page.getByTestId('doc-element')).toHaveCount(count);
	await expect(a.page.getByTestId('doc-element').first().locator('.num')).toHaveText('Axe 1');

	// A adds an element and types its title: B sees it in the plan and in the document.
	const name = await addRoot(a.page, 'Écrit en place');
	await expect(planNode(b.page, name)).toHaveCount(1);
	const elB = await elementByTitle(b.page, name);

	// Enter at the end of the title starts the element's text.
	await a.page.keyboard.press('Enter');
	const sentence = `Une phrase écrite dans le document ${Date.now()}.`;
	await a.page.keyboard.type(sentence);
	const elA = await elementByTitle(a.page, name);
	await expect(elA.locator('.rte-content')).toContainText(sentence);
	await expect(elB.locator('.body')).toContainText(sentence);

	// B completes the same title while A's caret is in it: both screens end with both changes (A's caret stays
	// where A was typing, before what B added).
	await elA.locator('input[data-title]').click();
	await elA.locator('input[data-title]').press('End');
	const titleB = elB.locator('input[data-title]');
	await titleB.click();
	await titleB.press('End');
	await b.page.keyboard.type(' (revu)');
	await expect(elA.locator('input[data-title]')).toHaveValue(`${name} (revu)`);
	await a.page.keyboard.type('!');
	await expect(titleB).toHaveValue(`${name}! (revu)`);
	await expect(elA.locator('input[data-title]')).toHaveValue(`${name}! (revu)`);

	// B writes in the text of that element too; A sees it.
	await elB.locator('.body [role="textbox"]').click();
	await b.page.keyboard.press('Control+End');
	await b.page.keyboard.press('Enter');
	await b.page.keyboard.type('Complété par un collègue.');
	await expect(elA.locator('.rte-content')).toContainText('Complété par un collègue.');

	// The viewer sees it all, read-only.
	const elV = await elementByTitle(viewer.page, `${name}! (revu)`);
	await expect(elV.locator('.body')).toContainText('Complété par un collègue.');
	await expect(elV.locator('input[data-title]')).toHaveAttribute('readonly', '');
	await expect(viewer.page.getByRole('button', { name: /^\+ Ajouter/ })).toHaveCount(0);
	await expect(status(a.page)).toHaveText('Enregistré');
	for (const s of [a, b, viewer]) await s.context.close();
});

test('drag and drop in the plan, and the keyboard, move an element with its subtree', async ({ browser }) => {
	test.setTimeout(120_000);
	const a = await newSession(browser, EDITOR);
	const b = await newSession(browser, DEMO.orgAdmin);
	await openDocument(a.page);
	await openDocument(b.page);
	const x = await addRoot(a.page, 'Déplacé');
	// a child of X, from the element's « + Ajouter » menu (« / » on an empty line of the text opens the same menu)
	const elX = await elementByTitle(a.page, x);
	await elX.locator('input[data-title]').press('Enter');
	await a.page.keyboard.type('/');
	const menu = elX.getByRole('menu');
	await expect(menu).toBeVisible();
	await expect(menu.getByRole('menuitem').first()).toBeFocused();
	await menu.getByRole('menuitem', { name: /\(sous-élément\)/ }).click();
	await expect(a.page.locator('input[data-title]:focus')).toHaveValue('Nouvelle chantier');
	const child = `Sous ${x}`;
	await a.page.keyboard.type(child);
	const y = await addRoot(a.page, 'Repère');
	expect((await planTitles(a.page)).slice(-3)).toEqual([x, child, y]);

	// Drag X (with its child) onto the lower part of Y: after Y, subtree included — on both screens. (The HTML
	// drag events the browser sends, with one DataTransfer, dispatched on the entries themselves.)
	const source = planNode(a.page, x).first();
	const target = planNode(a.page, y);
	await target.scrollIntoViewIfNeeded();
	const box = (await target.boundingBox())!;
	const at = { clientX: box.x + 20, clientY: box.y + box.height * 0.8 };
	const dataTransfer = await a.page.evaluateHandle(() => new DataTransfer());
	await source.dispatchEvent('dragstart', { dataTransfer });
	await target.dispatchEvent('dragover', { dataTransfer, ...at });
	await expect(target).toHaveClass(/drop-after/);
	await target.dispatchEvent('drop', { dataTransfer, ...at });
	await source.dispatchEvent('dragend', { dataTransfer });
	await expect.poll(async () => (await planTitles(a.page)).slice(-3)).toEqual([y, x, child]);
	await expect.poll(async () => (await planTitles(b.page)).slice(-3)).toEqual([y, x, child]);
	await expect(announce(a.page)).toContainText('déplacé');
	// the document follows the plan
	const docTitles = () =>
		a.page.locator('input[data-title]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
	expect((await docTitles()).slice(-3)).toEqual([y, x, child]);

	// The keyboard alternative: Alt+↑ on X's plan entry puts it back before Y, announced; then the button.
	await planNode(a.page, x).first().getByRole('button').focus();
	await a.page.keyboard.press('Alt+ArrowUp');
	await expect.poll(async () => (await planTitles(a.page)).slice(-3)).toEqual([x, child, y]);
	await expect(announce(a.page)).toContainText(`«\u00a0${x}\u00a0» déplacé(e), avec ses sous-éléments`);
	await expect(planNode(a.page, x).first().getByRole('button')).toBeFocused();
	await a.page.getByRole('button', { name: 'Descendre', exact: true }).click();
	await expect.poll(async () => (await planTitles(b.page)).slice(-3)).toEqual([y, x, child]);
	// « Décaler à droite » makes X a child of Y, its own child one level deeper
	await a.page.getByRole('button', { name: 'Décaler à droite', exact: true }).click();
	await expect(planNode(b.page, x).first()).toHaveAttribute('data-depth', '2');
	await expect(planNode(b.page, child)).toHaveAttribute('data-depth', '3');
	await expect((await elementByTitle(b.page, child)).locator('h4')).toBeAttached();
	for (const s of [a, b]) await s.context.close();
});

test('insert a clause from the document view with its parameter filled in', async ({ browser }) => {
	const a = await newSession(browser, EDITOR);
	const b = await newSession(browser, DEMO.orgAdmin);
	await openDocument(a.page);
	await openDocument(b.page);
	const name = await addRoot(a.page, 'Avec clause');
	const el = await elementByTitle(a.page, name);
	await el.getByRole('button', { name: /^\+ Ajouter/ }).click();
	await el.getByRole('menuitem', { name: 'Clause de la bibliothèque…' }).click();

	const dialog = a.page.getByRole('dialog', { name: /Insérer une clause/ });
	await expect(dialog).toBeVisible();
	await dialog.getByLabel('Rechercher dans la bibliothèque').fill('réemploi matières recyclées');
	await dialog.getByRole('button', { name: /Produits issus du réemploi/ }).click();
	// the clause's {part_reemploi} is asked for, with the model's default value
	const param = dialog.getByLabel('part_reemploi');
	await expect(param).toBeFocused();
	await expect(param).toHaveValue('20');
	// left empty, it is refused and nothing is inserted
	await param.fill('');
	await dialog.getByRole('button', { name: 'Insérer la clause' }).click();
	await expect(dialog.getByRole('alert')).toHaveText('Renseignez le paramètre «\u00a0part_reemploi\u00a0».');
	await param.fill('35');
	await dialog.getByRole('button', { name: 'Insérer la clause' }).click();
	await expect(dialog).toBeHidden();
	await expect(announce(a.page)).toHaveText('Le texte de la clause a été inséré.');

	// The text arrives in the element on both screens, the value filled in, no raw {…} left.
	const expected = 'Au moins 35 % du montant annuel des fournitures livrées';
	await expect(el.locator('.body')).toContainText(expected);
	const elB = await elementByTitle(b.page, name);
	await expect(elB.locator('.body')).toContainText(expected);
	expect(await el.locator('.body').innerText()).not.toMatch(/\{[^}]*\}/);

	// And it is stored: the export has it, filled in.
	await expect(status(a.page)).toHaveText('Enregistré');
	await expect
		.poll(async () => {
			const exported = (await (await a.page.request.get(`/spaser/${SPASER_ID}/export.json`)).json()) as {
				content: { nodes: { title: string; body: unknown }[] };
			};
			return JSON.stringify(exported.content.nodes.find((n) => n.title === name)?.body ?? null);
		})
		.toContain(expected);
	for (const s of [a, b]) await s.context.close();
});

test('phone, 390 px: the plan folds away, a tap brings the element into view; no horizontal scroll', async ({
	browser
}) => {
	const a = await newSession(browser, EDITOR);
	await a.page.setViewportSize({ width: 390, height: 844 });
	await openDocument(a.page);
	const plan = a.page.locator('details.plan');
	await expect(plan).not.toHaveAttribute('open');
	await plan.locator('summary').click();
	const last = a.page.getByTestId('plan-node').last();
	const title = await last.locator('.t').innerText();
	await last.getByRole('button').click();
	const el = await elementByTitle(a.page, title);
	await expect(el.locator('input[data-title]')).toBeInViewport();
	await expect(el.locator('input[data-title]')).toBeFocused();
	await expect(plan).not.toHaveAttribute('open');
	expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

	// The « + Ajouter » menu and the library dialog fit the screen, with touch-sized targets.
	await el.getByRole('button', { name: /^\+ Ajouter/ }).click();
	for (const item of await el.getByRole('menuitem').all()) {
		const box = (await item.boundingBox())!;
		expect(box.height).toBeGreaterThanOrEqual(44);
		expect(box.x + box.width).toBeLessThanOrEqual(390);
	}
	await el.getByRole('menuitem', { name: 'Clause de la bibliothèque…' }).click();
	const dialog = a.page.getByRole('dialog');
	await dialog.getByLabel('Rechercher dans la bibliothèque').fill('réemploi');
	await expect(dialog.getByRole('button', { name: /Produits issus du réemploi/ })).toBeVisible();
	const box = (await dialog.boundingBox())!;
	expect(box.x).toBeGreaterThanOrEqual(0);
	expect(box.x + box.width).toBeLessThanOrEqual(390);
	expect(await a.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
	await a.context.close();
});
