/**
 * Shared resources end to end: a buyer writes a clause and shares it with the network, the animator asks for a
 * change, the buyer edits, the animator validates, and another collectivité of the network finds it by search and
 * inserts it into its own SPASER (created here through the UI).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { DEMO, gotoReady, newSession } from './helpers';

/** Serious and critical axe violations (WCAG 2.0/2.1 A and AA) of the page as it is. */
async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

const BUYER = 'redacteur@demo.spaser.test';
const OTHER = 'achats.metropole@demo.spaser.test';
const OTHER_ORG_SLUG = 'metropole-de-garonne-veradene';

test('a clause goes from a buyer through network review to another collectivité’s SPASER', async ({ browser }) => {
	// Five people, two browsers and a live SPASER: more than the default minute on a loaded CI machine.
	test.setTimeout(150_000);
	const title = `Reprise des palettes de livraison ${Date.now().toString(36)}`;
	const buyer = await newSession(browser, BUYER);
	const b = buyer.page;

	// 1. The buyer writes the clause and shares it with the network.
	await gotoReady(b, '/ressources/nouvelle');
	await b.getByLabel('Titre').fill(title);
	await b.getByLabel('Résumé').fill('Le titulaire reprend et réemploie les palettes.');
	await b.getByLabel('Famille').selectOption('environnementale');
	await b.getByLabel('Mécanisme juridique').selectOption('condition_execution');
	await b
		.getByLabel('Texte de la clause')
		.fill('Le titulaire reprend gratuitement les palettes de livraison et les réemploie.');
	await b.getByRole('checkbox', { name: 'Fournitures — bureau et papier' }).check();
	await b.getByLabel('Codes CPV').fill('30190000-7');
	await b.getByRole('radio', { name: /Partagé avec mon réseau/ }).check();
	await b.getByRole('button', { name: 'Enregistrer' }).click();
	await expect(b.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
	await expect(b.getByText('Ressource enregistrée.')).toBeVisible();
	const clauseUrl = new URL(b.url()).pathname;
	await expect(b.getByText('En attente de relecture').first()).toBeVisible();

	// 2. The animator finds it in her review queue and asks for a change, with a comment.
	const animator = await newSession(browser, DEMO.animator);
	const a = animator.page;
	await gotoReady(a, '/ressources/relecture');
	await a.getByRole('link', { name: title }).click();
	await expect(a.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
	await a.waitForLoadState('networkidle');
	await a.getByRole('radio', { name: 'Demander des modifications' }).check();
	await a.getByRole('button', { name: 'Enregistrer la décision' }).click();
	await expect(a.getByText('Expliquez les modifications demandées.')).toBeVisible(); // a request for changes needs a comment
	await a.getByRole('radio', { name: 'Demander des modifications' }).check();
	await a.getByLabel(/Commentaire/).fill('Précisez le délai de reprise des palettes.');
	await a.getByRole('button', { name: 'Enregistrer la décision' }).click();
	await expect(a.getByText('Demande de modifications envoyée.')).toBeVisible();

	// 3. The buyer sees the request and edits the clause: it goes back to review as version 2.
	await gotoReady(b, clauseUrl);
	await expect(b.getByText('Modifications demandées').first()).toBeVisible();
	await expect(b.getByText('« Précisez le délai de reprise des palettes. »').first()).toBeVisible();
	await b.getByRole('link', { name: 'Modifier' }).click();
	await expect(b).toHaveURL(/\/modifier$/);
	await b.waitForLoadState('networkidle');
	await expect(b.getByText(/demande des modifications : « Précisez le délai de reprise des palettes. »/)).toBeVisible();
	await b
		.getByLabel('Texte de la clause')
		.fill(
			'Le titulaire reprend gratuitement les palettes de livraison dans un délai de quinze jours et les réemploie.'
		);
	await b.getByRole('button', { name: 'Enregistrer les modifications' }).click();
	await expect(b.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
	await expect(b.getByText('En attente de relecture').first()).toBeVisible();
	await expect(b.getByText(/version 2/)).toBeVisible();
	await b.getByRole('link', { name: 'voir les différences avec la version 1' }).click();
	await expect(b.locator('.resources-diff ins').filter({ hasText: 'quinze' })).toBeVisible();

	// 4. The animator validates.
	await gotoReady(a, clauseUrl);
	await a.getByRole('radio', { name: 'Valider pour le réseau' }).check();
	await a.getByRole('button', { name: 'Enregistrer la décision' }).click();
	await expect(a.getByText('Ressource validée pour le réseau.')).toBeVisible();
	await expect(a.getByText('Fiabilité : Validé par le réseau')).toBeVisible();

	// 5. Another collectivité of the network creates its SPASER, finds the clause by search and inserts it.
	const other = await newSession(browser, OTHER);
	const o = other.page;
	await gotoReady(o, `/collectivites/${OTHER_ORG_SLUG}/spaser/nouveau?mode=modele`);
	await o.locator('#t-title').fill('SPASER de test de la Métropole');
	await o.getByRole('button', { name: 'Créer le SPASER à partir de ce modèle' }).click();
	await expect(o).toHaveURL(/\/spaser\/[0-9a-f-]{36}/);
	const spaserId = /\/spaser\/([0-9a-f-]{36})/.exec(o.url())![1];

	await gotoReady(o, '/ressources');
	await o.getByLabel('Rechercher').fill('palette livraisons');
	await o.getByRole('button', { name: 'Rechercher' }).click();
	const hit = o.getByRole('article').filter({ has: o.getByRole('link', { name: title }) });
	await expect(hit).toBeVisible();
	await expect(hit.locator('mark').first()).toBeVisible(); // highlighted snippet
	expect(await seriousViolations(o)).toEqual([]);
	await hit.getByRole('link', { name: title }).click();
	await expect(o.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
	await o.waitForLoadState('networkidle');
	expect(await seriousViolations(o)).toEqual([]);
	// The new SPASER's nodes are listed once its projection has run (debounced after the creation): reload until then.
	const target = o.getByLabel('Élément du SPASER');
	await expect(async () => {
		if (!(await target.locator(`option[value^="${spaserId}:"]`).count())) {
			await o.reload();
			await o.waitForLoadState('networkidle');
		}
		expect(await target.locator(`option[value^="${spaserId}:"]`).count()).toBeGreaterThan(0);
	}).toPass({ timeout: 30_000 });
	const value = await target.locator(`option[value^="${spaserId}:"]`).first().getAttribute('value');
	await target.selectOption(value!);
	await o.getByRole('radio', { name: 'Insérer le texte de la clause' }).check();
	await o.getByRole('button', { name: 'Utiliser dans mon SPASER' }).click();
	await expect(o.getByText('Le texte de la clause a été inséré dans votre SPASER.')).toBeVisible();

	const exported = await o.request.get(`/spaser/${spaserId}/export.json`);
	expect(exported.ok()).toBe(true);
	const text = await exported.text();
	expect(text).toContain(`Clause « ${title} »`);
	expect(text).toContain('dans un délai de quinze jours');

	// The private page of the buyer's other items stays private: an anonymous visitor gets no access to it.
	const anon = await newSession(browser);
	const res = await anon.page.goto(clauseUrl);
	expect(new URL(anon.page.url()).pathname).toBe('/connexion');
	expect(res?.status()).toBe(200);

	for (const s of [buyer, animator, other, anon]) await s.context.close();
});

test('a REX with attachments: type checked from the content, private files unreachable by URL; the calculator fills the clause', async ({
	browser
}) => {
	const buyer = await newSession(browser, BUYER);
	const b = buyer.page;
	const title = `Nettoyage à l'eau seule ${Date.now().toString(36)}`;
	await gotoReady(b, '/ressources/nouvelle?type=rex');
	await b.getByLabel('Titre').fill(title);
	await b.getByLabel('Famille').selectOption('environnementale');
	await b.getByLabel('Année du marché').fill('2024');
	await b.getByLabel('Contexte').fill('Marché de nettoyage de douze écoles.');
	await b.getByLabel('Résultats chiffrés').fill('Produits chimiques évités : 80 %\nÉconomies : 12 000 €');
	await b.getByRole('button', { name: 'Enregistrer' }).click();
	await expect(b.getByRole('heading', { level: 1, name: title, exact: true })).toBeVisible();
	await expect(b.getByRole('cell', { name: /^12\s000\s€$/ })).toBeVisible();
	await b.waitForLoadState('networkidle');

	// A text file named .pdf is refused; a real PDF is accepted.
	await b
		.locator('#file')
		.setInputFiles({ name: 'faux.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>pas un PDF</html>') });
	await b.getByRole('button', { name: 'Ajouter', exact: true }).click();
	await expect(b.getByText(/Type de fichier non accepté/)).toBeVisible();
	const pdf = await PDFDocument.create();
	pdf.addPage().drawText('Bilan du nettoyage', { font: await pdf.embedFont(StandardFonts.Helvetica), x: 50, y: 700 });
	await b
		.locator('#file')
		.setInputFiles({ name: 'bilan.pdf', mimeType: 'application/pdf', buffer: Buffer.from(await pdf.save()) });
	await b.getByRole('button', { name: 'Ajouter', exact: true }).click();
	await expect(b.getByText('Pièce jointe « bilan.pdf » ajoutée.')).toBeVisible();
	const href = await b.getByRole('link', { name: 'bilan.pdf' }).getAttribute('href');
	const own = await b.request.get(href!);
	expect(own.status()).toBe(200);
	expect(own.headers()['content-type']).toBe('application/pdf');

	// The REX is private: another collectivité of the network and anonymous visitors get a 404 for the file.
	const other = await newSession(browser, OTHER);
	expect((await other.page.request.get(href!)).status()).toBe(404);
	const anon = await newSession(browser);
	expect((await anon.page.request.get(href!)).status()).toBe(404);

	// The insertion-hours calculator.
	await gotoReady(b, '/ressources/calculateur');
	await b.getByLabel('Montant estimé (€ HT, toute la durée)').fill('600000');
	await b.getByLabel('Durée (années)').fill('2');
	await b.getByLabel("Segment d'achat").selectOption('services.nettoyage');
	await b.getByLabel(/Département/).fill('31');
	await b.getByRole('button', { name: 'Calculer' }).click();
	await expect(b.getByText(/^600\sheures$/)).toBeVisible();
	await expect(b.locator('#clause-text')).toContainText(/au moins 600\sheures de travail, soit 300\sheures par an/);
	const link = b.getByRole('link', { name: /Marché de l'inclusion/ });
	const url = new URL((await link.getAttribute('href'))!);
	expect(url.searchParams.get('perimeters')).toBe('haute-garonne');
	expect(url.searchParams.get('sectors')).toBe('nettoyage');

	for (const s of [buyer, other, anon]) await s.context.close();
});
