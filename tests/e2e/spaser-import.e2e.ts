import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Document, Packer, Paragraph, TextRun } from 'docx';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, DEMO_ORG_SLUG, gotoReady, newSession } from './helpers';

const EDITOR = 'redacteur@demo.spaser.test';
const OCC = readFileSync(
	fileURLToPath(new URL('../fixtures/seeds/occitanie-spaser-2023-2028.txt', import.meta.url)),
	'utf8'
);

/** A Word document written from the real Occitanie text: one paragraph per block, its lines as line breaks, « ** » as bold. */
async function occitanieDocx(): Promise<Buffer> {
	const blocks = OCC.split(/\n\s*\n/).filter((b) => b.trim());
	const paragraphs = blocks.map(
		(block) =>
			new Paragraph({
				children: block.split('\n').flatMap((line, i) => {
					const parts = line.split('**');
					const balanced = parts.length % 2 === 1;
					return parts.map(
						(text, k) => new TextRun({ text, bold: balanced && k % 2 === 1, break: i > 0 && k === 0 ? 1 : undefined })
					);
				})
			})
	);
	return Packer.toBuffer(new Document({ sections: [{ children: paragraphs }] }));
}

/** Serious and critical axe violations (WCAG 2.1 A/AA) of the page as it is. */
async function axeBlocking(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

const node = (page: Page, label: string) =>
	page.getByTestId('import-node').filter({ has: page.getByTestId('import-label').getByText(label, { exact: true }) });

test('imports a Word SPASER after adjusting the detected tree, then two people co-edit it', async ({ browser }) => {
	// Two accessibility audits, an import and two browsers on the live document (opened once more in the form
	// view): more than the default minute on a loaded CI machine.
	test.setTimeout(120_000);
	const docx = await occitanieDocx();
	const editor = await newSession(browser, EDITOR);
	const page = editor.page;

	// From the SPASER list to the upload page; a PDF is refused with a French explanation
	await gotoReady(page, `/collectivites/${DEMO_ORG_SLUG}/spaser`);
	await page.getByRole('link', { name: 'Importer un SPASER existant (Word, texte)' }).click();
	await expect(page.getByRole('heading', { level: 1, name: 'Importer un SPASER existant' })).toBeVisible();
	await page.waitForLoadState('networkidle');
	expect(await axeBlocking(page)).toEqual([]);
	await page
		.getByLabel('Document du SPASER')
		.setInputFiles({ name: 'spaser.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7\n%fake') });
	await page.getByRole('button', { name: 'Analyser le document' }).click();
	await expect(page.getByRole('alert')).toContainText(
		'PDF\u00a0: collez le texte ou enregistrez-le en DOCX depuis votre traitement de texte'
	);

	await page.getByLabel('Document du SPASER').setInputFiles({
		name: 'politique-achat-occitanie.docx',
		mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
		buffer: docx
	});
	await page.getByRole('button', { name: 'Analyser le document' }).click();
	await expect(
		page.getByRole('heading', { level: 1, name: 'Relire la structure avant l’import'.replace('’', "'") })
	).toBeVisible();
	await page.waitForLoadState('networkidle');

	// The preview: counts per level, the first targets with their source text
	const counts = page.getByTestId('import-counts');
	await expect(counts).toContainText('5 Axes');
	await expect(counts).toContainText('20 Chantiers');
	await expect(counts).toContainText('65 Actions');
	const axe1 = node(page, 'Axe 1');
	await expect(axe1.getByTestId('import-target').filter({ hasText: '15' }).first()).toContainText(
		"D'ATTRIBUTION ENVIRONNEMENTAUX"
	);
	expect(await axeBlocking(page)).toEqual([]);

	// Adjust: rename the first axe, demote chantier 2 under chantier 1
	const title = axe1.getByTestId('import-title');
	await title.fill('Transformation écologique de la commande publique');
	const chantier2 = node(page, 'Chantier 2');
	await expect(chantier2.getByTestId('import-title')).toHaveValue(
		"Placer l'économie circulaire au cœur de l'achat régional"
	);
	await chantier2.getByRole('button', { name: /^Descendre d'un niveau/ }).click();
	await expect(counts).toContainText('19 Chantiers');
	const depthOf = (t: string) =>
		page
			.getByTestId('import-node')
			.evaluateAll(
				(els, title) =>
					els
						.filter((e) => e.querySelector<HTMLInputElement>('.import-title')?.value === title)
						.map((e) => e.getAttribute('data-depth')),
				t
			);
	expect(await depthOf("Placer l'économie circulaire au cœur de l'achat régional")).toEqual(['3']);

	// A reload keeps the review (sessionStorage)
	await page.reload();
	await page.waitForLoadState('networkidle');
	await expect(page.getByText('Vos corrections en cours ont été retrouvées.')).toBeVisible();
	await expect(node(page, 'Axe 1').getByTestId('import-title')).toHaveValue(
		'Transformation écologique de la commande publique'
	);
	await expect(page.getByTestId('import-counts')).toContainText('19 Chantiers');

	// Leaving and coming back through the upload page finds the review where it was left
	await gotoReady(page, `/collectivites/${DEMO_ORG_SLUG}/spaser/importer/document`);
	await page
		.getByTestId('import-drafts')
		.getByRole('link', { name: /politique-achat-occitanie\.docx/ })
		.click();
	await page.waitForLoadState('networkidle');
	await expect(node(page, 'Axe 1').getByTestId('import-title')).toHaveValue(
		'Transformation écologique de la commande publique'
	);

	// A bad period is refused and the review survives the failed submission
	await expect(page.getByLabel('Début de période')).toHaveValue('2023');
	await page.getByLabel('Titre', { exact: false }).last().fill('Politique achat Occitanie (import)');
	await page.getByLabel('Fin de période').fill('2019');
	await page.getByRole('button', { name: 'Créer le SPASER' }).click();
	await expect(page.getByRole('alert')).toContainText('La fin de période doit suivre son début.');
	await expect(node(page, 'Axe 1').getByTestId('import-title')).toHaveValue(
		'Transformation écologique de la commande publique'
	);
	await page.getByLabel('Fin de période').fill('2028');
	await page.getByRole('button', { name: 'Créer le SPASER' }).click();

	// The created SPASER opens in the live editor
	await expect(page).toHaveURL(/\/spaser\/[0-9a-f-]{36}\?importe=\d+/);
	const spaserUrl = page.url().split('?')[0];
	await expect(page.getByText(/Import terminé/)).toBeVisible();
	await expect(page.getByTestId('connection-status')).toHaveText('Enregistré');
	// the plan and element form (the default is the document view)
	await page.goto(`${spaserUrl}?vue=formulaire`);
	await expect(page.getByTestId('connection-status')).toHaveText('Enregistré');
	await expect(page.getByTestId('outline-node').first()).toContainText(
		'Transformation écologique de la commande publique'
	);

	// The original file is attached and downloadable
	const [download] = await Promise.all([
		page.waitForEvent('download'),
		page.getByTestId('imported-files').getByRole('link').click()
	]);
	expect(download.suggestedFilename()).toBe('politique-achat-occitanie.docx');
	const saved = readFileSync((await download.path())!);
	expect(saved.equals(docx)).toBe(true);

	// Co-editing: the collectivité's admin opens it and sees the editor's change live
	const admin = await newSession(browser, DEMO.orgAdmin);
	await admin.page.goto(`${spaserUrl}?vue=formulaire`);
	await expect(admin.page.getByTestId('connection-status')).toHaveText('Enregistré');
	await expect(admin.page.getByTestId('outline-node').first()).toContainText(
		'Transformation écologique de la commande publique'
	);
	const suffix = ` — revu ${Date.now()}`;
	const live = page.getByLabel('Titre', { exact: true });
	await live.click();
	await live.press('End');
	await live.pressSequentially(suffix);
	await expect(admin.page.getByTestId('outline-node').first()).toContainText(suffix, { timeout: 2000 });
	// and the other way round
	const back = ` et validé ${Date.now()}`;
	const adminTitle = admin.page.getByLabel('Titre', { exact: true });
	await adminTitle.click();
	await adminTitle.press('End');
	await adminTitle.pressSequentially(back);
	await expect(page.getByTestId('outline-node').first()).toContainText(back, { timeout: 2000 });

	// The history holds the « Importé le … » version
	await gotoReady(page, `${spaserUrl}/versions`);
	await expect(
		page.getByRole('link', { name: /^Importé le \d{2}\/\d{2}\/\d{4} depuis «\s?politique-achat-occitanie\.docx\s?»$/ })
	).toBeVisible();

	await editor.context.close();
	await admin.context.close();
});

test('without JavaScript, a Markdown SPASER is analysed and imported as detected', async ({ browser }) => {
	const context = await browser.newContext({ javaScriptEnabled: false });
	const page = await context.newPage();
	await page.goto('/connexion');
	await page.getByLabel('Adresse e-mail').fill(EDITOR);
	await page.getByRole('textbox', { name: 'Mot de passe', exact: true }).fill('Demo-Spaser-2026!');
	await page.getByRole('button', { name: 'Se connecter' }).click();
	await expect(page).not.toHaveURL(/\/connexion/);

	await page.goto(`/collectivites/${DEMO_ORG_SLUG}/spaser/importer/document`);
	const md = [
		'# Axe 1 : Acheter sobre',
		'',
		'## Action 1 : Mutualiser les achats',
		'',
		'Atteindre 40 % d’achats mutualisés d’ici 2028.',
		'',
		'# Axe 2 : Acheter solidaire'
	].join('\n');
	await page
		.getByLabel('Document du SPASER')
		.setInputFiles({ name: 'sobre.md', mimeType: 'text/markdown', buffer: Buffer.from(md) });
	await page.getByRole('button', { name: 'Analyser le document' }).click();
	await expect(page.getByTestId('import-counts')).toContainText('2 Axes');
	await expect(page.getByTestId('import-target')).toContainText('40 % en 2028');
	await page.getByLabel('Titre', { exact: false }).last().fill('SPASER sobriété (sans JavaScript)');
	await page.getByLabel('Début de période').fill('2026');
	await page.getByLabel('Fin de période').fill('2028');
	await page.getByRole('button', { name: 'Créer le SPASER' }).click();
	await expect(page).toHaveURL(/\/spaser\/[0-9a-f-]{36}\?importe=3/);
	await expect(page.getByTestId('imported-files')).toContainText('sobre.md');
	await context.close();
});
