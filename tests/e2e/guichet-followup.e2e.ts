/**
 * Guichet vert follow-up through the real pages: a buyer asks a question minute with a PDF attached, the
 * animator downloads it (same bytes), a member of another collectivité who guesses the URL gets a 404, the
 * animator redirects the question to the network's social-clause facilitator; a buyer creates, uses and revokes
 * a private calendar feed link.
 */
import ICAL from 'ical.js';
import { readFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, DEMO_NETWORK, gotoReady, newSession } from './helpers';

const FACILITATOR = 'Laure Castanet';

/** Serious and critical axe violations (WCAG 2.0/2.1 A and AA) of the page as it is. */
async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test('attachment on a question minute: uploaded by the buyer, downloaded by the animator, hidden from others; redirect to the facilitator', async ({
	browser
}) => {
	const doc = await PDFDocument.create();
	doc.addPage().drawText('CCTP - nettoyage des locaux');
	const pdf = Buffer.from(await doc.save());
	const topic = `Relecture du CCTP ${Date.now()}`;

	const buyer = await newSession(browser, DEMO.orgAdmin);
	const b = buyer.page;
	await gotoReady(b, `/guichet/${DEMO_NETWORK.slug}/question`);
	await b.getByLabel('Sujet').fill(topic);
	await b.getByLabel("Étape de l'achat").selectOption({ label: 'Rédaction du DCE' });
	await b.getByLabel('Votre question').fill('Pouvez-vous relire la clause sociale du CCTP joint ?');
	// A file that is not an accepted type is refused with a clear message, and what was typed stays.
	await b
		.getByLabel('Pièces jointes (facultatif)')
		.setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('pas un PDF') });
	await b.getByRole('button', { name: 'Envoyer la question' }).click();
	await expect(b.getByText(/« notes\.pdf » n'est pas un fichier accepté/).first()).toBeVisible();
	await expect(b.getByLabel('Sujet')).toHaveValue(topic);
	await b
		.getByLabel('Pièces jointes (facultatif)')
		.setInputFiles({ name: 'CCTP nettoyage.pdf', mimeType: 'application/pdf', buffer: pdf });
	await b.getByRole('button', { name: 'Envoyer la question' }).click();
	await expect(b).toHaveURL(/\/guichet\/demande\/[0-9a-f-]{36}/);
	const link = b
		.getByRole('list', { name: 'Pièces jointes à la demande' })
		.getByRole('link', { name: 'CCTP nettoyage.pdf' });
	await expect(link).toBeVisible();
	const fileUrl = (await link.getAttribute('href'))!;
	const requestPath = new URL(b.url()).pathname;

	// The animator downloads the file: same bytes.
	const animator = await newSession(browser, DEMO.animator);
	const a = animator.page;
	await gotoReady(a, requestPath);
	const [download] = await Promise.all([
		a.waitForEvent('download'),
		a
			.getByRole('list', { name: 'Pièces jointes à la demande' })
			.getByRole('link', { name: 'CCTP nettoyage.pdf' })
			.click()
	]);
	expect(download.suggestedFilename()).toBe('CCTP nettoyage.pdf');
	expect(Buffer.compare(await readFile((await download.path())!), pdf)).toBe(0);
	expect(await seriousViolations(a), 'axe on the request page (animator)').toEqual([]);

	// A member of another collectivité who guesses the URL gets nothing.
	const other = await newSession(browser, 'achats.metropole@demo.spaser.test');
	const guessed = await other.page.request.get(fileUrl);
	expect(guessed.status()).toBe(404);
	expect(Buffer.from(await guessed.body()).includes(pdf.subarray(0, 64))).toBe(false);
	const anonymous = await browser.newContext();
	expect((await anonymous.request.get(new URL(fileUrl, b.url()).toString(), { maxRedirects: 0 })).status()).toBe(303);

	// The animator answers with a file, then redirects the question to the social-clause facilitator.
	await a.getByLabel('Votre réponse').fill('Voici une proposition de clause.');
	await a
		.getByLabel('Pièces jointes (facultatif)')
		.setInputFiles({ name: 'clause.pdf', mimeType: 'application/pdf', buffer: pdf });
	await a.getByRole('button', { name: 'Envoyer', exact: true }).click();
	await expect(
		a.getByRole('list', { name: 'Pièces jointes au message' }).getByRole('link', { name: 'clause.pdf' })
	).toBeVisible();
	await a.getByLabel('Confier à').selectOption({ label: `${FACILITATOR} — facilitation clause sociale` });
	await a.getByLabel('Motif').fill('Question de clause sociale d’insertion');
	await a.getByRole('button', { name: 'Réorienter' }).click();
	await expect(a.getByText(/La demande est réorientée/)).toBeVisible();

	// The buyer sees who follows the request now, and why.
	await gotoReady(b, requestPath);
	await expect(b.getByText(FACILITATOR).first()).toBeVisible();
	await expect(b.getByText(/Motif : Question de clause sociale d’insertion/)).toBeVisible();
	await expect(
		b.getByRole('list', { name: 'Pièces jointes au message' }).getByRole('link', { name: 'clause.pdf' })
	).toBeVisible();

	for (const s of [buyer, animator, other]) await s.context.close();
	await anonymous.close();
});

