/**
 * Issue 2, end to end in Chromium against the built server with the demo data: a new person signs up and confirms
 * their address with the link from the outbox, creates their collectivité, invites a colleague as editor (who
 * creates their account through the invitation), then asks to join the demo network, and the demo animator
 * approves the request. Each person has their own browser context; the platform admin's « E-mails » page stands in
 * for the mailbox (no SMTP in e2e).
 */
import { expect, test } from '@playwright/test';
import { DEMO, DEMO_NETWORK, gotoReady, linkFromOutbox, luhnValid, newSession, uniqueSiren } from './helpers';

/** Absolute link from an e-mail → path on the server under test (the links carry the server's ORIGIN). */
const pathOf = (href: string) => {
	const u = new URL(href);
	return u.pathname + u.search;
};

test('sign-up, e-mail confirmation, collectivité, invited editor, network membership approved', async ({ browser }) => {
	test.setTimeout(120_000);
	const run = Date.now();
	const founder = {
		email: `fondatrice.${run}@e2e.spaser.test`,
		name: `Camille Fondatrice ${run}`,
		password: `Une phrase de passe ${run} solide`
	};
	const colleague = {
		email: `collegue.${run}@e2e.spaser.test`,
		name: `Dominique Collègue ${run}`,
		password: `Autre phrase secrète ${run} !`
	};
	const orgName = `Commune de Test E2E ${run}`;
	const siren = uniqueSiren(run);
	expect(siren).toMatch(/^[0-9]{9}$/);
	expect(luhnValid(siren)).toBe(true);

	const admin = await newSession(browser, DEMO.platformAdmin);
	const a = await newSession(browser);

	// 1. Sign-up.
	await test.step('a new person creates an account', async () => {
		await gotoReady(a.page, '/inscription');
		await expect(a.page.getByRole('heading', { level: 1, name: 'Créer un compte' })).toBeVisible();
		await expect(a.page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
		await a.page.getByLabel('Adresse e-mail professionnelle').fill(founder.email);
		await a.page.getByLabel('Prénom et nom').fill(founder.name);
		await a.page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(founder.password);
		await a.page.getByRole('button', { name: 'Créer mon compte' }).click();
		await expect(a.page).toHaveURL(/\/verifier-email\/envoye$/);
		await expect(a.page.getByRole('heading', { level: 1, name: 'Confirmez votre adresse e-mail' })).toBeVisible();
		await expect(a.page.getByText(founder.email).first()).toBeVisible();
	});

	// 2. E-mail confirmation through the link of the outbox.
	await test.step('the confirmation link from the outbox confirms the address', async () => {
		const href = await linkFromOutbox(
			admin.page,
			founder.email,
			/Confirmez votre adresse e-mail/,
			/\/verifier-email\?token=/
		);
		expect(href).toMatch(/\/verifier-email\?token=[^&\s]+$/);
		await a.page.goto(pathOf(href));
		await expect(a.page.getByRole('heading', { level: 1, name: 'Adresse e-mail confirmée' })).toBeVisible();
		await expect(a.page.getByRole('status')).toContainText('votre adresse e-mail est confirmée');
	});

	// 3. The collectivité.
	let slug = '';
	await test.step('the confirmed user creates a collectivité and becomes its admin', async () => {
		await gotoReady(a.page, '/collectivites/nouvelle');
		await expect(a.page.getByRole('heading', { level: 1, name: 'Créer ma collectivité' })).toBeVisible();
		await a.page.getByLabel('Nom de la collectivité').fill(orgName);
		await a.page.getByRole('combobox', { name: 'Type', exact: true }).selectOption({ label: 'Commune' });
		await a.page.getByLabel('SIREN', { exact: true }).fill(siren);
		await a.page.getByLabel('Région', { exact: true }).selectOption({ label: 'Occitanie' });
		await a.page.getByLabel('Département', { exact: true }).selectOption({ label: '31 — Haute-Garonne' });
		await a.page.getByLabel('Population').fill('4200');
		await a.page.getByRole('button', { name: 'Créer la collectivité' }).click();
		await expect(a.page).toHaveURL(/\/collectivites\/(?!nouvelle)[a-z0-9-]+$/);
		slug = new URL(a.page.url()).pathname.split('/')[2];
		await expect(a.page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();

		await a.page.goto(`/collectivites/${slug}/membres`);
		const me = a.page.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: founder.name }) });
		await expect(me).toContainText('Administrateur·rice');
	});

	// 4. Invitation of a colleague as editor.
	await test.step('the admin invites a colleague as « Rédacteur·rice »', async () => {
		await gotoReady(a.page, `/collectivites/${slug}/membres`);
		const invite = a.page.getByRole('region', { name: 'Inviter un membre' });
		await invite.getByLabel('Adresse e-mail').fill(colleague.email);
		await invite.getByRole('combobox', { name: 'Rôle', exact: true }).selectOption({ label: 'Rédacteur·rice' });
		await invite.getByRole('button', { name: "Envoyer l'invitation" }).click();
		const pending = a.page.getByRole('table', { name: /Invitations en attente/ });
		await expect(pending.getByRole('row').filter({ hasText: colleague.email })).toContainText('Rédacteur·rice');
	});

	// 5. The colleague creates an account through the invitation link.
	const c = await newSession(browser);
	await test.step('the colleague opens the invitation, creates an account and lands in the collectivité as editor', async () => {
		const href = await linkFromOutbox(admin.page, colleague.email, /vous invite à rejoindre/, /\/invitation\//);
		await c.page.goto(pathOf(href));
		await expect(c.page.getByRole('heading', { level: 1, name: `Invitation à rejoindre ${orgName}` })).toBeVisible();
		await c.page.getByRole('link', { name: 'Créer un compte et rejoindre' }).click();
		await expect(c.page).toHaveURL(/\/inscription\?invitation=/);
		await expect(c.page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
		await expect(c.page.getByLabel('Adresse e-mail professionnelle')).toHaveValue(colleague.email);
		await c.page.getByLabel('Prénom et nom').fill(colleague.name);
		await c.page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(colleague.password);
		await c.page.getByRole('button', { name: 'Créer mon compte' }).click();
		await expect(c.page).toHaveURL(new RegExp(`/collectivites/${slug}$`));
		await expect(c.page.getByRole('heading', { level: 1, name: orgName })).toBeVisible();

		await c.page.goto(`/collectivites/${slug}/membres`);
		const self = c.page.getByRole('row').filter({ has: c.page.getByRole('rowheader', { name: colleague.name }) });
		await expect(self.getByRole('cell').nth(1)).toHaveText('Rédacteur·rice');

		// And the admin sees them as editor too (a role selector for the other members).
		await a.page.goto(`/collectivites/${slug}/membres`);
		await expect(a.page.getByLabel(`Rôle de ${colleague.name}`)).toHaveValue('editor');
		await expect(a.page.getByRole('table', { name: /Invitations en attente/ })).toHaveCount(0);
	});

	// 6. Join request to the demo network.
	await test.step('the admin asks to join the demo network', async () => {
		await gotoReady(a.page, `/collectivites/${slug}/reseaux`);
		await expect(a.page.getByRole('heading', { level: 1, name: 'Réseaux de la collectivité' })).toBeVisible();
		const select = a.page.getByRole('combobox', { name: 'Réseau', exact: true });
		const value = await select.getByRole('option', { name: DEMO_NETWORK.name }).getAttribute('value');
		expect(value).toBeTruthy();
		await select.selectOption(value!);
		await a.page
			.getByLabel('Message aux animateurs (facultatif)')
			.fill('Nous lançons notre SPASER et souhaitons rejoindre le réseau.');
		await a.page.getByRole('button', { name: 'Envoyer la demande' }).click();
		const row = a.page.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: DEMO_NETWORK.name }) });
		await expect(row).toContainText('En attente');
	});

	// 7. The animator approves.
	const animator = await newSession(browser, DEMO.animator);
	await test.step('the demo animator approves the request', async () => {
		await gotoReady(animator.page, `/reseaux/${DEMO_NETWORK.slug}`);
		const pending = animator.page.getByRole('region', { name: "Demandes d'adhésion en attente" });
		const request = pending
			.getByRole('listitem')
			.filter({ has: animator.page.getByRole('heading', { name: orgName }) });
		await expect(request).toContainText('Haute-Garonne');
		await request.getByRole('button', { name: `Accepter ${orgName}` }).click();
		await expect(request).toHaveCount(0);
		const members = animator.page.getByRole('table', { name: /Collectivités membres/ });
		await expect(
			members.getByRole('row').filter({ has: animator.page.getByRole('rowheader', { name: orgName }) })
		).toBeVisible();
	});

	// 8. Both sides see the membership.
	await test.step('the collectivité shows as member on both sides', async () => {
		await a.page.goto(`/collectivites/${slug}/reseaux`);
		const row = a.page.getByRole('row').filter({ has: a.page.getByRole('rowheader', { name: DEMO_NETWORK.name }) });
		await expect(row).toContainText('Membre');
		await expect(row).toContainText('Membre depuis le');

		await a.page.goto(`/reseaux/${DEMO_NETWORK.slug}`);
		await expect(a.page.getByText(`${orgName} est membre de ce réseau.`)).toBeVisible();

		await animator.page.goto(`/reseaux/${DEMO_NETWORK.slug}`);
		const members = animator.page.getByRole('table', { name: /Collectivités membres/ });
		const memberRow = members.getByRole('row').filter({ has: animator.page.getByRole('rowheader', { name: orgName }) });
		await expect(memberRow).toContainText('Haute-Garonne (31)');
		const history = animator.page.getByRole('table', { name: /Décisions et départs/ });
		await expect(
			history.getByRole('row').filter({ has: animator.page.getByRole('rowheader', { name: orgName }) })
		).toContainText('Membre');
	});

	for (const s of [admin, a, c, animator]) await s.context.close();
});
