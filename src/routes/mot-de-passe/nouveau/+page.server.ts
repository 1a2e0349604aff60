import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { resetPassword } from '$lib/server/auth/service';
import { deleteSessionCookie } from '$lib/server/auth/session';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { resetSchema } from '$lib/server/auth/input';

/** The token stays in the page (hidden field) and is only checked on submit: it is single-use. Never logged. */
export const load: PageServerLoad = ({ url }) => {
	const token = url.searchParams.get('token') ?? '';
	return { token: /^[a-z2-7]{10,100}\.[a-z2-7]{10,100}$/.test(token) ? token : null };
};

export const actions: Actions = {
	default: async (event) => {
		const parsed = await parseForm(event.request, resetSchema);
		if (parsed.failure) return parsed.failure;
		const r = await runAction(parsed.raw, async () =>
			resetPassword(await getDb(), parsed.data.token, parsed.data.password)
		);
		if (!r.ok) return r.failure;
		// Every session of the account has ended, this browser's included.
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/connexion?reinitialise=1');
	}
};
