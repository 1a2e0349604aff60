/**
 * No secret in the logs. The e2e server writes every log line (request log on) to LOG_FILE as well as stdout
 * (playwright.config.ts); this test makes the app handle every kind of secret it knows — passwords (right and
 * wrong), the session cookie, an API token (valid and forged), a private calendar-feed link, an invitation link,
 * password-reset and e-mail links — then reads the whole log of the run (this test's and every earlier e2e
 * file's) and checks that none of them is there, while the requests themselves were logged.
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { DEMO, DEMO_ORG_SLUG, DEMO_PASSWORD, gotoReady, linkFromOutbox, logIn, newSession } from './helpers';

const logFile = process.env.E2E_LOG_FILE!;

function pathOf(href: string) {
	const u = new URL(href);
	return u.pathname + u.search;
}

test('passwords, cookies, tokens and private links never reach the logs', async ({ browser, playwright, baseURL }) => {
	expect(logFile, 'playwright.config.ts sets E2E_LOG_FILE').toBeTruthy();
	const secrets = new Map<string, string>([['demo password', DEMO_PASSWORD]]);
	const stamp = Date.now();
	const wrongPassword = `Mauvais-Secret-${stamp}`;
	secrets.set('wrong password', wrongPassword);

	const admin = await newSession(browser);
	const platform = await newSession(browser, DEMO.platformAdmin);
	const anon = await newSession(browser);
	try {
		await test.step('a failed then a successful login through the form', async () => {
			await gotoReady(admin.page, '/connexion');
			await expect(admin.page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
			await admin.page.getByLabel('Adresse e-mail').fill(`inconnu-${stamp}@demo.spaser.test`);
			await admin.page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(wrongPassword);
			await admin.page.getByRole('button', { name: 'Se connecter' }).click();
			await expect(admin.page.getByText(/Adresse e-mail ou mot de passe incorrect/)).toBeVisible();
			await logIn(admin.page, DEMO.orgAdmin);
			const cookie = (await admin.context.cookies()).find((c) => c.name === 'spaser_session');
			expect(cookie?.value).toBeTruthy();
			secrets.set('session cookie', cookie!.value);
			secrets.set('session cookie secret', cookie!.value.split('.').pop()!);
		});

		await test.step('an API token, used and forged', async () => {
			await gotoReady(admin.page, '/compte');
			await admin.page.getByLabel('Nom du jeton').fill(`Journal e2e ${stamp}`);
			await admin.page.getByRole('button', { name: 'Créer le jeton' }).click();
			const field = admin.page.getByLabel('Votre nouveau jeton');
			await expect(field).toHaveValue(/^spc_/);
			const token = await field.inputValue();
			secrets.set('API token', token);
			secrets.set('API token secret', token.split('_').pop()!);
			const api = await playwright.request.newContext({
				baseURL,
				extraHTTPHeaders: { authorization: `Bearer ${token}` }
			});
			expect((await api.get('/api/v1/me')).status()).toBe(200);
			await api.dispose();
			const forgedToken = `spc_${'a'.repeat(16)}_${'b'.repeat(32)}`;
			secrets.set('forged API token', forgedToken);
			const forged = await playwright.request.newContext({
				baseURL,
				extraHTTPHeaders: { authorization: `Bearer ${forgedToken}` }
			});
			expect((await forged.get('/api/v1/me')).status()).toBe(401);
			await forged.dispose();
		});

		await test.step('a private calendar feed, fetched', async () => {
			await gotoReady(admin.page, '/guichet/agenda');
			await admin.page.getByRole('button', { name: "Créer un lien d'abonnement" }).click();
			const feed = admin.page.getByLabel(/Adresse de l'agenda/);
			await expect(feed).toHaveValue(/\/guichet\/calendrier\/.+\.ics$/);
			const url = await feed.inputValue();
			secrets.set('calendar feed token', /\/guichet\/calendrier\/(.+)\.ics$/.exec(url)![1]);
			const res = await anon.page.request.get(pathOf(url));
			expect(res.status()).toBe(200);
			expect(await res.text()).toContain('BEGIN:VCALENDAR');
		});

		await test.step('an invitation link, opened', async () => {
			const invitee = `invite-journal-${stamp}@demo.spaser.test`;
			await gotoReady(admin.page, `/collectivites/${DEMO_ORG_SLUG}/membres`);
			const invite = admin.page.getByRole('region', { name: 'Inviter un membre' });
			await invite.getByLabel('Adresse e-mail').fill(invitee);
			await invite.getByRole('button', { name: "Envoyer l'invitation" }).click();
			await expect(
				admin.page
					.getByRole('table', { name: /Invitations en attente/ })
					.getByRole('row')
					.filter({ hasText: invitee })
			).toBeVisible();
			const href = await linkFromOutbox(platform.page, invitee, /vous invite à rejoindre/, /\/invitation\//);
			secrets.set('invitation secret', /\/invitation\/([^/?#]+)/.exec(href)![1]);
			const res = await anon.page.goto(pathOf(href));
			expect(res?.status()).toBe(200);
		});

		await test.step('a password-reset link, requested and opened', async () => {
			await gotoReady(anon.page, '/mot-de-passe/oubli');
			await anon.page.getByLabel('Adresse e-mail').fill('lecteur@demo.spaser.test');
			await anon.page.getByRole('button', { name: 'Recevoir un lien' }).click();
			await expect(anon.page.getByRole('status').filter({ hasText: /valable 60/ })).toBeVisible();
			const href = await linkFromOutbox(
				platform.page,
				'lecteur@demo.spaser.test',
				/Réinitialisation de votre mot de passe/,
				/mot-de-passe\/nouveau/
			);
			const token = new URL(href).searchParams.get('token');
			expect(token).toBeTruthy();
			secrets.set('password-reset token', token!);
			const res = await anon.page.goto(pathOf(href));
			expect(res?.status()).toBe(200);
		});
	} finally {
		await admin.context.close();
		await platform.context.close();
		await anon.context.close();
	}

	const text = readFileSync(logFile, 'utf8');
	const lines = text.split('\n').filter(Boolean);
	// The log was on and saw these requests (paths with their secret segment masked).
	const requests = lines.map((l) => JSON.parse(l) as { msg: string; path?: string }).filter((l) => l.msg === 'request');
	const paths = new Set(requests.map((r) => r.path));
	expect(paths.has('/connexion')).toBe(true);
	expect(paths.has('/api/v1/me')).toBe(true);
	expect(paths.has('/guichet/calendrier/….ics')).toBe(true);
	expect(paths.has('/invitation/…')).toBe(true);
	expect(paths.has('/mot-de-passe/nouveau')).toBe(true);

	// None of this test's secrets, in any form a log could carry them.
	for (const [what, secret] of secrets) {
		for (const form of new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]))
			expect(text.includes(form), `${what} found in the log`).toBe(false);
	}
	// Nor any secret-looking value from the rest of the e2e run.
	expect(text).not.toMatch(/spc_[a-z2-7]{16}_[a-z2-7]{32}/);
	expect(text).not.toMatch(/spaser_session=[^…]/);
	expect(text).not.toMatch(/[?&]token=[^…]/);
	expect(text).not.toMatch(/\/invitation\/[^…]/);
	expect(text).not.toMatch(/\/guichet\/calendrier\/[^…]/);
});
