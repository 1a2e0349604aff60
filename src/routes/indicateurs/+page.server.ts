import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { deleteValue, listCatalogue, listValues, saveValue } from '$lib/server/indicators/service';
import { valueInputSchema } from '$lib/server/indicators/input';
import { orgContext } from './context.server';

export const load: PageServerLoad = async (event) => {
	const { db, user, org } = await orgContext(event);
	if (!org) return { catalogue: [], values: [], years: [] };
	const [catalogue, values] = await Promise.all([listCatalogue(db, user, org.id), listValues(db, user, org.id)]);
	const now = new Date().getFullYear();
	const years = [...new Set([now - 4, now - 3, now - 2, now - 1, now, ...values.map((v) => v.year)])].sort(
		(a, b) => a - b
	);
	return { catalogue, values, years };
};

export const actions: Actions = {
	save: async (event) => {
		const { db, user, org } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		const parsed = await parseForm(event.request, valueInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => saveValue(db, user, org.id, parsed.data));
		if (!res.ok) return res.failure;
		return { saved: { code: res.value.value.code, year: res.value.value.year, created: res.value.created } };
	},
	delete: async (event) => {
		const { db, user, org } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		const form = await event.request.formData();
		const id = String(form.get('id') ?? '');
		const res = await runAction({}, () => deleteValue(db, user, org.id, id));
		if (!res.ok) return res.failure;
		return { deleted: true };
	}
};
