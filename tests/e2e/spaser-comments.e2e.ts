// Issue 15: comments anchored in the text. A passage selected in one browser is commented; the thread appears in
// the other browsers without reloading, the passage highlighted (a decoration, not a change of the text); typing
// before the passage, in either browser, leaves exactly the same passage highlighted; resolving hides the
// highlight everywhere, reopening brings it back; a read-only viewer sees all of it.
import { expect, test, type Page } from '@playwright/test';
import { DEMO, newSession } from './helpers';

const SPASER_ID = 'de000000-0000-4000-8003-000000000001';
const EDITOR = 'redacteur@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';

async function openEditor(page: Page) {
	await page.goto(`/spaser/${SPASER_ID}?vue=formulaire`);
	await expect(page.getByTestId('connection-status')).toHaveText('Enregistré');
}

const body = (page: Page) => page.locator('.rte-content');

/** Selects `text` in the element's body (or puts the caret at `offset` in it) the way a mouse would. */
async function select(page: Page, text: string, offset?: number) {
	await body(page).evaluate(
		(root, [text, offset]) => {
			// the text as shown, across the spans of highlights, without the collaborators' caret labels
			const nodes: Text[] = [];
			const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
			for (let n = walker.nextNode() as Text | null; n; n = walker.nextNode() as Text | null)
				if (!n.parentElement?.closest('.collaboration-carets__caret')) nodes.push(n);
			const all = nodes.map((n) => n.data).join('');
			const i = all.indexOf(text as string);
			if (i < 0) throw new Error(`text not found: ${text}`);
			const at = (k: number): [Text, number] => {
				for (const n of nodes) {
					if (k <= n.data.length) return [n, k];
					k -= n.data.length;
				}
				throw new Error('out of range');
			};
			(root as HTMLElement).focus();
			const r = document.createRange();
			if (offset === null) {
				r.setStart(...at(i));
				r.setEnd(...at(i + (text as string).length));
			} else {
				r.setStart(...at(i + (offset as number)));
				r.collapse(true);
			}
			const s = getSelection()!;
			s.removeAllRanges();
			s.addRange(r);
		},
		[text, offset ?? null] as const
	);
}

/** The body's text as a person reads it (without the collaborators' caret labels). */
const bodyText = (page: Page) =>
	body(page).evaluate((root) => {
		const copy = root.cloneNode(true) as HTMLElement;
		for (const c of copy.querySelectorAll('.collaboration-carets__caret')) c.remove();
		return copy.textContent ?? '';
	});

/** The text highlighted for this thread in a page's editor. */
const highlighted = (page: Page, threadId: string) =>
	page
		.locator(`.rte-content [data-comment-id="${threadId}"]`)
		.allTextContents()
		.then((t) => t.join(''));

