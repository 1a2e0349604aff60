/**
 * Issue 14, items 5, 6, 9 and 10 as a person or an attacker meets them over HTTP:
 * - crafted input (NUL, lone surrogate, invalid UTF-8) in every form action, page query string and API body known
 *   to the security rules: a clear 400, never a 500;
 * - `/connexion?redirect=/%E3%80%80/x` when signed in: a redirect, not « Invalid redirect location »;
 * - /healthz tells visitors only ok/unhealthy; the page CSP connects to the app's own origin only;
 * - an unverified account can only verify its address; « se déconnecter partout » also revokes the API tokens.
 */
import { expect, test, type APIRequestContext, type BrowserContext } from '@playwright/test';
import { DEMO as ACCOUNTS, gotoReady, linkFromOutbox, logIn, newSession } from './helpers';
import {
	DEMO,
	PERSONAS,
	PERSONA_EMAILS,
	RULES,
	type FilePart,
	type Fixtures,
	type FormBody,
	type Persona
} from './security-rules';

const FACILITATOR = 'facilitation.clauses@demo.spaser.test';

/** Placeholders for the fixtures the crawler creates: the poisoned requests are refused before any lookup. */
const FIXTURES: Fixtures = {
	version: DEMO.none,
	request: DEMO.none,
	node: DEMO.none,
	invitation: DEMO.none,
	comment: DEMO.none,
	draft: DEMO.none,
	spaserExport: {}
};
const fill = (path: string) => path.replace(/:(version|request|node|draft)\b/g, DEMO.none);

/** What an attacker puts in a text field: as percent-encoding (url-encoded forms) and as raw bytes (multipart). */
const POISONS = [
	{ name: 'NUL', encoded: '%00', bytes: [0x00] },
	{ name: 'lone surrogate (CESU-8)', encoded: '%ED%A0%80', bytes: [0xed, 0xa0, 0x80] },
	{ name: 'invalid UTF-8', encoded: '%C3%28', bytes: [0xc3, 0x28] }
] as const;

const isFile = (v: unknown): v is FilePart => typeof v === 'object' && v !== null && !Array.isArray(v);

function urlEncoded(body: FormBody, poison: string): string {
	const out: string[] = [];
	for (const [k, v] of Object.entries(body)) {
		if (isFile(v)) continue;
		for (const one of Array.isArray(v) ? v : [v])
			out.push(`${encodeURIComponent(k)}=${encodeURIComponent(one)}${poison}`);
	}
	return out.join('&');
}

