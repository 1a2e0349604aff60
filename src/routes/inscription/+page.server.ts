import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { signUp } from '$lib/server/auth/service';
import { createSession, setSessionCookie } from '$lib/server/auth/session';
import { acceptInvitation, previewInvitation } from '$lib/server/organisations/service';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { signUpSchema } from '$lib/server/auth/input';
import { ROLE_LABELS } from '$lib/organisations/labels';

const SECRET_RE = /^[A-Za-z0-9_-]{10,200}$/;

async function validInvitation(secret: string | undefined | null) {
	if (!secret || !SECRET_RE.test(secret)) return null;
	const inv = await previewInvitation(await getDb(), secret);
	return inv && inv.state === 'valid' ? inv : null;
}

export const load: PageServerLoad = async ({ locals, url }) => {
	const secret = url.searchParams.get('invitation');
	if (locals.user) redirect(303, secret && SECRET_RE.test(secret) ? `/invitation/${secret}` : '/collectivites');
	const inv = await validInvitation(secret);
	return {
		email: url.searchParams.get('email') ?? inv?.email ?? '',
		invitation: inv
			? { secret: secret!, orgName: inv.org_name, role: ROLE_LABELS[inv.role] ?? inv.role, email: inv.email }
			: null
	};
};

export const actions: Actions = {
	default: async (event) => {
		const parsed = await parseForm(event.request, signUpSchema);
		if (parsed.failure) return parsed.failure;
		const { invitation, ...input } = parsed.data;
		const db = await getDb();
		const inv = await validInvitation(invitation);
		// Arriving from an invitation sent to this very address proves access to the mailbox.
		const viaInvitation = !!inv && inv.email.toLowerCase() === input.email.toLowerCase();
		const created = await runAction(parsed.raw, () =>
			signUp(db, input, { verified: viaInvitation, ip: event.getClientAddress() })
		);
		if (!created.ok) return created.failure;
		const { token } = await createSession(db, created.value.userId, {
			ip: event.getClientAddress(),
			userAgent: event.request.headers.get('user-agent')
		});
		setSessionCookie(event.cookies, token, event.url.protocol === 'https:');
		if (viaInvitation) {
			const joined = await runAction(parsed.raw, () =>
				acceptInvitation(db, { id: created.value.userId, email: input.email }, invitation!)
			);
			// If the invitation changed meanwhile, its page explains why.
			redirect(303, joined.ok ? `/collectivites/${joined.value}` : `/invitation/${invitation}`);
		}
		redirect(303, '/verifier-email/envoye');
	}
};
