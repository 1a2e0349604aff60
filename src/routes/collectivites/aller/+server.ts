import { redirect } from '@sveltejs/kit';

/** Target of the collectivité switcher (works without JavaScript). */
export function GET({ url }) {
	const slug = url.searchParams.get('slug') ?? '';
	if (!/^[a-z0-9-]{1,80}$/.test(slug)) redirect(303, '/collectivites');
	redirect(303, `/collectivites/${slug}`);
}
