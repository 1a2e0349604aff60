import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requestPasswordReset } from '$lib/server/auth/service';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { resetRequestSchema } from '$lib/server/auth/input';

export const load: PageServerLoad = ({ url, locals }) => ({
	email: url.searchParams.get('email') ?? locals.user?.email ?? ''
});

export const actions: Actions = {
	default: async (event) => {
		const parsed = await parseForm(event.request, resetRequestSchema);
		if (parsed.failure) return parsed.failure;
		const r = await runAction(parsed.raw, async () =>
			requestPasswordReset(await getDb(), parsed.data.email, event.getClientAddress())
		);
		if (!r.ok) return r.failure;
		// Same answer whether an account exists or not: no account enumeration.
		return { sent: true, email: parsed.data.email };
	}
};
