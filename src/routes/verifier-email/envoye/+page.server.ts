import type { Actions, PageServerLoad } from './$types';
import { resend } from '../resend.server';

export const load: PageServerLoad = ({ locals }) => ({
	email: locals.user?.email ?? null,
	verified: !!locals.user?.emailVerified
});

export const actions: Actions = {
	resend
};
