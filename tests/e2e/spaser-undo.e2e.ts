import { expect, test, type Page } from '@playwright/test';
import { DEMO, newSession } from './helpers';

// Issue 15: nothing deleted is lost (Corbeille, per-person undo, per-element history).
// The demo SPASER of the Agglomération du Val d'Aurence (src/lib/server/demo.ts, supabase/seed.sql).
const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';

const status = (page: Page) => page.getByTestId('connection-status');
const titleField = (page: Page) => page.getByLabel('Titre', { exact: true });
const outline = (page: Page) => page.getByTestId('outline-node');

async function openEditor(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}?vue=formulaire`);
	await expect(status(page)).toHaveText('Enregistré');
}

async function saved(page: Page) {
	await expect(status(page)).toHaveText('Enregistré');
}

/** Adds a root element with a unique title and returns that title. */
async function addElement(page: Page, stem: string): Promise<string> {
	const name = `${stem} ${Date.now()}`;
	await page.getByRole('button', { name: /^\+ Axe$/ }).click();
	await titleField(page).fill(name);
	await saved(page);
	return name;
}

async function select(page: Page, title: string) {
	await outline(page).filter({ hasText: title }).click();
	await expect(titleField(page)).toHaveValue(title);
}

/** The titles of the outline, in order. */
async function titles(page: Page): Promise<string[]> {
	return (await outline(page).locator('.node-title').allTextContents()).map((t) => t.trim());
}

async function deleteSelected(page: Page) {
	await page.getByRole('button', { name: 'Supprimer…' }).click();
	await expect(page.getByRole('alert').filter({ hasText: 'Supprimer' })).toContainText(
		'vont dans la corbeille, avec leurs textes, cibles et commentaires\u00a0: vous pourrez les restaurer à leur place'
	);
	await page.getByRole('button', { name: 'Confirmer la suppression' }).click();
}

test('an element deleted with its children, target and comment comes back at its place from the Corbeille and by undo; a colleague’s edit made in between stays', async ({
	browser
}) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	await openEditor(a.page);

	// An element with a child, a target and a comment
	const parent = await addElement(a.page, 'À la corbeille');
	await a.page.getByRole('button', { name: /^\+ Chantier$/ }).click();
	const child = `Sous-élément ${Date.now()}`;
	await titleField(a.page).fill(child);
	await select(a.page, parent);
	await a.page.getByRole('button', { name: '+ Ajouter une cible' }).click();
	await a.page.getByLabel('Indicateur', { exact: true }).fill('Heures d’insertion à garder');
	await saved(a.page);
	await a.page.getByLabel('Nouveau commentaire').fill('Ce commentaire doit survivre');
	await a.page.getByRole('button', { name: 'Publier le commentaire' }).click();
	await expect(a.page.getByTestId('comment-thread').filter({ hasText: 'Ce commentaire doit survivre' })).toBeVisible();
	const before = await titles(a.page);
	expect(before.indexOf(child)).toBe(before.indexOf(parent) + 1);

	await openEditor(b.page);
	await expect.poll(() => titles(b.page)).toEqual(before);

	// 1. Delete → Corbeille → Restaurer, while the colleague adds an element of their own
	await select(a.page, parent);
	await deleteSelected(a.page);
	await expect(outline(b.page).filter({ hasText: parent })).toHaveCount(0);
	await expect(outline(b.page).filter({ hasText: child })).toHaveCount(0);
	const colleague = await addElement(b.page, 'Ajout du collègue');
	await expect(outline(a.page).filter({ hasText: colleague })).toHaveCount(1);
	await a.page.getByText(/^Corbeille \(\d+\)$/).click();
	const entry = a.page.getByTestId('corbeille-entry').filter({ hasText: parent });
	await expect(entry).toContainText('avec 1 sous-élément');
	await expect(entry).toContainText('par Sandrine Aurelhac');
	await entry.getByRole('button', { name: /^Restaurer/ }).click();
	const expected = [...before, colleague];
	for (const p of [a.page, b.page]) await expect.poll(() => titles(p)).toEqual(expected);
	await saved(a.page);

	// 2. Delete again → undo (Ctrl+Z, then the button) → it is back, the colleague's edit made meanwhile stays
	await select(a.page, parent);
	await deleteSelected(a.page);
	await expect(outline(b.page).filter({ hasText: parent })).toHaveCount(0);
	await select(b.page, colleague);
	await titleField(b.page).press('End');
	await b.page.keyboard.type(' modifié');
	await saved(b.page);
	await expect(outline(a.page).filter({ hasText: `${colleague} modifié` })).toHaveCount(1);
	await outline(a.page).first().focus();
	await a.page.keyboard.press('Control+z');
	const restored = [...before, `${colleague} modifié`];
	for (const p of [a.page, b.page]) await expect.poll(() => titles(p)).toEqual(restored);
	// redo deletes it again, the button undoes that
	await a.page.getByTestId('redo').click();
	await expect(outline(b.page).filter({ hasText: parent })).toHaveCount(0);
	await a.page.getByTestId('undo').click();
	for (const p of [a.page, b.page]) await expect.poll(() => titles(p)).toEqual(restored);
	await saved(a.page);

	// Everything came back: the child, the target, the comment; and it is what the server stored (a read-only screen)
	const c = await newSession(browser, VIEWER);
	await openEditor(c.page);
	await expect.poll(() => titles(c.page)).toEqual(restored);
	await select(c.page, parent);
	await expect(c.page.getByLabel('Indicateur', { exact: true })).toHaveValue('Heures d’insertion à garder');
	await expect(c.page.getByTestId('comment-thread').filter({ hasText: 'Ce commentaire doit survivre' })).toBeVisible();
	await expect(c.page.getByTestId('undo')).toHaveCount(0);
	for (const s of [a, b, c]) await s.context.close();
});

test('the history of an element shows who changed what, and « rétablir » brings back its earlier state for everyone', async ({
	browser
}) => {
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	await openEditor(a.page);
	await openEditor(b.page);
	const first = await addElement(a.page, 'Historique première rédaction');
	await select(b.page, first);
	const second = `Historique réécrit par un collègue ${Date.now()}`;
	await titleField(b.page).fill(second);
	await saved(b.page);
	await expect(titleField(a.page)).toHaveValue(second);

	await a.page.getByText("Historique de l'élément").click();
	const entries = a.page.getByTestId('history-entry');
	await expect(entries).toHaveCount(2);
	await expect(entries.nth(0)).toContainText('Thomas Bérengier');
	await expect(entries.nth(0)).toContainText('titre');
	await expect(entries.nth(1)).toContainText('Sandrine Aurelhac');
	await expect(entries.nth(1)).toContainText('création');
	await entries
		.nth(1)
		.getByRole('button', { name: /^Rétablir cet élément tel qu'il était le / })
		.click();
	await expect(titleField(a.page)).toHaveValue(first);
	await expect(titleField(b.page)).toHaveValue(first);
	await saved(a.page);
	// it is an ordinary change of one's own: undoable
	await a.page.getByTestId('undo').click();
	await expect(titleField(b.page)).toHaveValue(second);
	for (const s of [a, b]) await s.context.close();
});
