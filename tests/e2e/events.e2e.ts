/**
 * Events, end to end through the real pages: the animator creates a forum with parallel workshops (A/B/C then
 * D/E/F), publishes it; two buyers register with different choices, the second is waitlisted (workshop A full),
 * then promoted when the animator opens a second place and accepts the offer; check-in by QR code (a generated
 * code image uploaded to the decoding path) and by hand; the attestations download and contain the right hours.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import QRCode from 'qrcode';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { DEMO, gotoReady, newSession } from './helpers';

const FONTS = join(dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts') + '/';

async function pdfText(path: string): Promise<string[]> {
	const doc = await getDocument({
		data: new Uint8Array(readFileSync(path)),
		isEvalSupported: false,
		standardFontDataUrl: FONTS
	}).promise;
	const pages: string[] = [];
	for (let i = 1; i <= doc.numPages; i++) {
		const c = await (await doc.getPage(i)).getTextContent();
		pages.push(
			c.items
				.map((it) => ('str' in it ? it.str : ''))
				.join(' ')
				.replace(/\s+/g, ' ')
		);
	}
	return pages;
}

async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Paris wall-clock time of `d`, as a datetime-local value (YYYY-MM-DDTHH:MM). */
function parisLocal(d: Date) {
	const p = Object.fromEntries(
		new Intl.DateTimeFormat('en-GB', {
			timeZone: 'Europe/Paris',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			hourCycle: 'h23'
		})
			.formatToParts(d)
			.map((x) => [x.type, x.value])
	);
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

test('forum with parallel workshops: registration, waiting list, promotion, QR and manual check-in, attestations', async ({
	browser
}) => {
	// Check-in and attestations are about a session that really takes place (issue 14): the forum starts four minutes
	// from now (time to register and promote) and its three one-minute slots end seven minutes from now; the test
	// waits for them.
	test.setTimeout(600_000);
	const minute = 60_000;
	const start = new Date(Math.ceil((Date.now() + 4 * minute) / minute) * minute);
	const at = (minutes: number) => parisLocal(new Date(start.getTime() + minutes * minute));
	const title = `Forum achats responsables ${Date.now().toString(36)}`;
	const animator = await newSession(browser, DEMO.animator);
	const a = animator.page;

	// 1. The animator creates the forum (a draft) …
	await gotoReady(a, '/evenements/nouveau');
	await a.getByLabel('Type').selectOption({ label: 'Forum' });
	await a.getByLabel('Titre').fill(title);
	await a.getByLabel('Début').fill(at(0));
	await a.getByLabel('Fin').fill(at(3));
	await a.getByLabel('Ouverture du pointage').selectOption({ label: '4 heures avant la séance' });
	await a.getByLabel('Lieu').fill('Maison des associations, Val d’Aurence');
	await a.getByRole('button', { name: 'Créer le brouillon' }).click();
	await expect(a).toHaveURL(/\/modifier\?nouveau/);
	await a.waitForLoadState('networkidle');

	// … its two choice groups and its programme: a plenary, then A/B/C at 14 h (A: one place), D/E/F at 15 h 15.
	for (const g of ['Ateliers de 14 h', 'Ateliers de 15 h 15']) {
		await a.getByLabel('Nouveau groupe').fill(g);
		await a.getByRole('button', { name: 'Ajouter le groupe' }).click();
		await expect(a.getByText(`Groupe « ${g} » ajouté`)).toBeVisible();
	}
	const session = async (name: string, from: number, to: number, group: string | null, capacity = '') => {
		const form = a.locator('form').filter({ has: a.getByRole('button', { name: 'Ajouter la séance' }) });
		await form.getByLabel('Titre').fill(name);
		await form.getByLabel('Début').fill(at(from));
		await form.getByLabel('Fin').fill(at(to));
		await form.getByLabel('Groupe de choix').selectOption(group ? { label: group } : { index: 0 });
		await form.getByLabel('Capacité').fill(capacity);
		await form.getByRole('button', { name: 'Ajouter la séance' }).click();
		await expect(a.getByText(`Séance « ${name} » ajoutée au programme.`)).toBeVisible();
	};
	await session('Plénière d’ouverture', 0, 1, null);
	await session('Atelier A', 1, 2, 'Ateliers de 14 h', '1');
	await session('Atelier B', 1, 2, 'Ateliers de 14 h');
	await session('Atelier C', 1, 2, 'Ateliers de 14 h');
	await session('Atelier D', 2, 3, 'Ateliers de 15 h 15');
	await session('Atelier E', 2, 3, 'Ateliers de 15 h 15');
	await session('Atelier F', 2, 3, 'Ateliers de 15 h 15');

	await a.getByRole('link', { name: "Voir la page de l'événement" }).click();
	await a.waitForURL(/\/evenements\/[0-9a-f-]+$/);
	await a.waitForLoadState('networkidle');
	const eventUrl = new URL(a.url()).pathname;
	await a.getByRole('button', { name: 'Publier' }).click();
	await expect(a.getByText("L'événement est publié")).toBeVisible();

	// 2. Two buyers register with different choices; workshop A has one place: the second waits.
	const register = async (email: string, first: string, second: string) => {
		const s = await newSession(browser, email);
		await gotoReady(s.page, eventUrl);
		await s.page.getByRole('radio', { name: new RegExp(`^${first} `) }).check();
		await s.page.getByRole('radio', { name: new RegExp(`^${second} `) }).check();
		await s.page.getByRole('button', { name: "S'inscrire" }).click();
		await expect(s.page).toHaveURL(/\/inscription\/[0-9a-f-]+\?nouvelle/);
		return s;
	};
	const b1 = await register(DEMO.orgAdmin, 'Atelier A', 'Atelier D');
	await expect(b1.page.getByText('Inscription confirmée. Un e-mail de confirmation')).toBeVisible();
	const code = (await b1.page.locator('.event-qr code').textContent())!.trim();
	expect(code).toMatch(/^[0-9a-f]{32}$/);
	const b1Registration = new URL(b1.page.url()).pathname;
	expect(await seriousViolations(b1.page), 'axe on the registration page').toEqual([]);
	await gotoReady(b1.page, eventUrl);
	expect(await seriousViolations(b1.page), 'axe on the event page').toEqual([]);
	await gotoReady(b1.page, '/evenements');
	await expect(b1.page.locator('.event-card').getByRole('link', { name: title })).toBeVisible();
	await expect(
		b1.page.getByRole('region', { name: 'Mes inscriptions à venir' }).getByRole('link', { name: title })
	).toBeVisible();
	expect(await seriousViolations(b1.page), 'axe on the agenda').toEqual([]);

	const b2 = await register('achats.metropole@demo.spaser.test', 'Atelier A', 'Atelier E');
	await expect(b2.page.getByText("inscription sur la liste d'attente (rang 1)")).toBeVisible();
	const b2Registration = new URL(b2.page.url()).pathname;

	// 3. The animator opens a second place in workshop A: the waiting buyer gets an offer and accepts it.
	await gotoReady(a, `${eventUrl}/modifier`);
	await a.locator('.programme-item', { hasText: 'Atelier A' }).getByRole('link', { name: 'Modifier' }).click();
	await expect(a).toHaveURL(/seance=/);
	await expect(a.getByRole('button', { name: 'Enregistrer la séance' })).toBeVisible();
	await a.waitForLoadState('networkidle');
	await a.getByLabel('Capacité').fill('2');
	await a.getByRole('button', { name: 'Enregistrer la séance' }).click();
	await expect(a).toHaveURL(/enregistre/);

	await gotoReady(b2.page, b2Registration);
	await expect(b2.page.getByRole('heading', { name: 'Une place vous est proposée' })).toBeVisible();
	await b2.page.getByRole('button', { name: 'Accepter la place' }).click();
	await expect(b2.page.getByText('Place acceptée : votre inscription est confirmée.')).toBeVisible();
	await expect(b2.page.locator('.badge', { hasText: 'Confirmée' })).toBeVisible();

	// 4. Check-in at the plenary: buyer 1 by QR code (a photo of the code, decoded in the browser), buyer 2 by hand.
	await gotoReady(a, `${eventUrl}/inscrits`);
	await a
		.locator('.checkin-sessions li', { hasText: 'Plénière' })
		.getByRole('link', { name: "Liste d'émargement et QR code" })
		.click();
	await a.waitForLoadState('networkidle');
	await expect(a.getByRole('heading', { name: 'Émargement : Plénière d’ouverture' })).toBeVisible();
	const png = join(mkdtempSync(join(tmpdir(), 'qr-')), 'badge.png');
	writeFileSync(png, await QRCode.toBuffer(code, { type: 'png', scale: 6, margin: 4 }));
	await a.getByTestId('qr-photo').setInputFiles(png);
	await expect(a.getByText('Présence enregistrée : Sandrine Aurelhac.')).toBeVisible();
	await a.getByRole('button', { name: 'Présent : Nadia Cazalbou' }).click();
	await expect(a.getByText('Présence enregistrée : Nadia Cazalbou.')).toBeVisible();
	await expect(a.getByText('2 / 2 présents')).toBeVisible();
	// Undo and redo by hand, then the same QR code again is recognised as already recorded.
	await a.getByRole('button', { name: 'Annuler la présence de Nadia Cazalbou' }).click();
	await expect(a.getByText('1 / 2 présents')).toBeVisible();
	await a.getByRole('button', { name: 'Présent : Nadia Cazalbou' }).click();
	await expect(a.getByText('2 / 2 présents')).toBeVisible();
	expect(await seriousViolations(a), 'axe on the check-in page').toEqual([]);

	// Workshop A: buyer 1 only (buyer 2 searches by collectivité, then checked in by hand too).
	await gotoReady(a, `${eventUrl}/inscrits`);
	await a
		.locator('.checkin-sessions li', { hasText: 'Atelier A' })
		.getByRole('link', { name: "Liste d'émargement et QR code" })
		.click();
	await a.waitForLoadState('networkidle');
	await a.getByLabel('Rechercher un nom ou une collectivité').fill('val d aurence');
	await a.getByRole('button', { name: 'Rechercher' }).click();
	await expect(a.locator('.checkin-list li')).toHaveCount(1);
	await a.getByRole('button', { name: 'Présent : Sandrine Aurelhac' }).click();
	await expect(a.getByText('Présence enregistrée : Sandrine Aurelhac.')).toBeVisible();

	// 5. Attestations: none while the sessions are not over; then buyer 1 attended 1 + 1 min, buyer 2 the plenary.
	await gotoReady(b1.page, b1Registration);
	await expect(b1.page.getByRole('heading', { name: 'Votre programme' })).toBeVisible();
	if (Date.now() < start.getTime() + 3 * minute) {
		await expect(b1.page.getByRole('link', { name: "Télécharger l'attestation de présence (PDF)" })).toHaveCount(0);
		await b1.page.waitForTimeout(start.getTime() + 3 * minute + 2000 - Date.now());
	}
	await gotoReady(b1.page, b1Registration);
	const [download] = await Promise.all([
		b1.page.waitForEvent('download'),
		b1.page.getByRole('link', { name: "Télécharger l'attestation de présence (PDF)" }).click()
	]);
	const mine = await pdfText((await download.path())!);
	expect(mine).toHaveLength(1);
	expect(mine[0]).toContain('Sandrine Aurelhac');
	expect(mine[0]).toContain(title);
	expect(mine[0]).toContain('Durée de présence : 2 min');

	await gotoReady(a, `${eventUrl}/inscrits`);
	const [bulk] = await Promise.all([
		a.waitForEvent('download'),
		a.getByRole('link', { name: 'Toutes les attestations (PDF)' }).click()
	]);
	const pages = await pdfText((await bulk.path())!);
	expect(pages).toHaveLength(2);
	expect(pages.find((p) => p.includes('Nadia Cazalbou'))).toContain('Durée de présence : 1 min');
	expect(pages.find((p) => p.includes('Sandrine Aurelhac'))).toContain('Durée de présence : 2 min');

	// 6. Figures of the network (animator) with exports, and the public agenda feed.
	await gotoReady(a, '/evenements');
	await a
		.getByRole('link', { name: /Chiffres de formation/ })
		.first()
		.click();
	await expect(a.getByRole('table', { name: 'Par collectivité' })).toBeVisible();
	await expect(a.getByRole('row', { name: /Agglomération du Val d'Aurence/ })).toBeVisible();
	const [csv] = await Promise.all([
		a.waitForEvent('download'),
		a.getByRole('link', { name: 'Exporter (CSV)' }).click()
	]);
	expect(readFileSync((await csv.path())!, 'utf8')).toMatch(
		/^\ufeffCollectivité;Personnes formées;Heures de formation/
	);
	const feed = await a.request.get('/evenements/agenda.ics');
	expect(feed.headers()['content-type']).toContain('text/calendar');
	expect(await feed.text()).toContain('SUMMARY:Webinaire : considérations environnementales');

	await Promise.all([animator.context.close(), b1.context.close(), b2.context.close()]);
});
