/**
 * Shared pieces of the XSS suites (security-xss.e2e.ts, security-xss-more.e2e.ts): the classic payloads, a dialog
 * watcher, the inert-page check, an API token made on /compte and a JSON call to /api/v1 that asserts its status.
 */
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { gotoReady } from './helpers';

export const SCRIPT = '<script>window.__xss=1</script>';
export const IMG = '<img src=x onerror="window.__xss=1">';
export const SVG = '"><svg onload=window.__xss=1>';
export const PAYLOAD = `${SCRIPT} ${IMG} ${SVG}`;
export const JS_LINK = 'javascript:window.__xss=1';

/** Collects the dialogs (alert/confirm/prompt) a page opens; the inert check expects none. */
export function watchDialogs(page: Page): string[] {
	const dialogs: string[] = [];
	page.on('dialog', (d) => {
		dialogs.push(d.message());
		void d.dismiss();
	});
	return dialogs;
}

/** Checks the page as it is now: no script ran, no injected element, handler, script link or script element. */
export async function expectNothingLive(page: Page, dialogs: string[], where: string) {
	// Give a broken image its chance to fire onerror, then look for any live trace of the payloads.
	await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 200))));
	expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), where).toBeUndefined();
	expect(await page.locator('[onerror], [onload], img[src="x"], svg[onload]').count(), where).toBe(0);
	expect(await page.locator('a[href^="javascript:" i], a[href^="data:" i]').count(), where).toBe(0);
	// No injected script element (the hydration data script holds the payloads as escaped JSON strings: data, not code).
	expect(
		await page
			.locator('script:not([src])')
			.evaluateAll((els) => els.filter((e) => /^\s*window\.__xss/.test(e.textContent ?? '')).length),
		where
	).toBe(0);
	expect(dialogs, where).toEqual([]);
}

/** Visits `path` and checks that nothing injected is live; `shown` (if any) must appear as text. */
export async function expectInert(page: Page, dialogs: string[], path: string, shown: (string | RegExp)[] = [IMG]) {
	const res = await gotoReady(page, path);
	expect(res?.status(), path).toBeLessThan(400);
	for (const s of shown)
		await expect(page.locator('main').getByText(s).filter({ visible: true }).first(), `${path}: ${s}`).toBeVisible();
	await expectNothingLive(page, dialogs, path);
}

/** A read-write API token created on /compte by the signed-in person. */
export async function createToken(page: Page): Promise<string> {
	await gotoReady(page, '/compte');
	await page.getByLabel('Nom du jeton').fill(`XSS e2e ${Date.now()}`);
	await page.getByRole('checkbox', { name: 'Écriture' }).check();
	await page.getByRole('button', { name: 'Créer le jeton' }).click();
	const field = page.getByLabel('Votre nouveau jeton');
	await expect(field).toHaveValue(/^spc_/);
	return field.inputValue();
}

/** One /api/v1 call whose status must be in `expected`; returns the JSON body. */
export async function json(
	api: APIRequestContext,
	method: 'get' | 'post' | 'put' | 'patch',
	path: string,
	data?: unknown,
	expected = [200, 201]
) {
	const res = await api[method](`/api/v1${path}`, data === undefined ? undefined : { data });
	const body = await res.json();
	expect(expected, `${method.toUpperCase()} ${path}: ${JSON.stringify(body).slice(0, 500)}`).toContain(res.status());
	return body;
}
