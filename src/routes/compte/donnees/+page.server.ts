import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { deleteAccount } from '$lib/server/account/data';
import { deleteSessionCookie } from '$lib/server/auth/session';
import { DELETE_CONFIRMATION, deleteAccountInput } from '$lib/server/account/input';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { email: user.email, confirmation: DELETE_CONFIRMATION };
};

export const actions: Actions = {
	delete: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, deleteAccountInput);
		if (parsed.failure) return parsed.failure;
		const r = await runAction(parsed.raw, async () => deleteAccount(await getDb(), user, parsed.data.password));
		if (!r.ok) return r.failure;
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/?compte-supprime=1');
	}
};