function multipart(body: FormBody, poison: readonly number[]): { data: Buffer; contentType: string } {
	const boundary = '----sonde' + Date.now().toString(36);
	const chunks: Buffer[] = [];
	for (const [k, v] of Object.entries(body)) {
		if (isFile(v)) {
			chunks.push(
				Buffer.from(
					`--${boundary}\r\nContent-Disposition: form-data; name="${k}"; filename="${v.name}"\r\nContent-Type: ${v.mimeType}\r\n\r\n`
				),
				v.buffer,
				Buffer.from('\r\n')
			);
			continue;
		}
		for (const one of Array.isArray(v) ? v : [v])
			chunks.push(
				Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${one}`),
				Buffer.from(poison),
				Buffer.from('\r\n')
			);
	}
	chunks.push(Buffer.from(`--${boundary}--\r\n`));
	return { data: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

async function createToken(ctx: BrowserContext, baseURL: string): Promise<string> {
	const res = await ctx.request.post('/compte?/createToken', {
		headers: { origin: baseURL, 'x-sveltekit-action': 'true', 'content-type': 'application/x-www-form-urlencoded' },
		data: 'name=Sonde%20entr%C3%A9es&scopes%5B%5D=read&scopes%5B%5D=write'
	});
	expect(res.status()).toBe(200);
	return /spc_[a-z2-7]+_[a-z2-7]+/.exec(await res.text())![0];
}

test('crafted input in every form action, page and API endpoint: a clear 400, never a 500', async ({
	browser,
	playwright,
	baseURL
}) => {
	test.setTimeout(300_000);
	const contexts = new Map<Persona, BrowserContext>();
	const contextOf = async (persona: Persona) => {
		let ctx = contexts.get(persona);
		if (!ctx) {
			ctx = await browser.newContext();
			if (persona !== 'anon') {
				const page = await ctx.newPage();
				await logIn(page, PERSONA_EMAILS[persona]);
				await page.close();
			}
			contexts.set(persona, ctx);
		}
		return ctx;
	};
	const failures: string[] = [];
	let sent = 0;

	// 1. Form actions: as a persona allowed to use the action (else admin@), each poison in every text field, url-encoded
	// (a form without JavaScript) and multipart (use:enhance). Actions without a field are not sent (they would run).
	for (const [key, rule] of Object.entries(RULES)) {
		if (rule.kind !== 'action') continue;
		const body = typeof rule.body === 'function' ? rule.body(FIXTURES) : rule.body;
		if (!Object.values(body).some((v) => !isFile(v))) continue;
		const persona = PERSONAS.find((p) => rule.expect[p] === 'OK') ?? 'admin';
		const allowed = rule.expect[persona] === 'OK';
		const ctx = await contextOf(persona);
		for (const poison of POISONS) {
			const encodings = [
				{
					name: 'url-encoded',
					data: urlEncoded(body, poison.encoded) as string | Buffer,
					contentType: 'application/x-www-form-urlencoded'
				},
				{ name: 'multipart', ...multipart(body, poison.bytes) }
			];
			for (const enc of encodings) {
				const res = await ctx.request.post(fill(rule.path), {
					data: enc.data,
					headers: {
						origin: baseURL!,
						accept: 'application/json',
						'x-sveltekit-action': 'true',
						'content-type': enc.contentType
					},
					maxRedirects: 0
				});
				sent++;
				let status = res.status();
				if (status === 200)
					status =
						((await res.json()) as { type: string; status?: number }).type === 'success'
							? 200
							: ((await res.json()) as { status: number }).status;
				// Allowed: the guard answers 400. Refused: whatever refusal comes first — but never a success or a 5xx.
				const ok = allowed ? status === 400 : status >= 400 && status < 500;
				if (!ok) failures.push(`${key} as ${persona} (${poison.name}, ${enc.name}): ${status}`);
			}
		}
	}

	// 2. Pages and +server.ts GET routes: the poison in the query string (search boxes, filters) and in a path segment.
	const admin = await contextOf('admin');
	for (const [key, rule] of Object.entries(RULES)) {
		if (rule.kind !== 'page') continue;
		const path = fill(rule.path);
		for (const poison of POISONS) {
			const res = await admin.request.get(`${path}${path.includes('?') ? '&' : '?'}q=a${poison.encoded}b`, {
				maxRedirects: 0
			});
			sent++;
			if (res.status() !== 400) failures.push(`${key} ?q=…${poison.name}: ${res.status()}`);
		}
	}
	for (const path of ['/collectivites/%00', '/guichet/demande/%ED%A0%80', '/ressources/clauses/%C3%28']) {
		const res = await admin.request.get(path, { maxRedirects: 0 });
		sent++;
		if (res.status() !== 400) failures.push(`GET ${path}: ${res.status()}`);
	}

	// 3. The JSON API with admin@'s token (read and write): every write gets a NUL, a lone surrogate (as JSON escapes)
	// and bytes that are not UTF-8; every read a poisoned query string.
	const token = await createToken(admin, baseURL!);
	const api: APIRequestContext = await playwright.request.newContext({
		baseURL,
		extraHTTPHeaders: { authorization: `Bearer ${token}` }
	});
	for (const [key, rule] of Object.entries(RULES)) {
		if (rule.kind !== 'write' && rule.kind !== 'read') continue;
		const method = key.split(' ')[0];
		const url = `/api/v1${fill(rule.path)}`;
		if (rule.kind === 'read') {
			const res = await api.get(`${url}${url.includes('?') ? '&' : '?'}q=%00`, { maxRedirects: 0 });
			sent++;
			if (res.status() !== 400) failures.push(`${key} ?q=%00: ${res.status()}`);
			continue;
		}
		for (const data of [
			'{"name":"a\\u0000b","title":"a\\u0000b"}',
			'{"name":"a\\ud800b"}',
			Buffer.from([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])
		]) {
			const res = await api.fetch(url, {
				method,
				data,
				headers: { 'content-type': 'application/json' },
				maxRedirects: 0
			});
			sent++;
			if (res.status() !== 400)
				failures.push(
					`${key} (${typeof data === 'string' ? data : 'invalid UTF-8'}): ${res.status()} ${(await res.text()).slice(0, 200)}`
				);
		}
	}
	await api.dispose();
	for (const ctx of contexts.values()) await ctx.close();
	console.log(`${sent} crafted requests sent`);
	expect(sent).toBeGreaterThan(500);
	expect(failures, 'crafted input that did not get a 400').toEqual([]);
});

test('the French message of the guard is what a person sees (display name with a NUL)', async ({
	browser,
	baseURL
}) => {
	const { context } = await newSession(browser, ACCOUNTS.orgAdmin);
	const res = await context.request.post('/compte?/profile', {
		data: 'displayName=Alice%00Admin',
		headers: { origin: baseURL!, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
		maxRedirects: 0
	});
	expect(res.status()).toBe(400);
	expect(await res.text()).toContain('caractères non valables');
	await context.close();
});

test('a signed-in person following /connexion?redirect=/%E3%80%80/x is redirected, not shown an error', async ({
	browser
}) => {
	const { context } = await newSession(browser, ACCOUNTS.orgAdmin);
	for (const [raw, location] of [
		['/%E3%80%80/x', '/%E3%80%80/x'],
		['%2F%E3%80%80%2Fx%3Fa%3D%C3%A9', '/%E3%80%80/x?a=%C3%A9'],
		['//evil.example/x', '/collectivites'],
		['/%5Cevil.example', '/collectivites']
	]) {
		const res = await context.request.get(`/connexion?redirect=${raw}`, { maxRedirects: 0 });
		expect(res.status(), raw).toBe(303);
		expect(res.headers()['location'], raw).toBe(location);
	}
	// The old addresses of Guichet pages redirect whatever their id.
	const old = await context.request.get('/guichet/demandes/%E3%80%80', { maxRedirects: 0 });
	expect(old.status()).toBe(308);
	expect(old.headers()['location']).toBe('/guichet/demande/%E3%80%80');
	await context.close();
});

test('/healthz: ok or unhealthy for anyone, the details for the platform administrator only', async ({
	browser,
	playwright,
	baseURL
}) => {
	const anon = await playwright.request.newContext({ baseURL });
	const res = await anon.get('/healthz');
	expect(res.status()).toBe(200);
	expect(await res.json()).toEqual({ status: 'ok' });
	await anon.dispose();
	const member = await newSession(browser, ACCOUNTS.orgAdmin);
	expect(await (await member.context.request.get('/healthz')).json()).toEqual({ status: 'ok' });
	await member.context.close();
	const platform = await newSession(browser, ACCOUNTS.platformAdmin);
	expect(await (await platform.context.request.get('/healthz')).json()).toEqual({
		status: 'ok',
		database: 'pglite',
		ms: expect.any(Number)
	});
	await platform.context.close();
});

test('the page CSP lets the page connect to the app itself only (its own websocket origin, not any ws:/wss: host)', async ({
	page,
	baseURL
}) => {
	const res = await gotoReady(page, '/');
	const csp = res!.headers()['content-security-policy'];
	const connect = /connect-src ([^;]*)/.exec(csp)?.[1].trim().split(/\s+/);
	const origin = new URL(baseURL!);
	expect(connect).toEqual(["'self'", `ws://${origin.host}`]);
	// The browser enforces it: a websocket to another host is blocked, one to the app is allowed by the policy.
	const violations: string[] = [];
	page.on('console', (m) => {
		if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
	});
	const blocked = await page.evaluate(
		(host) =>
			new Promise<string>((resolve) => {
				try {
					const ws = new WebSocket(`ws://${host}/`);
					ws.onerror = () => resolve('error');
					ws.onopen = () => resolve('open');
				} catch (e) {
					resolve(`blocked: ${(e as Error).name}`);
				}
			}),
		`localhost:${Number(origin.port) + 1}`
	);
	expect(blocked === 'error' || blocked.startsWith('blocked')).toBe(true);
	await expect.poll(() => violations.some((v) => v.includes(`localhost:${Number(origin.port) + 1}`))).toBe(true);
});

test('an unverified account can only verify its address; then everything opens', async ({ browser }) => {
	test.setTimeout(120_000);
	const run = Date.now();
	const person = {
		email: `non.verifiee.${run}@e2e.spaser.test`,
		name: `Claude Nonvérifiée ${run}`,
		password: `Une phrase de passe ${run} solide`
	};
	const admin = await newSession(browser, ACCOUNTS.platformAdmin);
	const a = await newSession(browser);
	await gotoReady(a.page, '/inscription');
	await a.page.getByLabel('Adresse e-mail professionnelle').fill(person.email);
	await a.page.getByLabel('Prénom et nom').fill(person.name);
	await a.page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(person.password);
	await a.page.getByRole('button', { name: 'Créer mon compte' }).click();
	await expect(a.page).toHaveURL(/\/verifier-email\/envoye$/);
	await expect(a.page.getByText(/ne permet rien d'autre que de la confirmer/)).toBeVisible();

	// Every other page leads back to the page that says so…
	for (const path of ['/collectivites/nouvelle', '/compte', '/collectivites', '/ressources', '/guichet']) {
		await a.page.goto(path);
		await expect(a.page, path).toHaveURL(/\/verifier-email\/envoye$/);
	}
	// …and the forms refuse, whatever is sent (what a script would try: a collectivité, an API token).
	const origin = new URL(a.page.url()).origin;
	for (const [path, data] of [
		['/collectivites/nouvelle', 'name=Commune%20pirate&kind=commune'],
		['/compte?/createToken', 'name=Jeton&scopes%5B%5D=read&scopes%5B%5D=write']
	]) {
		const res = await a.context.request.post(path, {
			data,
			headers: { origin, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
			maxRedirects: 0
		});
		expect(res.status(), path).toBe(403);
		expect(await res.text()).toContain('Confirmez d’abord votre adresse e-mail');
	}

	// Confirming the address opens everything.
	const href = await linkFromOutbox(
		admin.page,
		person.email,
		/Confirmez votre adresse e-mail/,
		/\/verifier-email\?token=/
	);
	await a.page.goto(new URL(href).pathname + new URL(href).search);
	await expect(a.page.getByRole('heading', { level: 1, name: 'Adresse e-mail confirmée' })).toBeVisible();
	await gotoReady(a.page, '/collectivites/nouvelle');
	await expect(a.page.getByRole('heading', { level: 1, name: 'Créer ma collectivité' })).toBeVisible();
	await a.context.close();
	await admin.context.close();
});

test('« se déconnecter partout » closes every session and revokes every API token, and says so', async ({
	browser,
	playwright,
	baseURL
}) => {
	// (a demo account no other suite uses: its sessions and tokens end here)
	const phone = await newSession(browser, FACILITATOR);
	const laptop = await newSession(browser, FACILITATOR);
	const token = await createToken(laptop.context, baseURL!);
	const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
	expect((await api.get('/api/v1/me')).status()).toBe(200);

	await gotoReady(laptop.page, '/compte');
	await expect(laptop.page.getByText(/tous vos jetons d'accès à l'API sont aussi révoqués/)).toBeVisible();
	laptop.page.once('dialog', (d) => {
		expect(d.message()).toContain("révoquer tous vos jetons d'accès à l'API");
		void d.accept();
	});
	await laptop.page.getByRole('button', { name: 'Se déconnecter partout' }).click();
	await expect(laptop.page).toHaveURL(/\/connexion\?deconnecte=1$/);
	await expect(laptop.page.getByRole('status')).toContainText(
		"Vous avez été déconnecté·e de tous vos appareils et tous vos jetons d'accès à l'API ont été révoqués."
	);

	expect((await api.get('/api/v1/me')).status()).toBe(401);
	await phone.page.goto('/compte');
	await expect(phone.page).toHaveURL(/\/connexion\?redirect=/);
	await api.dispose();
	await phone.context.close();
	await laptop.context.close();
});
