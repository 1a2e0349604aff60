import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { createEvent, organiserChoices } from '$lib/server/events/events';
import { eventInputSchema } from '$lib/server/events/input';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const organisers = await organiserChoices(await getDb(), user);
	return { organisers };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, eventInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => createEvent(await getDb(), user, parsed.data));
		if (!res.ok) return res.failure;
		redirect(303, `/evenements/${res.value.id}/modifier?nouveau`);
	}
};