test('a private calendar feed link is shown once, serves a valid ICS, and stops working once revoked', async ({
	browser
}) => {
	const { context, page } = await newSession(browser, DEMO.orgAdmin);
	await gotoReady(page, '/guichet');
	await page.getByRole('link', { name: /Abonner mon agenda/ }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Abonner mon agenda au Guichet vert' })).toBeVisible();
	const revokers = page.locator('summary', { hasText: 'Révoquer' });
	const before = await revokers.count();
	await page.getByRole('button', { name: "Créer un lien d'abonnement" }).click();
	const field = page.getByLabel(/Adresse de l'agenda/);
	await expect(field).toBeVisible();
	const url = await field.inputValue();
	expect(url).toMatch(/\/guichet\/calendrier\/[a-z2-7]+\.ics$/);

	const feed = await context.request.get(url);
	expect(feed.status()).toBe(200);
	expect(feed.headers()['content-type']).toMatch(/text\/calendar/);
	const cal = new ICAL.Component(ICAL.parse(await feed.text()));
	expect(cal.getFirstPropertyValue('x-wr-calname')).toBe('Guichet vert');
	expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');

	expect(await seriousViolations(page), 'axe on /guichet/agenda').toEqual([]);

	// Shown once: after a reload the page lists the link but no longer shows it.
	await gotoReady(page, '/guichet/agenda');
	await expect(page.getByLabel(/Adresse de l'agenda/)).toHaveCount(0);
	await expect(revokers).toHaveCount(before + 1);
	const row = page
		.getByRole('row')
		.filter({ has: page.locator('summary', { hasText: 'Révoquer' }) })
		.first();
	await row.locator('summary', { hasText: 'Révoquer' }).click();
	await row.getByRole('button', { name: 'Oui, révoquer ce lien' }).click();
	await expect(page.getByText(/Le lien est révoqué/)).toBeVisible();
	expect((await context.request.get(url)).status()).toBe(404);
	await context.close();
});

test('an animator sets the network rules for changes', async ({ browser }) => {
	const { context, page } = await newSession(browser, DEMO.animator);
	const path = `/guichet/animation?reseau=${DEMO_NETWORK.slug}`;
	await gotoReady(page, path);
	const section = page.getByRole('region', { name: 'Règles du réseau pour les changements' });
	await section.getByLabel("Délai minimal d'annulation (heures)").fill('48');
	await section.getByLabel('Les collectivités peuvent annuler en ligne').uncheck();
	await section.getByRole('button', { name: 'Enregistrer les règles' }).click();
	await expect(page.getByText('Règles du réseau enregistrées.')).toBeVisible();
	await gotoReady(page, path);
	await expect(section.getByLabel("Délai minimal d'annulation (heures)")).toHaveValue('48');
	await expect(section.getByLabel('Les collectivités peuvent annuler en ligne')).not.toBeChecked();
	// Back to the demo defaults.
	await section.getByLabel("Délai minimal d'annulation (heures)").fill('24');
	await section.getByLabel('Les collectivités peuvent annuler en ligne').check();
	await section.getByRole('button', { name: 'Enregistrer les règles' }).click();
	await expect(page.getByText('Règles du réseau enregistrées.')).toBeVisible();
	await context.close();
});
