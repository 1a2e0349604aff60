import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { verifyEmailOutcome } from '$lib/server/auth/service';
import { resend } from './resend.server';

/**
 * Verifies on GET: the link proves access to the mailbox, and a mail scanner opening it only confirms what the
 * recipient would confirm. The token is never logged (the request log only records the path).
 */
export const load: PageServerLoad = async ({ url, locals }) => {
	const token = url.searchParams.get('token');
	const signedIn = !!locals.user;
	const alreadyVerified = !!locals.user?.emailVerified;
	if (!token) return { result: 'missing' as const, signedIn, alreadyVerified, message: null };
	const outcome = await verifyEmailOutcome(await getDb(), token);
	if (outcome.ok) return { result: 'ok' as const, signedIn, alreadyVerified: true, message: null };
	// An old or reused link while the address is already confirmed: nothing is wrong, say so.
	if (alreadyVerified) return { result: 'ok' as const, signedIn, alreadyVerified, message: null };
	return { result: 'error' as const, code: outcome.code, signedIn, alreadyVerified, message: outcome.message };
};

export const actions: Actions = {
	resend
};
