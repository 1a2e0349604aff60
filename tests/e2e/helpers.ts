/**
 * Shared steps of the browser suites: demo accounts, logging in through the real form, and reading a message
 * from the platform's outbox (there is no SMTP server in e2e: the platform admin's « E-mails » page is the mailbox).
 */
import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'Demo-Spaser-2026!';
export const DEMO = {
	platformAdmin: 'admin.plateforme@demo.spaser.test',
	animator: 'animatrice@demo.spaser.test',
	orgAdmin: 'admin@demo.spaser.test'
} as const;
export const DEMO_ORG_SLUG = 'agglomeration-du-val-d-aurence';
export const DEMO_NETWORK = {
	slug: 'reseau-achats-responsables-sud-ouest',
	name: 'Réseau Achats Responsables Sud-Ouest'
} as const;

/**
 * Opens a page and waits until it is interactive (no request left in flight once the client modules are imported
 * and the page hydrated), so that submits go through the enhanced handlers. What is typed before hydration is kept
 * (see hydration.e2e.ts).
 */
export async function gotoReady(page: Page, path: string) {
	const response = await page.goto(path);
	await page.waitForLoadState('networkidle');
	return response;
}

/** Fills and submits /connexion, then waits to have left it. */
export async function logIn(page: Page, email: string, password = DEMO_PASSWORD) {
	await gotoReady(page, '/connexion');
	// Shown on mount only: the form is hydrated.
	await expect(page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
	await page.getByLabel('Adresse e-mail').fill(email);
	await page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(password);
	await page.getByRole('button', { name: 'Se connecter' }).click();
	await expect(page).not.toHaveURL(/\/connexion/);
}

/** A fresh, independent browser context (own cookies) with a page, logged in when an e-mail is given. */
export async function newSession(browser: Browser, email?: string): Promise<{ context: BrowserContext; page: Page }> {
	const context = await browser.newContext();
	const page = await context.newPage();
	if (email) await logIn(page, email);
	return { context, page };
}

/**
 * Opens /admin/emails filtered on one address (the admin page must be logged in as platform admin), opens the
 * newest message whose subject matches, and returns the first link of its body that matches `link`.
 */
export async function linkFromOutbox(adminPage: Page, to: string, subject: RegExp, link: RegExp): Promise<string> {
	await adminPage.goto(`/admin/emails?adresse=${encodeURIComponent(to)}`);
	await expect(adminPage.getByRole('heading', { level: 1, name: 'E-mails de la plateforme' })).toBeVisible();
	const row = adminPage
		.getByRole('row')
		.filter({ has: adminPage.getByRole('rowheader', { name: to, exact: true }) })
		.filter({ hasText: subject });
	// Rows are newest first.
	const message = row.first();
	await expect(message).toBeVisible();
	await message.locator('summary', { hasText: subject }).click(); // the disclosure opens the message body
	const anchor = message.getByRole('link', { name: link });
	await expect(anchor).toBeVisible();
	const href = await anchor.getAttribute('href');
	expect(href).toBeTruthy();
	return href!;
}

/** A valid SIREN (9 digits, Luhn key) that is new for each run. */
export function uniqueSiren(seed = Date.now()): string {
	const prefix = ('2' + String(seed).slice(-7)).padStart(8, '0');
	for (let key = 0; key < 10; key++) {
		const candidate = prefix + key;
		if (luhnValid(candidate)) return candidate;
	}
	throw new Error('unreachable: one key digit always satisfies Luhn');
}

export function luhnValid(digits: string): boolean {
	let sum = 0;
	for (let i = 0; i < digits.length; i++) {
		let d = Number(digits[digits.length - 1 - i]);
		if (i % 2 === 1) {
			d *= 2;
			if (d > 9) d -= 9;
		}
		sum += d;
	}
	return sum % 10 === 0;
}
