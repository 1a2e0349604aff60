/**
 * « Nothing a user entered is ever lost », even while the page is still loading: a server-rendered form can be
 * filled before Svelte hydrates it, and hydration must not write the server's values back over what was typed.
 * The app's JavaScript is held back so that the fields are filled while the page is provably not hydrated yet (the
 * root layout sets `data-hydrated` on <html> once it is), then the test waits for hydration and checks every field.
 * Field checks are soft: a failure lists every field that lost its value. The second half checks the echo of a
 * failed submission, with and without JavaScript.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { DEMO, DEMO_PASSWORD, logIn } from './helpers';

const JS_DELAY_MS = 1_500;

/** Holds back every JavaScript module of the app (the HTML and CSS come at once), as on a slow connection. */
async function delayAppJavaScript(page: Page) {
	await page.route('**/_app/immutable/**', async (route) => {
		if (new URL(route.request().url()).pathname.endsWith('.js'))
			await new Promise((resolve) => setTimeout(resolve, JS_DELAY_MS));
		await route.continue();
	});
}

/** Opens a page as soon as its HTML is parsed, before its JavaScript ran. */
async function openUnhydrated(page: Page, path: string) {
	await page.goto(path, { waitUntil: 'domcontentloaded' });
	await expectNotHydrated(page);
}

async function expectNotHydrated(page: Page) {
	expect(await page.locator('html').getAttribute('data-hydrated'), 'the page must not be hydrated yet').toBeNull();
}

async function waitForHydration(page: Page) {
	await expect(page.locator('html')).toHaveAttribute('data-hydrated', '1');
}

/** A logged-in page (logged in normally, then with the app's JavaScript held back). */
async function loggedInPage(browser: Browser, email: string) {
	const context = await browser.newContext();
	const page = await context.newPage();
	await logIn(page, email);
	await delayAppJavaScript(page);
	return { context, page };
}

