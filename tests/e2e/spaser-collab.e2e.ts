import { expect, test, type Page } from '@playwright/test';
import { DEMO, newSession } from './helpers';

// The demo SPASER of the Agglomération du Val d'Aurence (src/lib/server/demo.ts).
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';
const OUTSIDER = 'achats.metropole@demo.spaser.test'; // admin of another collectivité

async function openEditor(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}`);
	await expect(page.getByTestId('connection-status')).toContainText('Connecté — modifications enregistrées');
}

const body = (page: Page) => page.locator('.rte-content');

test('two people co-edit a SPASER live; a viewer follows read-only; another collectivité is refused', async ({ browser }) => {
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
	await expect(a.page.locator('.collaboration-carets__label', { hasText: 'Thomas Bérengier' })).toBeVisible({ timeout: 1000 });

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
