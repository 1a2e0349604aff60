import { fail, redirect, type ActionFailure } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import {
	changePassword,
	listSessions,
	logoutEverywhere,
	resendVerification,
	updateProfile
} from '$lib/server/auth/service';
import { deleteSessionCookie } from '$lib/server/auth/session';
import { createApiToken, listApiTokens, revokeApiToken } from '$lib/server/auth/api-tokens';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { apiTokenCreateSchema, changePasswordSchema, profileSchema } from '$lib/server/auth/input';

type Section = 'profile' | 'password' | 'verification' | 'sessions' | 'tokens' | 'tokenList';

/** Several forms share this page: each failure says which one it belongs to, so the error shows next to it. */
function tagged<T extends Record<string, unknown>>(failure: ActionFailure<T>, section: Section) {
	return fail(failure.status, { ...failure.data, section });
}

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const [sessions, tokens] = await Promise.all([listSessions(db, user), listApiTokens(db, user)]);
	const now = Date.now();
	return {
		account: { email: user.email, displayName: user.displayName, emailVerified: user.emailVerified },
		sessions: sessions.map((s) => ({
			id: s.id,
			createdAt: s.created_at,
			lastSeenAt: s.last_verified_at,
			userAgent: s.user_agent,
			ip: s.ip,
			current: s.id === event.locals.session?.id
		})),
		tokens: tokens.map((t) => ({
			id: t.id,
			name: t.name,
			scopes: t.scopes,
			createdAt: t.created_at,
			lastUsedAt: t.last_used_at,
			expiresAt: t.expires_at,
			revokedAt: t.revoked_at,
			state: t.revoked_at
				? ('revoked' as const)
				: t.expires_at && t.expires_at.getTime() < now
					? ('expired' as const)
					: ('active' as const)
		}))
	};
};

export const actions: Actions = {
	profile: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, profileSchema);
		if (parsed.failure) return tagged(parsed.failure, 'profile');
		const r = await runAction(parsed.raw, async () => updateProfile(await getDb(), user, parsed.data.displayName));
		if (!r.ok) return tagged(r.failure, 'profile');
		// the page and the layout are rendered in this same request: show the new name right away
		event.locals.user = { ...user, displayName: parsed.data.displayName };
		return { section: 'profile' as const, success: 'Votre nom a été enregistré.' };
	},

	password: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, changePasswordSchema);
		if (parsed.failure) return tagged(parsed.failure, 'password');
		const sessionId = event.locals.session!.id;
		const r = await runAction(parsed.raw, async () =>
			changePassword(await getDb(), user.id, parsed.data.currentPassword, parsed.data.newPassword, sessionId)
		);
		if (!r.ok) return tagged(r.failure, 'password');
		return {
			section: 'password' as const,
			success:
				'Votre mot de passe a été modifié. Vos autres appareils ont été déconnectés et tous vos jetons d\u2019API ont été révoqués (créez-en de nouveaux pour vos scripts)\u00a0; cette session reste ouverte.'
		};
	},

	resend: async (event) => {
		const user = requireUser(event);
		const r = await runAction({}, async () => resendVerification(await getDb(), user.id));
		if (!r.ok) return tagged(r.failure, 'verification');
		return { section: 'verification' as const, resent: true };
	},

	logoutEverywhere: async (event) => {
		const user = requireUser(event);
		const r = await runAction({}, async () => logoutEverywhere(await getDb(), user));
		if (!r.ok) return tagged(r.failure, 'sessions');
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/connexion?deconnecte=1');
	},

	createToken: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, apiTokenCreateSchema);
		if (parsed.failure) return tagged(parsed.failure, 'tokens');
		const r = await runAction(parsed.raw, async () => createApiToken(await getDb(), user, parsed.data));
		if (!r.ok) return tagged(r.failure, 'tokens');
		// The clear token is shown once, in this response only; it is stored hashed.
		return { section: 'tokens' as const, created: { name: parsed.data.name, token: r.value.token } };
	},

	revokeToken: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const id = String(form.get('id') ?? '');
		const r = await runAction({}, async () => revokeApiToken(await getDb(), user, id));
		if (!r.ok) return tagged(r.failure, 'tokenList');
		return {
			section: 'tokenList' as const,
			success: "Le jeton a été révoqué\u00a0: il ne permet plus d'accéder à l'API."
		};
	}
};
