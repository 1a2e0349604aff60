/**
 * The JSON API against the real built server (hooks, routing, headers), with the demo data. The detailed
 * behaviour of every endpoint is covered by tests/integration/api.test.ts; here: what only the real server
 * shows — the hook resolving bearer tokens, session cookies NOT authenticating API calls, and a token created
 * through the account page working end to end.
 */
import { expect, test, type APIResponse } from '@playwright/test';

const DEMO_PASSWORD = 'Demo-Spaser-2026!';
const DEMO_ADMIN = 'admin@demo.spaser.test';

async function expectJsonError(res: APIResponse, status: number, code: string) {
	expect(res.status()).toBe(status);
	expect(res.headers()['content-type']).toContain('application/json');
	expect(res.headers()['cache-control']).toBe('no-store');
	const body = await res.json();
	expect(body.error.code).toBe(code);
	expect(typeof body.error.message).toBe('string');
	return body;
}

test('public endpoints and errors are JSON, never cached', async ({ request }) => {
	const doc = await request.get('/api/v1/openapi.json');
	expect(doc.status()).toBe(200);
	expect(doc.headers()['cache-control']).toBe('no-store');
	const openapi = await doc.json();
	expect(openapi.openapi).toBe('3.1.0');
	expect(openapi.servers).toEqual([{ url: '/api/v1', description: expect.any(String) }]);
	expect(Object.keys(openapi.paths)).toEqual(
		expect.arrayContaining(['/me', '/organisations', '/networks', '/openapi.json'])
	);

	const networks = await request.get('/api/v1/networks');
	expect(networks.status()).toBe(200);
	const list = await networks.json();
	expect(list.items.map((n: { name: string }) => n.name)).toContain('Réseau Achats Responsables Sud-Ouest');

	const me = await expectJsonError(await request.get('/api/v1/me'), 401, 'unauthenticated');
	expect(me.error.message).toContain('Bearer');
	await expectJsonError(
		await request.get('/api/v1/me', { headers: { authorization: 'Bearer spc_pas-un-jeton' } }),
		401,
		'unauthenticated'
	);
	await expectJsonError(await request.get('/api/v1/nulle-part'), 404, 'not_found');
	await expectJsonError(await request.delete('/api/v1/networks'), 405, 'method_not_allowed');
});

test('a session cookie does not authenticate the API; a token made on « Mon compte » does', async ({
	page,
	playwright,
	baseURL
}) => {
	// Log in through the site.
	await page.goto('/connexion');
	await page.getByLabel('Adresse e-mail').fill(DEMO_ADMIN);
	await page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(DEMO_PASSWORD);
	await page.getByRole('button', { name: 'Se connecter' }).click();
	await expect(page).not.toHaveURL(/\/connexion/);

	// The browser's session cookie is ignored by the API (no CSRF surface on writes).
	await expectJsonError(await page.request.get('/api/v1/me'), 401, 'unauthenticated');
	await expectJsonError(
		await page.request.post('/api/v1/organisations', { data: { name: 'Commune par cookie', kind: 'commune' } }),
		401,
		'unauthenticated'
	);

	// Create a read + write token on the account page.
	await page.goto('/compte');
	await page.getByLabel('Nom du jeton').fill(`Test e2e API ${Date.now()}`);
	await page.getByRole('checkbox', { name: 'Écriture' }).check();
	await page.getByRole('button', { name: 'Créer le jeton' }).click();
	const tokenField = page.getByLabel('Votre nouveau jeton');
	await expect(tokenField).toHaveValue(/^spc_/);
	const token = await tokenField.inputValue();

	// A fresh client without cookies, with the token only.
	const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
	try {
		const me = await api.get('/api/v1/me');
		expect(me.status()).toBe(200);
		const body = await me.json();
		expect(body.email).toBe(DEMO_ADMIN);
		expect(body.scopes.sort()).toEqual(['read', 'write']);
		const adminOf = body.memberships.filter((m: { role: string }) => m.role === 'admin');
		expect(adminOf.length).toBeGreaterThan(0);

		const orgs = await (await api.get('/api/v1/organisations')).json();
		const org = orgs.items.find((o: { id: string }) => o.id === adminOf[0].orgId);
		expect(org).toBeTruthy();

		// A write with the org's own values (idempotent: other tests keep their demo data).
		const patched = await api.patch(`/api/v1/organisations/${org.id}`, {
			data: { name: org.name, population: org.population }
		});
		expect(patched.status()).toBe(200);
		expect((await patched.json()).name).toBe(org.name);

		// Validation, media type and visibility errors, in French.
		const invalid = await expectJsonError(
			await api.patch(`/api/v1/organisations/${org.id}`, { data: { name: 'X' } }),
			400,
			'invalid'
		);
		expect(invalid.error.details.fields.name).toBe('Le nom doit contenir au moins 2 caractères.');
		await expectJsonError(
			await api.post('/api/v1/organisations', { data: '<org/>', headers: { 'content-type': 'application/xml' } }),
			415,
			'unsupported_media_type'
		);
		await expectJsonError(await api.get(`/api/v1/organisations/${crypto.randomUUID()}`), 404, 'not_found');

		// The token is for the API only: on the site's pages and form actions it is ignored (anonymous visitor).
		const page = await api.get('/compte', { maxRedirects: 0 });
		expect(page.status()).toBe(303);
		expect(page.headers()['location']).toMatch(/^\/connexion\?redirect=/);
		const action = await api.post('/compte?/createToken', {
			form: { name: 'Par jeton', scopes: 'read' },
			headers: { origin: baseURL!, accept: 'text/html' },
			maxRedirects: 0
		});
		expect(action.status()).toBe(303);
		expect(action.headers()['location']).toMatch(/^\/connexion\?redirect=/);
		// (the same as an enhanced form submission: SvelteKit's JSON answer is a redirect to the login page)
		const enhanced = await api.post('/compte?/createToken', {
			form: { name: 'Par jeton', scopes: 'read' },
			headers: { origin: baseURL!, accept: 'application/json' },
			maxRedirects: 0
		});
		expect(await enhanced.json()).toMatchObject({
			type: 'redirect',
			status: 303,
			location: expect.stringMatching(/^\/connexion\?redirect=/)
		});
	} finally {
		await api.dispose();
	}
});
