/**
 * XSS (issue 8, security suite, continued): the text fields security-xss.e2e.ts does not reach. A person signs up
 * and takes a payload as display name on /compte; the platform admin creates a throw-away network whose name and
 * description are payloads (the demo animator animates it and edits its presentation); the person's throw-away
 * collectivité joins it. Payloads then go into Guichet follow-up messages, attachment names and a session report,
 * event session titles and choice groups, SPASER comments and version names, a resource review comment and a
 * resource attachment name, and a DECP import file name. Every page rendering them is visited: no script runs, no
 * injected element, handler or script link, the payload shown as text. In the browser editor the animator sees the
 * person's payload name in the presence list and on their caret, as text. Everything is created in throw-away data:
 * the collectivité is closed at the end, the demo animator stops animating the throw-away network.
 */
import { readFile } from 'node:fs/promises';
import { PDFDocument } from 'pdf-lib';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { DEMO, gotoReady, linkFromOutbox, newSession, uniqueSiren } from './helpers';
import {
	createToken,
	expectInert,
	expectNothingLive,
	IMG,
	json,
	PAYLOAD,
	SCRIPT,
	SVG,
	watchDialogs
} from './xss-helpers';

const pathOf = (href: string) => {
	const u = new URL(href);
	return u.pathname + u.search;
};

async function pdfBytes(text: string): Promise<Buffer> {
	const doc = await PDFDocument.create();
	doc.addPage().drawText(text);
	return Buffer.from(await doc.save());
}

