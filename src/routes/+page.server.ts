import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

/** The landing page is for visitors; signed-in people go straight to their collectivités. */
export const load: PageServerLoad = ({ locals }) => {
	if (locals.user) redirect(303, '/collectivites');
	return {};
};