test.describe('fields filled before hydration keep their values', () => {
	test('login form (/connexion)', async ({ page }) => {
		await delayAppJavaScript(page);
		await openUnhydrated(page, '/connexion');
		await page.getByLabel('Adresse e-mail').pressSequentially('quelquun@exemple.fr');
		await page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill('une phrase secrète');
		await expectNotHydrated(page);

		await waitForHydration(page);
		// The toggle only appears on mount: the form is interactive.
		await expect(page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
		await expect.soft(page.getByLabel('Adresse e-mail')).toHaveValue('quelquun@exemple.fr');
		await expect
			.soft(page.getByRole('textbox', { name: 'Mot de passe', exact: true }))
			.toHaveValue('une phrase secrète');
	});

	test('sign-up form (/inscription)', async ({ page }) => {
		await delayAppJavaScript(page);
		await openUnhydrated(page, '/inscription');
		await page.getByLabel('Adresse e-mail professionnelle').fill('nouvelle.personne@exemple.fr');
		await page.getByLabel('Prénom et nom').fill('Claude Nouvelle-Personne');
		await page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill('Une longue phrase de passe');
		await expectNotHydrated(page);

		await waitForHydration(page);
		await expect(page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
		await expect.soft(page.getByLabel('Adresse e-mail professionnelle')).toHaveValue('nouvelle.personne@exemple.fr');
		await expect.soft(page.getByLabel('Prénom et nom')).toHaveValue('Claude Nouvelle-Personne');
		await expect
			.soft(page.getByRole('textbox', { name: 'Mot de passe', exact: true }))
			.toHaveValue('Une longue phrase de passe');
	});

	test('collectivité creation form (/collectivites/nouvelle): text, number and select fields', async ({ browser }) => {
		const { context, page } = await loggedInPage(browser, DEMO.orgAdmin);
		await openUnhydrated(page, '/collectivites/nouvelle');
		await page.getByLabel('Nom de la collectivité').fill('Commune de Saint-Avant-Chargement');
		await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Commune' });
		await page.getByLabel('SIREN', { exact: true }).fill('123 456 789');
		await page.getByLabel('Région', { exact: true }).selectOption({ label: 'Occitanie' });
		await page.getByLabel('Département', { exact: true }).selectOption({ label: '31 — Haute-Garonne' });
		await page.getByLabel('Population').fill('4200');
		await expectNotHydrated(page);

		await waitForHydration(page);
		await expect.soft(page.getByLabel('Nom de la collectivité')).toHaveValue('Commune de Saint-Avant-Chargement');
		await expect.soft(page.getByRole('combobox', { name: 'Type', exact: true })).toHaveValue('commune');
		await expect.soft(page.getByLabel('SIREN', { exact: true })).toHaveValue('123 456 789');
		await expect.soft(page.getByLabel('Région', { exact: true })).toHaveValue('76');
		await expect.soft(page.getByLabel('Département', { exact: true })).toHaveValue('31');
		await expect.soft(page.getByLabel('Population')).toHaveValue('4200');
		await context.close();
	});

	test('network creation form (/admin/reseaux): textarea and checkboxes', async ({ browser }) => {
		const { context, page } = await loggedInPage(browser, DEMO.platformAdmin);
		await openUnhydrated(page, '/admin/reseaux');
		const form = page.getByRole('region', { name: 'Créer un réseau' });
		await form.getByLabel('Nom du réseau').fill('Réseau saisi avant chargement');
		await form.getByLabel('Description').fill('Une description\nsur deux lignes.');
		await form.getByRole('checkbox', { name: 'Bretagne', exact: true }).check();
		await expectNotHydrated(page);

		await waitForHydration(page);
		await expect.soft(form.getByLabel('Nom du réseau')).toHaveValue('Réseau saisi avant chargement');
		await expect.soft(form.getByLabel('Description')).toHaveValue('Une description\nsur deux lignes.');
		await expect.soft(form.getByRole('checkbox', { name: 'Bretagne', exact: true })).toBeChecked();
		await expect.soft(form.getByRole('checkbox', { name: 'Normandie', exact: true })).not.toBeChecked();
		await context.close();
	});
});

test.describe('a failed submission shows what was entered', () => {
	/** Fills the collectivité form with an invalid SIREN (wrong check digit). */
	async function fillInvalidOrg(page: Page) {
		await page.getByLabel('Nom de la collectivité').fill('Commune au SIREN erroné');
		await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Commune' });
		await page.getByLabel('SIREN', { exact: true }).fill('123 456 789');
		await page.getByLabel('Région', { exact: true }).selectOption({ label: 'Occitanie' });
		await page.getByLabel('Population').fill('4200');
		await page.getByRole('button', { name: 'Créer la collectivité' }).click();
		await expect(page.getByText("Ce SIREN n'est pas valable (clé de contrôle incorrecte).")).toBeVisible();
	}

	async function expectInvalidOrgEchoed(page: Page) {
		await expect(page).toHaveURL(/\/collectivites\/nouvelle$/);
		await expect(page.getByLabel('Nom de la collectivité')).toHaveValue('Commune au SIREN erroné');
		await expect(page.getByRole('combobox', { name: 'Type', exact: true })).toHaveValue('commune');
		await expect(page.getByLabel('SIREN', { exact: true })).toHaveValue('123 456 789');
		await expect(page.getByLabel('Région', { exact: true })).toHaveValue('76');
		await expect(page.getByLabel('Population')).toHaveValue('4200');
	}

	test('with JavaScript (enhanced forms)', async ({ browser }) => {
		const context = await browser.newContext();
		const page = await context.newPage();

		await logIn(page, DEMO.orgAdmin);
		await page.goto('/collectivites/nouvelle');
		await waitForHydration(page);
		await fillInvalidOrg(page);
		await expectInvalidOrgEchoed(page);

		// The network form: the textarea and the checkboxes keep their content after a refusal.
		const admin = await browser.newContext();
		const adminPage = await admin.newPage();
		await logIn(adminPage, DEMO.platformAdmin);
		await adminPage.goto('/admin/reseaux');
		await waitForHydration(adminPage);
		const form = adminPage.getByRole('region', { name: 'Créer un réseau' });
		await form.getByLabel('Nom du réseau').fill(' x ');
		await form.getByLabel('Description').fill('Accompagnement des acheteurs.\nContact : réseau@exemple.fr');
		await form.getByRole('checkbox', { name: 'Bretagne', exact: true }).check();
		await form.getByRole('button', { name: 'Créer le réseau' }).click();
		await expect(form.getByText('Le nom doit contenir au moins 2 caractères.')).toBeVisible();
		await expect(form.getByLabel('Nom du réseau')).toHaveValue(' x ');
		await expect(form.getByLabel('Description')).toHaveValue(
			'Accompagnement des acheteurs.\nContact : réseau@exemple.fr'
		);
		await expect(form.getByRole('checkbox', { name: 'Bretagne', exact: true })).toBeChecked();

		await admin.close();
		await context.close();
	});

	test('without JavaScript (the server echoes the values)', async ({ browser }) => {
		// Log in with JavaScript, then carry the session cookie into a context without it.
		const withJs = await browser.newContext();
		await logIn(await withJs.newPage(), DEMO.orgAdmin);
		const context = await browser.newContext({ javaScriptEnabled: false, storageState: await withJs.storageState() });
		await withJs.close();
		const page = await context.newPage();

		await page.goto('/collectivites/nouvelle');
		await fillInvalidOrg(page);
		await expectInvalidOrgEchoed(page);
		await context.close();

		// The login form echoes the address after wrong credentials.
		const anonymous = await browser.newContext({ javaScriptEnabled: false });
		const loginPage = await anonymous.newPage();
		await loginPage.goto('/connexion');
		await loginPage.getByLabel('Adresse e-mail').fill(DEMO.orgAdmin);
		await loginPage.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(`${DEMO_PASSWORD}-faux`);
		await loginPage.getByRole('button', { name: 'Se connecter' }).click();
		await expect(loginPage.getByRole('alert').first()).toBeVisible();
		await expect(loginPage).toHaveURL(/\/connexion/);
		await expect(loginPage.getByLabel('Adresse e-mail')).toHaveValue(DEMO.orgAdmin);
		await anonymous.close();

		// The network form: the textarea content and the checked regions come back from the server.
		const withJsAdmin = await browser.newContext();
		await logIn(await withJsAdmin.newPage(), DEMO.platformAdmin);
		const admin = await browser.newContext({
			javaScriptEnabled: false,
			storageState: await withJsAdmin.storageState()
		});
		await withJsAdmin.close();
		const adminPage = await admin.newPage();
		await adminPage.goto('/admin/reseaux');
		const form = adminPage.getByRole('region', { name: 'Créer un réseau' });
		await form.getByLabel('Nom du réseau').fill(' x ');
		await form.getByLabel('Description').fill('Accompagnement des acheteurs.\nContact : réseau@exemple.fr');
		await form.getByRole('checkbox', { name: 'Bretagne', exact: true }).check();
		await form.getByRole('button', { name: 'Créer le réseau' }).click();
		const echoed = adminPage.getByRole('region', { name: 'Créer un réseau' });
		await expect(echoed.getByText('Le nom doit contenir au moins 2 caractères.')).toBeVisible();
		await expect(echoed.getByLabel('Nom du réseau')).toHaveValue(' x ');
		await expect(echoed.getByLabel('Description')).toHaveValue(
			'Accompagnement des acheteurs.\nContact : réseau@exemple.fr'
		);
		await expect(echoed.getByRole('checkbox', { name: 'Bretagne', exact: true })).toBeChecked();
		await expect(echoed.getByRole('checkbox', { name: 'Normandie', exact: true })).not.toBeChecked();
		await admin.close();
	});
});
