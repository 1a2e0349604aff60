import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { closeOrganisation } from '$lib/server/organisations/data';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { closeInput } from '$lib/server/organisations/input';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { org } = await event.parent();
	if (org.my_role !== 'admin')
		error(403, { message: 'Seuls les administrateurs de la collectivité peuvent exporter ses données ou la fermer.' });
	return {};
};

export const actions: Actions = {
	close: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, closeInput);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const r = await runAction(parsed.raw, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			return closeOrganisation(db, user, org.id, parsed.data.confirmation);
		});
		if (!r.ok) return r.failure;
		redirect(303, `/collectivites?fermee=${encodeURIComponent(r.value.name)}`);
	}
};
