/**
 * Security checks against the built app: the public page of a SPASER must not be cached publicly when the
 * response was rendered for a signed-in person (it embeds their name, e-mail address and collectivités, and may
 * refresh their session cookie); hostile titles are rendered as text.
 */
import { expect, test } from '@playwright/test';
import { DEMO, DEMO_ORG_SLUG, logIn } from './helpers';

const XSS_TITLE = 'SPASER "><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

test('the public page is publicly cacheable only for anonymous visitors; hostile titles stay text', async ({
	page,
	playwright,
	baseURL,
	browser
}) => {
	await logIn(page, DEMO.orgAdmin);

	// An API token to set up an adopted SPASER quickly.
	await page.goto('/compte');
	await page.getByLabel('Nom du jeton').fill(`Sécurité e2e ${Date.now()}`);
	await page.getByRole('checkbox', { name: 'Écriture' }).check();
	await page.getByRole('button', { name: 'Créer le jeton' }).click();
	const tokenField = page.getByLabel('Votre nouveau jeton');
	await expect(tokenField).toHaveValue(/^spc_/);
	const token = await tokenField.inputValue();

	const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
	let docId: string;
	let docSlug: string;
	let versionId: string;
	try {
		const orgs = await (await api.get('/api/v1/organisations')).json();
		const org = (orgs.items as { id: string; slug: string }[]).find((o) => o.slug === DEMO_ORG_SLUG);
		expect(org).toBeTruthy();
		const created = await api.post(`/api/v1/organisations/${org!.id}/spasers`, {
			data: { title: XSS_TITLE, periodStart: 2026, periodEnd: 2028 }
		});
		expect(created.status()).toBe(201);
		const doc = await created.json();
		docId = doc.id;
		docSlug = doc.slug;
		expect((await api.patch(`/api/v1/spasers/${docId}`, { data: { status: 'en_consultation' } })).status()).toBe(200);
		const adopted = await api.patch(`/api/v1/spasers/${docId}`, {
			data: { status: 'adopte', adoptedOn: '2026-01-15', deliberationRef: 'DEL-2026-01' }
		});
		expect(adopted.status()).toBe(200);
		const version = await api.post(`/api/v1/spasers/${docId}/versions`, { data: { name: 'Version adoptée' } });
		expect(version.status()).toBe(201);
		versionId = (await version.json()).id;
	} finally {
		await api.dispose();
	}

	// Publish through the versions page's form action (same origin, with the session cookie).
	const published = await page.request.post(`/spaser/${docId}/versions?/publish`, {
		form: { versionId },
		headers: { origin: baseURL!, 'x-sveltekit-action': 'true' }
	});
	expect(published.status()).toBe(200);
	expect(await published.text()).toContain('success');

	const path = `/p/${DEMO_ORG_SLUG}/${docSlug}`;

	// Signed in: the HTML carries the person's own data → never stored by a shared cache.
	const mine = await page.request.get(path);
	expect(mine.status()).toBe(200);
	expect(await mine.text()).toContain(DEMO.orgAdmin);
	const cc = mine.headers()['cache-control'] ?? '';
	expect(cc).not.toMatch(/public/i);
	expect(cc).toMatch(/private|no-store/i);
	const mineData = await page.request.get(`${path}/__data.json`);
	expect(mineData.headers()['cache-control'] ?? '').not.toMatch(/public/i);

	// Anonymous: cacheable, and nothing personal in it.
	const anon = await browser.newContext();
	try {
		const anonPage = await anon.newPage();
		const res = await anonPage.goto(path);
		expect(res!.status()).toBe(200);
		expect(res!.headers()['cache-control']).toMatch(/public/);
		expect(await res!.text()).not.toContain(DEMO.orgAdmin);
		// The hostile title is shown as text and runs nothing.
		await expect(anonPage.getByRole('heading', { level: 1 })).toContainText('<script>window.__pwned=1</script>');
		expect(await anonPage.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
		expect(await anonPage.locator('img[src="x"]').count()).toBe(0);
	} finally {
		await anon.close();
	}
});
