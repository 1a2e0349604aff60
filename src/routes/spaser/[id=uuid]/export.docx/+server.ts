import type { RequestHandler } from './$types';
import { cleanContent, readLiveDoc } from '$lib/server/spaser/live';
import { renderDocx } from '$lib/server/spaser/docx';
import { contentDisposition } from '$lib/server/spaser/pages';
import { ownerNames, spaserFor } from '../access.server';

/** The current content as a Word document (numbering, bodies, targets, indicators summary). */
export const GET: RequestHandler = async (event) => {
	const { db, spaser } = await spaserFor(event); // RLS check before reading the live document
	const live = await readLiveDoc(db, spaser.id);
	const content = cleanContent(live);
	live.destroy();
	const buf = await renderDocx(
		{
			title: spaser.title,
			orgNames: ownerNames(spaser),
			periodStart: spaser.period_start,
			periodEnd: spaser.period_end,
			status: spaser.status,
			adoptedOn: spaser.adopted_on,
			deliberationRef: spaser.deliberation_ref,
			generatedAt: new Date()
		},
		content
	);
	return new Response(new Uint8Array(buf), {
		headers: {
			'content-type': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
			'content-disposition': contentDisposition(spaser.title, 'docx'),
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff'
		}
	});
};
