import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { resendVerification } from '$lib/server/auth/service';
import { requireUser, runAction } from '$lib/server/kit/forms';

export const load: PageServerLoad = ({ locals }) => ({
	email: locals.user?.email ?? null,
	verified: !!locals.user?.emailVerified
});

export const actions: Actions = {
	resend: async (event) => {
		const user = requireUser(event);
		const r = await runAction({}, async () => resendVerification(await getDb(), user.id));
		if (!r.ok) return r.failure;
		return { resent: true };
	}
};
