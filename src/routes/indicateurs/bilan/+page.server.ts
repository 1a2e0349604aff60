import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { runAction } from '$lib/server/kit/forms';
import { buildBilanData, listBilans, previewBilan, saveBilan } from '$lib/server/indicators/bilan';
import { listSpaserDocuments } from '$lib/server/spaser/documents';
import { orgContext } from '../context.server';

function period(sp: URLSearchParams) {
	const now = new Date().getFullYear();
	const from = Number(sp.get('de')) || now - 2;
	const to = Number(sp.get('a')) || now - 1;
	return { from, to };
}

export const load: PageServerLoad = async (event) => {
	const { db, user, org } = await orgContext(event);
	if (!org) return { spasers: [], selected: null, preview: null, bilans: [], period: period(event.url.searchParams) };
	const spasers = await listSpaserDocuments(db, user, org.id);
	const sp = event.url.searchParams;
	const selected = spasers.find((s) => s.id === sp.get('spaser')) ?? spasers[0] ?? null;
	const p = period(sp);
	if (!selected) return { spasers: [], selected: null, preview: null, bilans: [], period: p };
	const [preview, bilans] = await Promise.all([
		previewBilan(db, user, { documentId: selected.id, orgId: org.id, yearFrom: p.from, yearTo: p.to }),
		listBilans(db, user, selected.id, org.id)
	]);
	return {
		spasers: spasers.map((s) => ({ id: s.id, title: s.title, access: s.my_access })),
		selected: { id: selected.id, title: selected.title, access: selected.my_access },
		preview,
		bilans: bilans.map((b) => ({
			id: b.id,
			versionId: b.version_id,
			yearFrom: b.year_from,
			yearTo: b.year_to,
			createdAt: b.created_at,
			publishedAt: b.published_at
		})),
		period: p
	};
};

export const actions: Actions = {
	save: async (event) => {
		const { db, user, org } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		const form = await event.request.formData();
		const raw: Record<string, string> = {};
		for (const [k, v] of form.entries()) if (typeof v === 'string') raw[k] = v;
		const narratives: Record<string, string> = {};
		for (const [k, v] of Object.entries(raw))
			if (k.startsWith('narrative_')) narratives[k.slice('narrative_'.length)] = v;
		const res = await runAction(raw, async () => {
			const data = await buildBilanData(db, user, {
				documentId: raw.spaser ?? '',
				orgId: org.id,
				yearFrom: Number(raw.de),
				yearTo: Number(raw.a),
				narratives
			});
			return saveBilan(db, user, data);
		});
		if (!res.ok) return res.failure;
		redirect(
			303,
			`/indicateurs/bilan?org=${org.slug}&spaser=${raw.spaser}&de=${raw.de}&a=${raw.a}&enregistre=${res.value.bilanId}`
		);
	}
};
