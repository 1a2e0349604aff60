import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { runAction } from '$lib/server/kit/forms';
import { applyDecpToValues, decpOverview, importDecp, listImportRuns } from '$lib/server/decp/service';
import { THRESHOLDS, type Threshold } from '$lib/server/decp/compute';
import { orgContext } from '../context.server';

export const load: PageServerLoad = async (event) => {
	const { db, user, org } = await orgContext(event);
	if (!org) return { runs: [], overview: null, thresholds: THRESHOLDS, figure: null, rows: [] };
	const sp = event.url.searchParams;
	const t = sp.get('seuil');
	const threshold: Threshold = t === 'ge40k' || t === 'gt100k' ? t : 'all';
	const year = Number(sp.get('annee')) || null;
	const [runs, overview] = await Promise.all([
		listImportRuns(db, user, org.id),
		decpOverview(db, user, org.id, { year, threshold })
	]);
	// Drill-down: the contracts behind one figure (or every contract of the year and threshold)
	const figureId = sp.get('detail');
	let figure: { id: string; label: string } | null = null;
	let keys: Set<string> | null = null;
	if (overview.indicators && figureId) {
		const fig = overview.indicators.figures.find((f) => f.id === figureId);
		const proc = overview.indicators.procedures.find((p) => `proc:${p.procedure}` === figureId);
		if (fig) {
			figure = { id: fig.id, label: fig.label };
			keys = new Set(fig.contracts);
		} else if (proc) {
			figure = { id: figureId, label: `Procédure : ${proc.procedure}` };
			keys = new Set(proc.contracts);
		} else if (figureId === 'offers') {
			figure = { id: 'offers', label: "Marchés dont le nombre d'offres est connu" };
			keys = new Set(overview.indicators.meanOffers.contracts);
		} else if (figureId === 'all') {
			figure = { id: 'all', label: `Tous les marchés de ${overview.year}` };
		}
	}
	const inYear = overview.contracts.filter((c) => c.year === overview.year);
	const rows = figure ? inYear.filter((c) => (keys ? keys.has(c.key) : true)) : [];
	return {
		runs: runs.map((r) => ({ ...r, created_at: r.created_at })),
		overview: {
			years: overview.years,
			year: overview.year,
			threshold: overview.threshold,
			indicators: overview.indicators,
			count: overview.contracts.length
		},
		thresholds: THRESHOLDS,
		figure,
		rows: rows.sort((a, b) => a.notifiedOn.localeCompare(b.notifiedOn))
	};
};

export const actions: Actions = {
	import: async (event) => {
		const { db, user, org, canWrite } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		// The right before the body: a viewer is refused before the upload is even read.
		if (!canWrite)
			return fail(403, {
				message: 'Seuls les administrateurs et rédacteurs de la collectivité peuvent importer des données.'
			});
		const form = await event.request.formData();
		const file = form.get('file');
		if (!(file instanceof File) || !file.size)
			return fail(400, {
				message: 'Choisissez un fichier DECP (JSON ou XML) à importer.',
				errors: { file: 'Choisissez un fichier.' }
			});
		const bytes = new Uint8Array(await file.arrayBuffer());
		const res = await runAction({}, () => importDecp(db, user, org.id, { name: file.name, bytes }));
		if (!res.ok) return res.failure;
		return { run: res.value };
	},
	apply: async (event) => {
		const { db, user, org } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		const form = await event.request.formData();
		const year = Number(form.get('year'));
		const res = await runAction({}, () => applyDecpToValues(db, user, org.id, year));
		if (!res.ok) return res.failure;
		return { applied: { year, codes: res.value } };
	}
};