test('XSS payloads in names, follow-ups, comments, sessions and file names are rendered inert', async ({
	browser,
	playwright,
	baseURL
}) => {
	test.setTimeout(600_000);
	const run = Date.now();
	const tag = run.toString(36);
	const person = {
		email: `xss.${run}@e2e.spaser.test`,
		password: `Phrase de passe ${run} solide`,
		name: `Zoé ${PAYLOAD}`.slice(0, 120)
	};
	const shownName = `Zoé ${SCRIPT}`;
	const networkName = `Réseau XSS ${tag} ${PAYLOAD}`;
	const orgName = `Commune XSS ${tag} ${IMG}`;
	// Browsers drop what precedes a slash in a file name: the file-name payloads carry no slash.
	const fileName = `Pièce ${IMG} ${SVG}.pdf`;

	const admin = await newSession(browser, DEMO.platformAdmin);
	const animator = await newSession(browser, DEMO.animator);
	const p = await newSession(browser);
	const pd = watchDialogs(p.page);
	const ad = watchDialogs(animator.page);
	const adminDialogs = watchDialogs(admin.page);
	let api: APIRequestContext | null = null;
	let animatorApi: APIRequestContext | null = null;
	// Set inside the steps (callbacks): typed by a cast so that the `finally` below does not narrow them to null.
	let org = null as { id: string; slug: string } | null;
	let network = null as { id: string; slug: string } | null;

	try {
		await test.step('a person signs up, confirms the address and takes a payload as display name on /compte', async () => {
			await gotoReady(p.page, '/inscription');
			await expect(p.page.getByRole('button', { name: 'Afficher le mot de passe' })).toBeVisible();
			await p.page.getByLabel('Adresse e-mail professionnelle').fill(person.email);
			await p.page.getByLabel('Prénom et nom').fill(`Zoé Essai ${tag}`);
			await p.page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill(person.password);
			await p.page.getByRole('button', { name: 'Créer mon compte' }).click();
			await expect(p.page).toHaveURL(/\/verifier-email\/envoye$/);
			const href = await linkFromOutbox(
				admin.page,
				person.email,
				/Confirmez votre adresse e-mail/,
				/\/verifier-email\?token=/
			);
			await p.page.goto(pathOf(href));
			await expect(p.page.getByRole('heading', { level: 1, name: 'Adresse e-mail confirmée' })).toBeVisible();

			await gotoReady(p.page, '/compte');
			await p.page.getByLabel('Prénom et nom').fill(person.name);
			await p.page.locator('form[action="?/profile"]').getByRole('button', { name: 'Enregistrer' }).click();
			await expect(p.page.getByText('Votre nom a été enregistré.')).toBeVisible();
			await expectInert(p.page, pd, '/compte', []);
			await expect(p.page.getByLabel('Prénom et nom')).toHaveValue(person.name);
			await expectInert(admin.page, adminDialogs, `/admin/utilisateurs?q=${encodeURIComponent(person.email)}`, [
				shownName
			]);
		});

		const token = await createToken(p.page);
		api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
		const animatorToken = await createToken(animator.page);
		animatorApi = await playwright.request.newContext({
			baseURL,
			extraHTTPHeaders: { authorization: `Bearer ${animatorToken}` }
		});

		await test.step('network name and description: created by the platform admin, edited by its animator', async () => {
			await gotoReady(admin.page, '/admin/reseaux');
			await admin.page.getByLabel('Nom du réseau').fill(networkName);
			await admin.page.getByLabel('Description').fill(`Présentation ${PAYLOAD}`);
			await admin.page.getByRole('button', { name: 'Créer le réseau' }).click();
			await expect(admin.page.getByText('a été créé').first()).toBeVisible();
			const card = admin.page.locator('article').filter({ hasText: `Réseau XSS ${tag}` });
			await card.getByLabel('Nommer un animateur (adresse e-mail)').fill(DEMO.animator);
			await card.getByRole('button', { name: /^Nommer/ }).click();
			await expect(admin.page.getByText(`${DEMO.animator} anime désormais ce réseau.`)).toBeVisible();
			await expectInert(admin.page, adminDialogs, '/admin/reseaux', [`Réseau XSS ${tag} ${SCRIPT}`]);

			network = (await json(api!, 'get', '/networks')).items.find((n: { name: string }) => n.name === networkName);
			expect(network, 'the new network is listed').toBeTruthy();
			await gotoReady(animator.page, `/reseaux/${network!.slug}`);
			await animator.page.getByLabel('Description').fill(`Présentation modifiée ${PAYLOAD}`);
			await animator.page.locator('form[action="?/update"]').getByRole('button', { name: 'Enregistrer' }).click();
			await expect(animator.page.getByText('La présentation du réseau a été enregistrée.')).toBeVisible();
			await expectInert(animator.page, ad, `/reseaux/${network!.slug}`, [
				`Réseau XSS ${tag} ${SCRIPT}`,
				`Présentation modifiée ${SCRIPT}`
			]);
			await expectInert(p.page, pd, '/reseaux', [`Réseau XSS ${tag} ${SCRIPT}`]);
			await expectInert(p.page, pd, `/reseaux/${network!.slug}`, [`Présentation modifiée ${SCRIPT}`]);
		});

		await test.step('the person’s collectivité joins the network (join message as payload); members list and journal show the name', async () => {
			org = await json(api!, 'post', '/organisations', { name: orgName, kind: 'commune', siren: uniqueSiren(run) });
			await json(api!, 'post', `/networks/${network!.id}/join-requests`, {
				orgId: org!.id,
				message: `Adhésion ${PAYLOAD}`
			});
			await expectInert(animator.page, ad, `/reseaux/${network!.slug}`, [
				`Adhésion ${SCRIPT}`,
				`Commune XSS ${tag} ${IMG}`
			]);
			await animator.page.getByRole('button', { name: `Accepter ${orgName}` }).click();
			await expect(animator.page.getByText(/Demande acceptée/).first()).toBeVisible();
			await expectInert(p.page, pd, `/collectivites/${org!.slug}/membres`, [shownName]);
			await expectInert(p.page, pd, `/collectivites/${org!.slug}/journal`, [shownName]);
			await expectInert(animator.page, ad, `/reseaux/${network!.slug}/journal`, []);
		});

		await test.step('Guichet: question with a payload-named attachment, follow-up messages both ways, a session report', async () => {
			await gotoReady(p.page, `/guichet/${network!.slug}/question`);
			await p.page.getByLabel('Sujet').fill(`Question XSS ${tag}`);
			await p.page.getByLabel("Étape de l'achat").selectOption({ label: 'Rédaction du DCE' });
			await p.page.getByLabel('Votre question').fill('Pouvez-vous relire la pièce jointe ?');
			await p.page
				.getByLabel('Pièces jointes (facultatif)')
				.setInputFiles({ name: fileName, mimeType: 'application/pdf', buffer: await pdfBytes('CCTP') });
			await p.page.getByRole('button', { name: 'Envoyer la question' }).click();
			await expect(p.page).toHaveURL(/\/guichet\/demande\/[0-9a-f-]{36}/);
			const requestPath = new URL(p.page.url()).pathname;
			// The Guichet keeps a safe display name (quotes and angle brackets dropped): what is left is shown as text.
			const keptName = /Pièce img src=x onerror=window\.__xss=1 svg onload=window\.__xss=1\.pdf/;

			await gotoReady(animator.page, requestPath);
			await animator.page.getByLabel('Votre réponse').fill(`Réponse ${PAYLOAD}`);
			await animator.page.getByRole('button', { name: 'Envoyer', exact: true }).click();
			await expect(animator.page.getByText(`Réponse ${SCRIPT}`)).toBeVisible();
			await gotoReady(p.page, requestPath);
			await p.page.getByLabel('Ajouter un message').fill(`Relance ${PAYLOAD}`);
			await p.page.getByRole('button', { name: 'Envoyer', exact: true }).click();
			await expect(p.page.getByText(`Relance ${SCRIPT}`)).toBeVisible();
			await expectInert(p.page, pd, requestPath, [`Réponse ${SCRIPT}`, `Relance ${SCRIPT}`, shownName, keptName]);
			await expectInert(animator.page, ad, requestPath, [
				`Réponse ${SCRIPT}`,
				`Relance ${SCRIPT}`,
				shownName,
				keptName
			]);
			await expectInert(animator.page, ad, `/guichet/animation?reseau=${network!.slug}`, [
				`Réseau XSS ${tag} ${SCRIPT}`,
				`Commune XSS ${tag} ${IMG}`
			]);

			// A session: the animator opens auto-confirmed visio hours in the network, the person books, the animator reports
			// once the session has started (issue 14): short sessions every 5 minutes, no notice, so the first one is near.
			const hours = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '00:00', end: '23:55' }));
			await json(animatorApi!, 'put', `/networks/${network!.id}/guichet/availability`, {
				profile: {
					sessionMinutes: 10,
					bufferBeforeMinutes: 0,
					bufferAfterMinutes: 0,
					minNoticeMinutes: 0,
					horizonDays: 30,
					maxPerDay: null,
					slotStepMinutes: 5,
					modalities: ['visio'],
					visioUrl: 'https://visio.example.org/xss',
					topics: [],
					confirmationMode: 'auto',
					active: true
				},
				weeklyHours: hours
			});
			const slots = (
				await json(
					api!,
					'get',
					`/networks/${network!.id}/guichet/slots?to=${encodeURIComponent(new Date(Date.now() + 10 * 86400_000).toISOString())}`
				)
			).items;
			expect(slots.length).toBeGreaterThan(0);
			const booking = await json(api!, 'post', `/networks/${network!.id}/guichet/bookings`, {
				start: slots[0].start,
				modality: 'visio',
				orgId: org!.id,
				topic: `Séance XSS ${tag}`,
				stage: 'redaction_dce',
				question: 'Relire la clause sociale.'
			});
			const sessionPath = `/guichet/seance/${booking.id}`;
			const wait = new Date(slots[0].start).getTime() + 2000 - Date.now();
			if (wait > 0) await animator.page.waitForTimeout(wait);
			await gotoReady(animator.page, sessionPath);
			await animator.page.getByRole('radio', { name: 'Oui, séance tenue' }).check();
			await animator.page.locator('#advice').fill(`Conseils ${PAYLOAD}`);
			await animator.page.locator('#nextSteps').fill(`Étapes ${PAYLOAD}`);
			await animator.page.getByRole('button', { name: 'Enregistrer le compte-rendu' }).click();
			await expect(animator.page.getByText('Compte-rendu enregistré')).toBeVisible();
			await expectInert(p.page, pd, sessionPath, [`Conseils ${SCRIPT}`, `Étapes ${SCRIPT}`]);
			await expectInert(animator.page, ad, sessionPath, [`Conseils ${SCRIPT}`, shownName]);
		});

		await test.step('event session title and choice group, registration list with the person’s name', async () => {
			// Under way soon, check-in open from the day before: the sheet records a walk-in (issue 14).
			const start = new Date(Date.now() + 3600_000);
			const at = (h: number) => new Date(start.getTime() + h * 3600_000).toISOString();
			const event = await json(api!, 'post', '/events', {
				kind: 'atelier',
				title: `Journée XSS ${tag}`,
				description: 'Programme.',
				organiser: `org:${org!.id}`,
				audience: 'open',
				place: 'Salle du conseil',
				startsAt: at(0),
				endsAt: at(8),
				checkinOpensMinutes: 1440
			});
			const group = await json(api!, 'post', `/events/${event.id}/choice-groups`, { title: `Groupe ${PAYLOAD}` });
			const plenary = await json(api!, 'post', `/events/${event.id}/sessions`, {
				title: `Plénière ${PAYLOAD}`,
				description: `Déroulé ${PAYLOAD}`,
				speakers: `Intervenant ${IMG}`,
				room: `Salle ${IMG}`,
				startsAt: at(0),
				endsAt: at(2)
			});
			const choice = await json(api!, 'post', `/events/${event.id}/sessions`, {
				title: `Atelier ${PAYLOAD}`,
				startsAt: at(3),
				endsAt: at(5),
				choiceGroupId: group.id
			});
			await json(api!, 'post', `/events/${event.id}/publish`, { published: true });
			const registration = await json(api!, 'post', `/events/${event.id}/registrations`, {
				orgId: org!.id,
				choices: [choice.id]
			});
			await expectInert(p.page, pd, `/evenements/${event.id}`, [
				`Plénière ${SCRIPT}`,
				`Atelier ${SCRIPT}`,
				`Groupe ${SCRIPT}`
			]);
			await expectInert(p.page, pd, `/evenements/${event.id}/modifier`, [`Plénière ${SCRIPT}`, `Groupe ${SCRIPT}`]);
			await expectInert(p.page, pd, `/evenements/${event.id}/inscrits`, [shownName]);
			await expectInert(p.page, pd, `/evenements/${event.id}/inscription/${registration.id}`, [
				shownName,
				`Atelier ${SCRIPT}`
			]);
			// The sign-in sheet: the registered person, and a walk-in typed by the organiser.
			const sheet = `/evenements/${event.id}/emargement/${plenary.id}`;
			await gotoReady(p.page, sheet);
			await p.page.getByLabel('Nom et prénom').fill(`Visiteur ${PAYLOAD}`);
			await p.page.getByLabel('Collectivité ou structure').fill(`Structure ${IMG}`);
			await p.page.getByRole('button', { name: 'Inscrire et marquer présent' }).click();
			await expect(p.page.getByText(/est inscrit sur place/)).toBeVisible();
			await expectInert(p.page, pd, sheet, [`Plénière ${SCRIPT}`, shownName, `Visiteur ${SCRIPT}`]);
			await expectInert(p.page, pd, `/evenements/${event.id}/inscrits`, [`Visiteur ${SCRIPT}`, `Structure ${IMG}`]);
		});

		let spaserId = '';
		await test.step('SPASER comment and version name', async () => {
			const year = new Date().getFullYear();
			spaserId = (
				await json(api!, 'post', `/organisations/${org!.id}/spasers`, {
					title: `SPASER XSS ${tag}`,
					periodStart: year,
					periodEnd: year + 3,
					templateKey: 'trois_piliers'
				})
			).id;
			await json(api!, 'patch', `/spasers/${spaserId}`, { sharedWithNetworks: true });
			const version = await json(api!, 'post', `/spasers/${spaserId}/versions`, { name: `Version ${PAYLOAD}` });
			await expectInert(p.page, pd, `/spaser/${spaserId}/versions`, [`Version ${SCRIPT}`, shownName]);
			await expectInert(p.page, pd, `/spaser/${spaserId}/versions/${version.id}`, [`Version ${SCRIPT}`, shownName]);
			await expectInert(p.page, pd, `/collectivites/${org!.slug}/journal`, [`Version ${SCRIPT}`]);

			await gotoReady(p.page, `/spaser/${spaserId}`);
			await p.page.locator('#new-comment-body').fill(`Commentaire ${PAYLOAD}`);
			await p.page.getByRole('button', { name: 'Publier le commentaire' }).click();
			await expect(p.page.getByTestId('comment-thread').getByText(`Commentaire ${SCRIPT}`)).toBeVisible();
			// (the form view: its one body editor is mounted for readers too, so carets show there)
			await expectInert(p.page, pd, `/spaser/${spaserId}?vue=formulaire`, [`Commentaire ${SCRIPT}`, shownName]);
		});

		await test.step('co-editing: the animator sees the person’s payload name in the presence list and on the caret, as text', async () => {
			// The person is on the document (from the previous step); the animator reads it (shared with the networks).
			await expectInert(animator.page, ad, `/spaser/${spaserId}?vue=formulaire`, [`Commentaire ${SCRIPT}`]);
			await expect(animator.page.getByTestId('comment-thread').getByText(shownName).first()).toBeVisible();
			await expect(animator.page.getByTestId('peer').filter({ hasText: shownName })).toBeVisible();
			const editor = p.page.locator('.ProseMirror[contenteditable="true"]').first();
			await editor.click();
			await p.page.keyboard.type(' ');
			const caret = animator.page.locator('.collaboration-carets__label');
			await expect(caret.filter({ hasText: shownName }).first()).toBeVisible();
			expect(await caret.first().evaluate((el) => el.children.length)).toBe(0);
			await expectNothingLive(animator.page, ad, 'editor (animator)');
			await expectNothingLive(p.page, pd, 'editor (person)');
		});

		await test.step('resource review comment and resource attachment name', async () => {
			const clause = await json(api!, 'post', '/resources', {
				orgId: org!.id,
				resource: {
					kind: 'clause',
					family: 'sociale',
					segments: ['services.nettoyage'],
					cpvCodes: ['90910000-9'],
					mechanism: 'condition_execution',
					title: `Clause XSS ${tag}`,
					summary: 'Résumé.',
					body: 'Le titulaire réserve des heures d’insertion.',
					visibility: 'network'
				}
			});
			const clausePath = `/ressources/clauses/${clause.id}`;
			await gotoReady(animator.page, clausePath);
			await animator.page.getByRole('radio', { name: 'Demander des modifications' }).check();
			await animator.page.getByLabel(/Commentaire/).fill(`Revoir ${PAYLOAD}`);
			await animator.page.getByRole('button', { name: 'Enregistrer la décision' }).click();
			await expect(animator.page.getByText('Demande de modifications envoyée.')).toBeVisible();
			await expectInert(animator.page, ad, '/ressources/relecture', [`Revoir ${SCRIPT}`]);

			await gotoReady(p.page, clausePath);
			await p.page
				.locator('#file')
				.setInputFiles({ name: fileName, mimeType: 'application/pdf', buffer: await pdfBytes('Annexe') });
			await p.page.getByRole('button', { name: 'Ajouter', exact: true }).click();
			await expect(p.page.getByText(/Pièce jointe « .* » ajoutée\./)).toBeVisible();
			await expectInert(p.page, pd, clausePath, [`Revoir ${SCRIPT}`, `Pièce ${IMG}`]);
		});

		await test.step('DECP import file name', async () => {
			await gotoReady(p.page, `/indicateurs/decp?org=${org!.slug}`);
			const decp = await readFile('tests/fixtures/decp/decp-2024-demo-val-d-aurence.json');
			await p.page
				.getByLabel('Fichier DECP (JSON ou XML, 50 Mo au plus)')
				.setInputFiles({ name: `DECP ${IMG} ${SVG}.json`, mimeType: 'application/json', buffer: decp });
			await p.page.getByRole('button', { name: 'Importer', exact: true }).click();
			await expect(p.page.getByRole('status', { name: /Compte rendu de l'import/ })).toContainText(`DECP ${IMG}`);
			await expectNothingLive(p.page, pd, 'DECP import report');
			await expectInert(p.page, pd, `/indicateurs/decp?org=${org!.slug}`, [`DECP ${IMG}`]);
		});
	} finally {
		// Throw-away data out of the way of the other files: the collectivité closed, the animator off the network.
		if (org && api) await json(api, 'post', `/organisations/${org.id}/closure`, { confirmation: orgName });
		if (network) {
			await gotoReady(admin.page, '/admin/reseaux');
			const card = admin.page.locator('article').filter({ hasText: `Réseau XSS ${tag}` });
			await card.locator('summary', { hasText: 'Retirer…' }).click();
			await card.getByRole('button', { name: "Retirer l'animation" }).click();
			await expect(admin.page.getByText("La personne n'anime plus ce réseau.")).toBeVisible();
		}
		await api?.dispose();
		await animatorApi?.dispose();
		for (const s of [p, animator, admin]) await s.context.close();
	}
});
