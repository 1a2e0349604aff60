import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { login } from '$lib/server/auth/service';
import { setSessionCookie } from '$lib/server/auth/session';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { loginSchema } from '$lib/server/auth/input';
import { safeRedirectPath } from '$lib/server/redirect';

const safeTarget = (raw: string | null) => safeRedirectPath(raw, '/collectivites');

export const load: PageServerLoad = ({ locals, url }) => {
	const target = safeTarget(url.searchParams.get('redirect'));
	if (locals.user) redirect(303, target);
	return {
		email: url.searchParams.get('email') ?? '',
		passwordReset: url.searchParams.has('reinitialise'),
		loggedOutEverywhere: url.searchParams.has('deconnecte'),
		hasRedirect: target !== '/collectivites'
	};
};

export const actions: Actions = {
	default: async (event) => {
		const parsed = await parseForm(event.request, loginSchema);
		if (parsed.failure) return parsed.failure;
		const { email, password } = parsed.data;
		const result = await runAction(parsed.raw, async () =>
			login(await getDb(), email, password, {
				ip: event.getClientAddress(),
				userAgent: event.request.headers.get('user-agent')
			})
		);
		if (!result.ok) return result.failure;
		setSessionCookie(event.cookies, result.value.token, event.url.protocol === 'https:');
		redirect(303, safeTarget(event.url.searchParams.get('redirect')));
	}
};
