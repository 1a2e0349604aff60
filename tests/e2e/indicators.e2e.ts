/**
 * Indicators end to end: a buyer imports a DECP file, sees the computed indicators and the contracts behind a
 * figure, saves them as her values, compares them with the network (anonymised statistics from the latest
 * consolidated publication: her new value counts once the animator publishes), and downloads the SPASER bilan
 * (DOCX and PDF).
 */
import AxeBuilder from '@axe-core/playwright';
import { readFileSync } from 'node:fs';
import mammoth from 'mammoth';
import { expect, test, type Page } from '@playwright/test';
import { DEMO, DEMO_ORG_SLUG, gotoReady, newSession } from './helpers';

async function seriousViolations(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	return results.violations
		.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => ({ id: v.id, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test('a buyer imports DECP, sees the indicators, compares with the network and downloads the bilan', async ({
	browser
}) => {
	const { page } = await newSession(browser, DEMO.orgAdmin);

	// 1. DECP import with a row-by-row report
	await gotoReady(page, `/indicateurs/decp?org=${DEMO_ORG_SLUG}`);
	await page
		.getByLabel('Fichier DECP (JSON ou XML, 50 Mo au plus)')
		.setInputFiles('tests/fixtures/decp/decp-2024-demo-val-d-aurence.json');
	await page.getByRole('button', { name: 'Importer', exact: true }).click();
	const report = page.getByRole('status', { name: /Compte rendu de l'import/ });
	await expect(report).toContainText(/Marchés retenus\s*17/);
	await expect(report.getByRole('table', { name: 'Enregistrements écartés et motifs' })).toContainText(
		'procédure inconnue'
	);
	await expect(report.getByRole('table', { name: 'Enregistrements écartés et motifs' }).getByRole('row')).toHaveCount(
		5
	);

	// 2. The computed indicators for 2024, and the contracts behind one figure
	await page.getByLabel('Année de notification').selectOption('2024');
	await page.getByRole('button', { name: 'Afficher' }).click();
	const figures = page.getByRole('table', { name: /Considérations sociales et environnementales/ });
	const social = figures.getByRole('row', { name: /^Marchés avec au moins une considération sociale/ });
	await expect(social).toContainText('45,5');
	await social.getByRole('link', { name: /Voir les marchés/ }).click();
	const detail = page.getByRole('table', { name: 'Marchés retenus pour ce chiffre' });
	await expect(detail.getByRole('row')).toHaveCount(6);
	await expect(detail).toContainText('Nettoyage des locaux administratifs');
	await expect(detail).toContainText('1 modification(s)');
	expect(await seriousViolations(page)).toEqual([]);

	// 3. Saved as values, then compared with the network
	await page.getByRole('button', { name: 'Enregistrer ces résultats comme mes valeurs 2024' }).click();
	const applied = page.getByRole('status').filter({ hasText: 'Valeurs 2024 enregistrées depuis les DECP' });
	await expect(applied).toContainText('CAN-ENV-01 = 70');
	await applied.getByRole('link', { name: 'Comparer avec mes pairs' }).click();
	await page.waitForLoadState('networkidle');
	await expect(page).toHaveURL(/\/comparaison/);
	const stats = page.getByRole('table', { name: /Statistiques du groupe de pairs/ });
	await expect(stats.getByRole('row', { name: /Collectivités contributrices/ })).toContainText('12');
	await expect(page.getByText(/Données consolidées au/)).toBeVisible();
	// the value just saved is hers, but the published statistics (and her counted value) are the consolidated ones
	await expect(stats.getByRole('row', { name: /^Ma valeur (?!comptée)/ })).toContainText('70');
	const counted = stats.getByRole('row', { name: /^Ma valeur comptée dans la publication/ });
	await expect(counted).not.toContainText('70');
	await expect(page.getByText(/la nouvelle valeur comptera à la publication suivante/)).toBeVisible();
	await expect(stats.getByRole('row', { name: /^Ma position/ })).toContainText(/quart|quartile|médiane/);
	await expect(stats).not.toContainText('rang');
	await expect(stats.getByRole('row', { name: /Référence nationale/ })).toContainText('100');
	await expect(page.getByRole('img', { name: /Position de ma collectivité/ })).toBeVisible();
	await expect(page.getByRole('heading', { name: 'Comment vos données sont protégées' })).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
	// a filter that leaves too few peers says so, without any count
	await page.getByLabel('Type de collectivité').selectOption('metropole');
	await page.getByRole('button', { name: 'Comparer' }).click();
	const refusal = page.getByRole('status').filter({ hasText: 'Pas de statistique publiée pour ce groupe.' });
	await expect(refusal).toContainText('Pas assez de collectivités comparables');
	expect(await refusal.textContent()).not.toMatch(/\d/);
	await expect(stats.getByRole('row', { name: /Collectivités contributrices/ })).toContainText('non publié');

	// the network's animator publishes (« Publier maintenant »): her 70 now counts
	const animator = await newSession(browser, DEMO.animator);
	await gotoReady(animator.page, '/comparaison');
	await animator.page.getByRole('button', { name: 'Publier maintenant' }).click();
	await expect(animator.page.getByRole('status').filter({ hasText: 'Statistiques publiées.' })).toBeVisible();
	await gotoReady(page, `/comparaison?org=${DEMO_ORG_SLUG}&code=CAN-ENV-01&annee=2024`);
	await expect(stats.getByRole('row', { name: /^Ma valeur comptée dans la publication/ })).toContainText('70');
	await expect(page.getByText(/la nouvelle valeur comptera à la publication suivante/)).toHaveCount(0);

	// 4. The bilan 2024-2025 of the demo SPASER, with a narrative, saved as a version and downloaded
	await gotoReady(page, `/indicateurs/bilan?org=${DEMO_ORG_SLUG}&de=2024&a=2025`);
	await expect(page.getByRole('heading', { name: /Bilan 2024-2025/ })).toBeVisible();
	expect(await seriousViolations(page)).toEqual([]);
	const firstNarrative = page.getByLabel("Commentaire sur la mise en œuvre de l'axe").first();
	await firstNarrative.fill('Les clauses environnementales ont été généralisées aux marchés de services en 2025.');
	await page.getByRole('button', { name: 'Enregistrer le bilan comme version du SPASER' }).click();
	await expect(page.getByText('Bilan enregistré comme version du SPASER.')).toBeVisible();
	const [docx] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Télécharger le bilan (DOCX)' }).click()
	]);
	expect(docx.suggestedFilename()).toBe('bilan-spaser-2024-2025.docx');
	const text = (await mammoth.extractRawText({ buffer: readFileSync(await docx.path()) })).value;
	expect(text).toContain('Bilan du SPASER 2024-2025');
	expect(text).toContain('Les clauses environnementales ont été généralisées aux marchés de services en 2025.');
	expect(text).toMatch(/CAN-ENV-01/);
	expect(text).toMatch(/70\s?%/);
	const [pdf] = await Promise.all([
		page.waitForEvent('download'),
		page.getByRole('link', { name: 'Télécharger le bilan (PDF)' }).click()
	]);
	expect(
		readFileSync(await pdf.path())
			.subarray(0, 5)
			.toString()
	).toBe('%PDF-');
	// the bilan is a version of the SPASER, publishable from its versions page
	await page.getByRole('link', { name: 'Publier la version' }).click();
	await page.waitForLoadState('networkidle');
	await expect(page.getByText('Bilan 2024-2025').first()).toBeVisible();

	// my values page shows the DECP-computed values
	await gotoReady(page, `/indicateurs?org=${DEMO_ORG_SLUG}`);
	await expect(
		page.getByRole('table', { name: /Valeurs de la collectivité/ }).getByRole('row', { name: /CAN-ENV-01/ })
	).toContainText('70');
	expect(await seriousViolations(page)).toEqual([]);
});

test('another collectivité never sees the buyer’s values, contracts or bilans', async ({ browser }) => {
	const { page } = await newSession(browser, 'achats.metropole@demo.spaser.test');
	for (const path of ['/indicateurs', '/indicateurs/decp', '/indicateurs/bilan', '/comparaison']) {
		const res = await gotoReady(page, `${path}?org=${DEMO_ORG_SLUG}`);
		expect(res?.status(), path).toBe(404);
	}
	// their own page shows their own values only, and the same anonymised statistics
	await gotoReady(page, '/comparaison?code=CAN-SOC-01&annee=2024');
	const stats = page.getByRole('table', { name: /Statistiques du groupe de pairs/ });
	await expect(stats.getByRole('row', { name: /Collectivités contributrices/ })).toContainText('12');
	await expect(page.getByRole('heading', { level: 1 })).toContainText('Métropole de Garonne-Véradène');
});

test('the old English URL /benchmark redirects permanently to /comparaison, any method, with its query', async ({
	browser,
	baseURL
}) => {
	const { page } = await newSession(browser, 'achats.metropole@demo.spaser.test');
	const get = await page.request.get('/benchmark?code=CAN-SOC-01&annee=2024', { maxRedirects: 0 });
	expect(get.status()).toBe(308);
	expect(get.headers()['location']).toBe('/comparaison?code=CAN-SOC-01&annee=2024');
	const sub = await page.request.get('/benchmark/x%20y?a=1', { maxRedirects: 0 });
	expect(sub.status()).toBe(308);
	expect(sub.headers()['location']).toBe('/comparaison/x%20y?a=1');
	// a form posted to the old address keeps its method (308): the browser posts it again to the new one
	const post = await page.request.post('/benchmark?/publish', {
		form: {},
		headers: { origin: baseURL! },
		maxRedirects: 0
	});
	expect(post.status()).toBe(308);
	expect(post.headers()['location']).toBe('/comparaison?/publish');
	// and the followed GET lands on the comparison page
	await gotoReady(page, '/benchmark?code=CAN-SOC-01&annee=2024');
	await expect(page).toHaveURL(/\/comparaison\?code=CAN-SOC-01&annee=2024$/);
	await expect(page.getByRole('table', { name: /Statistiques du groupe de pairs/ })).toBeVisible();
});