test('a passage commented in one browser is highlighted live in the others, follows edits, resolves and reopens', async ({
	browser
}) => {
	test.setTimeout(150_000); // three browsers on a shared machine
	const a = await newSession(browser, DEMO.orgAdmin);
	const b = await newSession(browser, EDITOR);
	const viewer = await newSession(browser, VIEWER);
	const pages = [a.page, b.page, viewer.page];
	for (const p of pages) await openEditor(p);

	// A writes a sentence (its own, so that the passage is unique), everybody sees it.
	const stamp = Date.now();
	const passage = `passage ${stamp} à relire`;
	await body(a.page).click();
	await a.page.keyboard.press('Control+End');
	await a.page.keyboard.press('Enter');
	await a.page.keyboard.type(`Avant ${passage} après.`);
	for (const p of pages) await expect(body(p)).toContainText(passage);

	// A selects the passage: « Commenter » (bubble) opens the comment form with the quote, focus in the text box.
	await select(a.page, passage);
	await a.page.getByRole('button', { name: 'Commenter', exact: true }).click();
	await expect(a.page.getByTestId('pending-quote')).toContainText(passage);
	await expect(a.page.getByLabel('Commentaire sur ce passage')).toBeFocused();
	await a.page.keyboard.type(`Remarque ${stamp}`);
	await a.page.getByRole('button', { name: 'Publier le commentaire' }).click();

	// The others see the thread without reloading, with the quote, and the passage highlighted in their text.
	const thread = (p: Page) => p.getByTestId('comment-thread').filter({ hasText: `Remarque ${stamp}` });
	for (const p of pages) await expect(thread(p).getByTestId('comment-quote')).toContainText(passage);
	const id = (await thread(a.page).getAttribute('data-thread-id'))!;
	expect(id).toMatch(/^[0-9a-f-]{36}$/);
	for (const p of pages) await expect.poll(() => highlighted(p, id)).toBe(passage);
	// the highlight is not part of the text: nobody's document changed
	expect(await bodyText(b.page)).toContain(`Avant ${passage} après.`);

	// B types far before the passage and right against its start; A types right after it: the same passage stays.
	await select(b.page, `Avant ${passage}`, 0);
	await b.page.keyboard.type('Tout d’abord. ');
	await select(b.page, `Avant ${passage}`, 'Avant '.length);
	await b.page.keyboard.type('le ');
	await select(a.page, ' après.', 0);
	await a.page.keyboard.type(' (fin)');
	for (const p of pages)
		await expect.poll(() => bodyText(p)).toContain(`Tout d’abord. Avant le ${passage} (fin) après.`);
	for (const p of pages) await expect.poll(() => highlighted(p, id)).toBe(passage);

	// B replies: A sees the reply without reloading.
	await thread(b.page).getByText('Répondre').click();
	await thread(b.page).getByLabel('Votre réponse').fill(`D’accord ${stamp}`);
	await thread(b.page).getByRole('button', { name: 'Envoyer la réponse' }).click();
	await expect(thread(a.page)).toContainText(`D’accord ${stamp}`);

	// The viewer resolves the thread: the highlight goes away everywhere; B reopens it: it comes back.
	await thread(viewer.page).getByRole('button', { name: 'Marquer comme résolue' }).click();
	for (const p of pages) await expect(p.locator(`.rte-content [data-comment-id="${id}"]`)).toHaveCount(0);
	await b.page.getByText(/Discussions résolues/).click();
	await thread(b.page).getByRole('button', { name: 'Rouvrir la discussion' }).click();
	for (const p of pages) await expect.poll(() => highlighted(p, id)).toBe(passage);

	// The keyboard shortcut does what the bubble does.
	await select(b.page, 'Tout d’abord');
	await b.page.keyboard.press('Control+Alt+m');
	await expect(b.page.getByTestId('pending-quote')).toContainText('Tout d’abord');
	await b.page.getByRole('button', { name: 'Commenter tout l’élément plutôt' }).click();
	await expect(b.page.getByTestId('pending-quote')).toHaveCount(0);

	// The passage deleted: the thread stays, with its quote, « passage supprimé ».
	await select(a.page, `le ${passage} (fin)`);
	await a.page.keyboard.press('Backspace');
	for (const p of pages) {
		await expect(thread(p).getByTestId('passage-deleted')).toBeVisible();
		await expect(thread(p).getByTestId('comment-quote')).toContainText(passage);
		await expect(p.locator(`.rte-content [data-comment-id="${id}"]`)).toHaveCount(0);
	}

	for (const s of [a, b, viewer]) await s.context.close();
});

test('the live stream and the discussions are refused to people who may not read the SPASER', async ({ browser }) => {
	const outsider = await newSession(browser, 'achats.metropole@demo.spaser.test');
	const stream = await outsider.page.request.get(`/spaser/${SPASER_ID}/commentaires/flux`, {
		headers: { accept: 'text/event-stream' },
		maxRedirects: 0
	});
	expect(stream.status()).toBe(404);
	const list = await outsider.page.request.get(`/spaser/${SPASER_ID}/commentaires`, { maxRedirects: 0 });
	expect(list.status()).toBe(404);
	expect(await list.text()).not.toContain('Remarque');
	await outsider.context.close();
});
