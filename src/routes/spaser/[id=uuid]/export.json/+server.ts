import type { RequestHandler } from './$types';
import { cleanContent, readLiveDoc } from '$lib/server/spaser/live';
import { contentDisposition } from '$lib/server/spaser/pages';
import { buildExport } from '$lib/spaser/content-schema';
import { spaserFor } from '../access.server';

/** The whole SPASER as JSON (format « spaser-commun », version 1): what the import page reads back without loss. */
export const GET: RequestHandler = async (event) => {
	const { db, spaser } = await spaserFor(event);
	const live = await readLiveDoc(db, spaser.id);
	const content = cleanContent(live);
	live.destroy();
	const body = buildExport(
		{
			title: spaser.title,
			periodStart: spaser.period_start,
			periodEnd: spaser.period_end,
			status: spaser.status,
			adoptedOn: spaser.adopted_on,
			deliberationRef: spaser.deliberation_ref
		},
		content
	);
	return new Response(JSON.stringify(body, null, 2), {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': contentDisposition(spaser.title, 'json'),
			'cache-control': 'private, no-store'
		}
	});
};
