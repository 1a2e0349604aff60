import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { runAction } from '$lib/server/kit/forms';
import { formToObject } from '$lib/server/kit/input';
import { createCustomIndicator, listCatalogue } from '$lib/server/indicators/service';
import { orgContext } from '../context.server';

export const load: PageServerLoad = async (event) => {
	const { db, user, org } = await orgContext(event);
	return { catalogue: await listCatalogue(db, user, org?.id ?? null) };
};

export const actions: Actions = {
	custom: async (event) => {
		const { db, user, org } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		const raw = formToObject(await event.request.formData());
		const res = await runAction(raw, () => createCustomIndicator(db, user, org.id, raw));
		if (!res.ok) return res.failure;
		return { created: res.value.code };
	}
};
