import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { createOrganisation } from '$lib/server/organisations/service';
import { organisationInput } from '$lib/server/organisations/input';

export const load: PageServerLoad = (event) => {
	requireUser(event);
	return {};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, organisationInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => createOrganisation(await getDb(), user, parsed.data));
		if (!res.ok) return res.failure;
		redirect(303, `/collectivites/${res.value.slug}`);
	}
};
