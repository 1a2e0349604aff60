/**
 * Automated accessibility checks (axe-core, WCAG 2.0/2.1 A and AA rules) on the main pages, public and signed in,
 * plus a keyboard check of the skip link. axe finds only part of what RGAA asks; this guards against regressions
 * of what it can find. Every violation found is printed (with its targets) to help fixing; serious and critical
 * ones fail the test.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, DEMO_NETWORK, DEMO_ORG_SLUG, gotoReady, logIn } from './helpers';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** Runs axe on the page as it is, prints every violation with its targets, returns the serious and critical ones. */
async function blockingViolations(page: Page, label: string) {
	const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
	if (results.violations.length) {
		const lines = results.violations.map(
			(v) =>
				`  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
				v.nodes
					.map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary?.replace(/\n/g, '\n        ')}`)
					.join('\n')
		);
		console.log(`axe — ${label}: ${results.violations.length} violation(s)\n${lines.join('\n')}`);
	}
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

async function expectNoSeriousViolations(page: Page, path: string) {
	const response = await gotoReady(page, path);
	expect(response?.status(), `${path} should load`).toBe(200);
	await expect(page.locator('h1').first()).toBeVisible();
	expect(await blockingViolations(page, path), `serious or critical axe violations on ${path}`).toEqual([]);
}

test('the axe harness reports what it should (an image without text alternative, an unlabelled field)', async ({
	page
}) => {
	await gotoReady(page, '/');
	await page.evaluate(() => {
		const main = document.querySelector('main')!;
		main.insertAdjacentHTML('beforeend', '<img src="/favicon.svg"><input type="text" name="sans-etiquette">');
	});
	const found = await blockingViolations(page, '/ with injected faults');
	expect(found.map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label']));
});

test.describe('axe — public pages', () => {
	for (const path of ['/', '/connexion', '/inscription', '/mot-de-passe/oubli']) {
		test(`no serious violation on ${path}`, async ({ page }) => {
			await expectNoSeriousViolations(page, path);
		});
	}
});

test.describe('axe — forms showing errors', () => {
	test('no serious violation on /inscription after a rejected submission', async ({ page }) => {
		await gotoReady(page, '/inscription');
		await expect(page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
		await page.getByLabel('Adresse e-mail professionnelle').fill('pas-une-adresse');
		await page.getByRole('button', { name: 'Créer mon compte' }).click();
		await expect(page.getByRole('alert')).toBeVisible();
		await expect(page.getByRole('textbox', { name: 'Adresse e-mail professionnelle' })).toHaveAttribute(
			'aria-invalid',
			'true'
		);
		expect(await blockingViolations(page, '/inscription (errors)')).toEqual([]);
	});

	test('no serious violation on /collectivites/nouvelle after a rejected submission', async ({ page }) => {
		await logIn(page, DEMO.orgAdmin);
		await gotoReady(page, '/collectivites/nouvelle');
		// Required fields filled (the browser checks those), a SIREN with a wrong Luhn key and a mismatching territory.
		await page.getByLabel('Nom de la collectivité').fill('Commune au SIREN erroné');
		await page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Commune' });
		await page.getByLabel('SIREN', { exact: true }).fill('123456789');
		await page.getByLabel('Région', { exact: true }).selectOption({ label: 'Bretagne' });
		await page.getByLabel('Département', { exact: true }).selectOption({ label: '31 — Haute-Garonne' });
		await page.getByRole('button', { name: 'Créer la collectivité' }).click();
		await expect(page.getByRole('textbox', { name: 'SIREN', exact: true })).toHaveAttribute('aria-invalid', 'true');
		await expect(page.getByText("Ce département n'appartient pas à la région choisie.")).toBeVisible();
		await expect(page).toHaveURL(/\/collectivites\/nouvelle$/);
		await expect(page.getByText("Ce SIREN n'est pas valable (clé de contrôle incorrecte).")).toBeVisible();
		expect(await blockingViolations(page, '/collectivites/nouvelle (errors)')).toEqual([]);
	});
});

test.describe('axe — collectivité admin', () => {
	const paths = [
		'/collectivites',
		`/collectivites/${DEMO_ORG_SLUG}`,
		`/collectivites/${DEMO_ORG_SLUG}/membres`,
		`/collectivites/${DEMO_ORG_SLUG}/reseaux`,
		`/collectivites/${DEMO_ORG_SLUG}/parametres`,
		'/compte',
		'/reseaux',
		`/reseaux/${DEMO_NETWORK.slug}`
	];
	for (const path of paths) {
		test(`no serious violation on ${path}`, async ({ page }) => {
			await logIn(page, DEMO.orgAdmin);
			await expectNoSeriousViolations(page, path);
		});
	}
});

test.describe('axe — network animator', () => {
	test(`no serious violation on /reseaux/${DEMO_NETWORK.slug} (animator view, with moderation forms)`, async ({
		page
	}) => {
		await logIn(page, DEMO.animator);
		await expectNoSeriousViolations(page, `/reseaux/${DEMO_NETWORK.slug}`);
	});
});

test.describe('axe — platform admin', () => {
	for (const path of ['/admin', '/admin/emails', '/admin/collectivites']) {
		test(`no serious violation on ${path}`, async ({ page }) => {
			await logIn(page, DEMO.platformAdmin);
			await expectNoSeriousViolations(page, path);
		});
	}
});

test.describe('keyboard', () => {
	async function checkSkipLink(page: Page, path: string) {
		await gotoReady(page, path);
		await expect(page.locator('h1').first()).toBeVisible();
		await page.keyboard.press('Tab');
		const skip = page.getByRole('link', { name: 'Aller au contenu' });
		await expect(skip).toBeFocused();
		await expect(skip).toBeVisible(); // shown when focused
		await page.keyboard.press('Enter');
		await expect(page.getByRole('main')).toBeFocused();
		// The next Tab continues inside the main content, not back in the header.
		await page.keyboard.press('Tab');
		expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);
	}

	test('the skip link is the first focusable element and moves focus to main (public page)', async ({ page }) => {
		await checkSkipLink(page, '/connexion');
	});

	test('the skip link is the first focusable element and moves focus to main (signed in)', async ({ page }) => {
		await logIn(page, DEMO.orgAdmin);
		await checkSkipLink(page, `/collectivites/${DEMO_ORG_SLUG}/membres`);
	});
});
