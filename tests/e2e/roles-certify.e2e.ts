/**
 * Issue 14, items 4, 7 and 8, as a person sees them in the browser (demo data):
 * - the anonymised REX of Val d'Aurence: its page and its __data.json never name the collectivité nor the author
 *   for a buyer of another collectivité; its members see them;
 * - a lecteur of Val d'Aurence reads the Guichet vert without the buttons to book or ask;
 * - the check-in page of the upcoming webinar says when check-in opens and offers nothing to record; the
 *   participant's page offers no attestation for it.
 */
import { expect, test } from '@playwright/test';
import { DEMO, gotoReady, newSession } from './helpers';

const REX = '/ressources/rex/de000000-0000-4000-8011-000000000001';
const OUTSIDER = 'achats.metropole@demo.spaser.test';
const VIEWER = 'lecteur@demo.spaser.test';
/** What names Val d'Aurence and the REX's author (Thomas Bérengier, rédacteur), and its own clause linked from the REX. */
const IDENTITY = [
	'de000000-0000-4000-8001-000000000001',
	'agglomeration-du-val-d-aurence',
	'Aurence',
	'de000000-0000-4000-8000-000000000004',
	'Bérengier',
	'de000000-0000-4000-8010-000000000005'
];
const leaks = (body: string) => IDENTITY.filter((s) => body.includes(s));

test('an anonymised REX names nobody to another collectivité, in the page, its __data.json, the list and the export', async ({
	browser
}) => {
	const { page, context } = await newSession(browser, OUTSIDER);
	await gotoReady(page, REX);
	await expect(page.getByRole('heading', { level: 1, name: /Gilets haute visibilité/ })).toBeVisible();
	await expect(page.getByText('Collectivité anonymisée')).toBeVisible();
	const bodies = {
		html: await (await context.request.get(REX)).text(),
		data: await (await context.request.get(`${REX}/__data.json`)).text(),
		// Lists and exports filtered to this REX (other items of Val d'Aurence are signed, as they should be).
		list: await (await context.request.get('/ressources/__data.json?kind=rex&q=gilets')).text(),
		listHtml: await (await context.request.get('/ressources?kind=rex&q=gilets')).text(),
		csv: await (await context.request.get('/ressources/export?kind=rex&q=gilets')).text(),
		json: await (await context.request.get('/ressources/export?kind=rex&q=gilets&format=json')).text()
	};
	for (const name of ['data', 'list', 'json'] as const) expect(bodies[name], name).toContain('Gilets haute visibilit');
	for (const [name, body] of Object.entries(bodies)) expect(leaks(body), name).toEqual([]);
	await context.close();

	// Its members (a lecteur included) see who wrote it.
	const member = await newSession(browser, VIEWER);
	await gotoReady(member.page, REX);
	await expect(member.page.getByText("Agglomération du Val d'Aurence").first()).toBeVisible();
	expect(leaks(await (await member.context.request.get(`${REX}/__data.json`)).text())).toContain(
		'de000000-0000-4000-8001-000000000001'
	);
	await member.context.close();
});

test('a lecteur reads the Guichet vert without the means to act for the collectivité', async ({ browser }) => {
	const { page, context } = await newSession(browser, VIEWER);
	await gotoReady(page, '/guichet');
	await expect(page.getByRole('heading', { level: 3, name: 'Réseau Achats Responsables Sud-Ouest' })).toBeVisible();
	await expect(page.getByText(/En tant que lecteur ou lectrice, vous consultez le Guichet vert/)).toBeVisible();
	await expect(page.getByRole('link', { name: 'Réserver un rendez-vous' })).toHaveCount(0);
	await expect(page.getByRole('link', { name: 'Poser une question minute' })).toHaveCount(0);
	await gotoReady(page, '/guichet/reseau-achats-responsables-sud-ouest/question');
	await expect(page.getByText(/seuls ses administrateurs et rédacteurs/)).toBeVisible();
	await expect(page.getByRole('button', { name: 'Envoyer la question' })).toHaveCount(0);
	await context.close();

	// The rédacteur still has them.
	const editor = await newSession(browser, 'redacteur@demo.spaser.test');
	await gotoReady(editor.page, '/guichet');
	await expect(editor.page.getByRole('link', { name: 'Réserver un rendez-vous' })).toBeVisible();
	await editor.context.close();
});

test('check-in of the upcoming webinar is not open yet, and no attestation is offered for it', async ({ browser }) => {
	const webinar = '/evenements/de000000-0000-4000-8e06-000000000002';
	const animator = await newSession(browser, DEMO.animator);
	await gotoReady(animator.page, `${webinar}/emargement/de000000-0000-4000-8e06-000000000209`);
	await expect(animator.page.getByRole('heading', { level: 1, name: 'Émargement : Webinaire' })).toBeVisible();
	await expect(
		animator.page.getByRole('status').filter({ hasText: /Le pointage ouvre le \S+\s\d+\s\S+\s\d{4}\sà\s00\sh\s00\./ })
	).toBeVisible();
	await expect(animator.page.getByRole('button', { name: /^Présent/ })).toHaveCount(0);
	await expect(animator.page.getByRole('heading', { name: 'Scanner un QR code' })).toHaveCount(0);
	await expect(animator.page.getByRole('heading', { name: 'Participant non inscrit (sur place)' })).toHaveCount(0);
	// The past forum's attestation is still there for the organiser.
	expect(
		(await animator.context.request.get('/evenements/de000000-0000-4000-8e06-000000000001/attestations')).status()
	).toBe(200);
	await animator.context.close();

	// The participant (Métropole's buyer, registered to the webinar): no attestation before the session took place.
	const participant = await newSession(browser, OUTSIDER);
	const reg = `${webinar}/inscription/de000000-0000-4000-8e06-000000000311`;
	await gotoReady(participant.page, reg);
	await expect(participant.page.getByRole('heading', { name: 'Votre programme' })).toBeVisible();
	await expect(participant.page.getByRole('link', { name: /attestation de présence/ })).toHaveCount(0);
	expect((await participant.context.request.get(`${reg}/attestation`)).status()).toBe(404);
	await participant.context.close();
});
