/**
 * XSS (issue 8, security suite): classic payloads stored through the API and the forms into representative text
 * and rich-text fields of every capability — collectivité name, SPASER title, node title and rich body (with a
 * `javascript:` link), clause model and REX texts, Guichet question, event title and description, indicator
 * comment, custom indicator label — then the pages that render them are visited: no script runs (window.__xss
 * stays undefined, no dialog), no element carries an injected handler or a script link, and the payload is shown
 * as text. Everything is created in a throw-away collectivité, closed at the end through its « Données » page
 * (export first, closure refused with a wrong name, then done), which is itself one more page rendering the name.
 */
import { expect, test } from '@playwright/test';
import { DEMO, DEMO_NETWORK, DEMO_ORG_SLUG, gotoReady, logIn, newSession } from './helpers';
import { createToken, expectInert, IMG, JS_LINK, json, PAYLOAD, SCRIPT, watchDialogs } from './xss-helpers';

test('XSS payloads stored in every capability are rendered inert', async ({ page, playwright, baseURL }) => {
	test.setTimeout(240_000);
	const dialogs = watchDialogs(page);
	await logIn(page, DEMO.orgAdmin);
	const token = await createToken(page);
	const api = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
	try {
		// A throw-away collectivité whose name is a payload.
		const orgName = `Commune ${PAYLOAD}`.slice(0, 200);
		const org = await json(api, 'post', '/organisations', { name: orgName, kind: 'commune' });
		const demoOrg = (await json(api, 'get', '/organisations')).items.find(
			(o: { slug: string }) => o.slug === DEMO_ORG_SLUG
		);
		const network = (await json(api, 'get', '/networks')).items.find(
			(n: { slug: string }) => n.slug === DEMO_NETWORK.slug
		);

		await test.step('collectivité name', async () => {
			await expectInert(page, dialogs, `/collectivites/${org.slug}`);
			await expectInert(page, dialogs, '/collectivites');
			await expectInert(page, dialogs, `/collectivites/${org.slug}/parametres`);
		});

		await test.step('SPASER title, node title and rich body with a javascript: link', async () => {
			const source = (await json(api, 'get', `/organisations/${demoOrg.id}/spasers`)).items[0];
			const exported = await json(api, 'get', `/spasers/${source.id}/export`);
			exported.document.title = `SPASER ${PAYLOAD}`;
			const node = exported.content.nodes[0];
			node.title = `Axe ${PAYLOAD}`;
			node.body = [
				{ type: 'paragraph', content: [{ type: 'text', text: `Corps ${PAYLOAD}` }] },
				{
					type: 'paragraph',
					content: [{ type: 'text', text: 'lien piégé', marks: [{ type: 'link', attrs: { href: JS_LINK } }] }]
				}
			];
			// A script link is refused at the boundary, with a French message, and nothing is created.
			const refused = await json(api, 'post', `/spasers/import?orgId=${org.id}`, exported, [400]);
			expect(Object.values(refused.error.details.fields).join(' ')).toMatch(/Adresse de lien refusée/);
			expect((await json(api, 'get', `/organisations/${org.id}/spasers`)).items).toEqual([]);
			node.body[1].content[0].marks[0].attrs.href = 'https://example.org/guide-achats';
			const spaser = await json(api, 'post', `/spasers/import?orgId=${org.id}`, exported);
			await expectInert(page, dialogs, `/spaser/${spaser.id}/imprimer`, [
				`SPASER ${SCRIPT}`,
				`Axe ${SCRIPT}`,
				`Corps ${SCRIPT}`,
				'lien piégé'
			]);
			// The collaborative editor renders the same document in the browser (TipTap from the Yjs state).
			await expectInert(page, dialogs, `/spaser/${spaser.id}`, [`SPASER ${SCRIPT}`]);
		});

		await test.step('clause model and REX', async () => {
			const base = { family: 'sociale', segments: ['services.nettoyage'], cpvCodes: ['90910000-9'] };
			const clause = await json(api, 'post', '/resources', {
				orgId: org.id,
				resource: {
					...base,
					kind: 'clause',
					mechanism: 'condition_execution',
					title: `Clause piégée ${PAYLOAD}`.slice(0, 300),
					summary: `Résumé ${PAYLOAD}`,
					body: `Le titulaire ${PAYLOAD}`,
					legalRefs: `${JS_LINK} ${IMG}`
				}
			});
			const rex = await json(api, 'post', '/resources', {
				orgId: org.id,
				resource: {
					...base,
					kind: 'rex',
					year: 2024,
					title: `REX piégé ${PAYLOAD}`.slice(0, 300),
					context: `Contexte ${PAYLOAD}`,
					actions: `Actions ${PAYLOAD}`,
					lessons: `Leçons ${PAYLOAD}`
				}
			});
			await expectInert(page, dialogs, `/ressources/clauses/${clause.id}`, [
				`Clause piégée ${SCRIPT}`,
				`Le titulaire ${SCRIPT}`
			]);
			await expectInert(page, dialogs, `/ressources/rex/${rex.id}`, [`REX piégé ${SCRIPT}`, `Contexte ${SCRIPT}`]);
			// Search results highlight matches with {@html}: the snippet must stay escaped.
			await expectInert(page, dialogs, `/ressources?q=${encodeURIComponent('piégée titulaire')}`, [
				`Clause piégée ${SCRIPT}`
			]);
		});

		await test.step('event title and description', async () => {
			const start = new Date(Date.now() + 40 * 86400_000);
			const event = await json(api, 'post', '/events', {
				kind: 'atelier',
				title: `Atelier ${PAYLOAD}`.slice(0, 200),
				description: `Description ${PAYLOAD}`,
				organiser: `org:${org.id}`,
				audience: 'open',
				place: `Salle ${IMG}`,
				startsAt: start.toISOString(),
				endsAt: new Date(start.getTime() + 2 * 3600_000).toISOString()
			});
			await json(api, 'post', `/events/${event.id}/publish`, { published: true });
			await expectInert(page, dialogs, `/evenements/${event.id}`, [`Atelier ${SCRIPT}`, `Description ${SCRIPT}`]);
			await expectInert(page, dialogs, '/evenements', [`Atelier ${SCRIPT}`]);
		});

		await test.step('indicator comment and custom indicator label', async () => {
			const indicators = (await json(api, 'get', '/indicators')).items;
			await json(
				api,
				'put',
				`/organisations/${org.id}/indicator-values`,
				{ indicatorId: indicators[0].id, year: 2024, value: 12, comment: `Commentaire ${PAYLOAD}` },
				[200, 201]
			);
			await expectInert(page, dialogs, `/indicateurs?org=${org.slug}`, []);
			const title = await page.locator(`span[title*="Commentaire"]`).first().getAttribute('title');
			expect(title).toContain(`Commentaire ${SCRIPT}`);

			await gotoReady(page, `/indicateurs/catalogue?org=${org.slug}`);
			await page.getByLabel('Code').fill('XSS-01');
			await page.getByLabel('Libellé').fill(`Indicateur ${PAYLOAD}`);
			await page.getByLabel('Définition').fill(`Définition ${PAYLOAD}`);
			await page.getByRole('button', { name: "Créer l'indicateur" }).click();
			await expect(page.getByText(`Indicateur ${SCRIPT}`).first()).toBeVisible();
			await expectInert(page, dialogs, `/indicateurs/catalogue?org=${org.slug}`, [`Indicateur ${SCRIPT}`]);
		});

		await test.step('Guichet question, seen by the requester and by the animator', async () => {
			const request = await json(api, 'post', `/networks/${network.id}/guichet/questions`, {
				orgId: demoOrg.id,
				topic: `Sujet ${PAYLOAD}`.slice(0, 200),
				stage: 'definition_besoin',
				question: `Question ${PAYLOAD}`
			});
			await expectInert(page, dialogs, `/guichet/demande/${request.id}`, [`Question ${SCRIPT}`]);
			const animator = await newSession(page.context().browser()!, DEMO.animator);
			const animatorDialogs = watchDialogs(animator.page);
			try {
				await expectInert(animator.page, animatorDialogs, `/guichet/demande/${request.id}`, [`Question ${SCRIPT}`]);
				await expectInert(animator.page, animatorDialogs, '/guichet/animation', [`Sujet ${SCRIPT}`]);
			} finally {
				await animator.context.close();
			}
		});

		await test.step('the throw-away collectivité is exported, then closed (its name shown once more)', async () => {
			await gotoReady(page, `/collectivites/${org.slug}/parametres`);
			await page.getByRole('link', { name: 'Exporter les données ou fermer la collectivité' }).click();
			await expect(page.getByRole('heading', { level: 1, name: 'Données de la collectivité' })).toBeVisible();
			await expectInert(page, dialogs, `/collectivites/${org.slug}/donnees`, [`Commune ${SCRIPT}`]);
			const download = page.waitForEvent('download');
			await page.getByRole('link', { name: 'Télécharger l’archive (ZIP)' }).click();
			expect((await download).suggestedFilename()).toMatch(/^donnees-.*\.zip$/);

			const confirmation = page.getByLabel(/Recopiez le nom de la collectivité/);
			await confirmation.fill('Une autre commune');
			await page.getByRole('button', { name: 'Fermer définitivement la collectivité' }).click();
			await expect(page.getByText(/Recopiez exactement le nom de la collectivité/).first()).toBeVisible();
			await expect(page.getByLabel(/Recopiez le nom de la collectivité/)).toHaveValue('Une autre commune');
			await page.getByLabel(/Recopiez le nom de la collectivité/).fill(orgName);
			await page.getByRole('button', { name: 'Fermer définitivement la collectivité' }).click();
			await expect(page).toHaveURL(/\/collectivites\?fermee=/);
			await expect(page.getByRole('status').getByText(`Commune ${SCRIPT}`)).toBeVisible();
			expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
			expect(await page.locator('[onerror], [onload]').count()).toBe(0);
			expect((await api.get(`/api/v1/organisations/${org.id}`)).status()).toBe(404);
			expect(dialogs).toEqual([]);
		});
	} finally {
		await api.dispose();
	}
});
