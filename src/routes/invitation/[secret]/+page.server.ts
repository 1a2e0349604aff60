import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { acceptInvitation, previewInvitation } from '$lib/server/organisations/service';
import { resendVerification } from '$lib/server/auth/service';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { ROLE_LABELS } from '$lib/organisations/labels';

const SECRET_RE = /^[A-Za-z0-9_-]{10,200}$/;

export const load: PageServerLoad = async ({ params, locals }) => {
	const inv = SECRET_RE.test(params.secret) ? await previewInvitation(await getDb(), params.secret) : null;
	const user = locals.user;
	return {
		secret: params.secret,
		invitation: inv
			? {
					orgName: inv.org_name,
					role: inv.role,
					roleLabel: ROLE_LABELS[inv.role] ?? inv.role,
					email: inv.email,
					expiresAt: inv.expires_at,
					state: inv.state as 'valid' | 'used' | 'expired' | 'revoked',
					hasAccount: inv.has_account
				}
			: null,
		me: user ? { email: user.email, emailVerified: user.emailVerified } : null,
		sameEmail: !!inv && !!user && inv.email.toLowerCase() === user.email.toLowerCase()
	};
};

export const actions: Actions = {
	accept: async (event) => {
		const user = requireUser(event);
		const r = await runAction({}, async () => acceptInvitation(await getDb(), user, event.params.secret));
		if (!r.ok) return r.failure;
		redirect(303, `/collectivites/${r.value}`);
	},
	resend: async (event) => {
		const user = requireUser(event);
		const r = await runAction({}, async () => resendVerification(await getDb(), user.id));
		if (!r.ok) return r.failure;
		return { resent: true };
	}
};
