import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { readableContent } from '$lib/server/spaser/pages';
import { getPublishedSpaser } from '$lib/server/spaser/versions';

/** The public page of an adopted SPASER (art. L2111-3 CCP: the schéma is made public). Anyone may read it. */
export const load: PageServerLoad = async ({ params, setHeaders }) => {
	const published = await getPublishedSpaser(await getDb(), params.org, params.spaser);
	if (!published) error(404, { message: "Ce SPASER n'est pas publié ou cette adresse n'existe pas." });
	setHeaders({ 'cache-control': 'public, max-age=60' });
	const { content, ...meta } = published;
	return { meta, readable: readableContent(content) };
};
