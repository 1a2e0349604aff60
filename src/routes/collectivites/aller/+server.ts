import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Target of the collectivité switcher (works without JavaScript). */
export const GET: RequestHandler = ({ url }) => {
	const slug = url.searchParams.get('slug') ?? '';
	if (!/^[a-z0-9-]{1,80}$/.test(slug)) redirect(303, '/collectivites');
	redirect(303, `/collectivites/${slug}`);
};
