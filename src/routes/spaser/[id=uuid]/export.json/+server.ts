import type { RequestHandler } from './$types';
import { exportedContent, exportJson, spaserDownload } from '$lib/server/spaser/export';
import { spaserFor } from '../access.server';

/** The whole SPASER as JSON (format « spaser-commun », version 1): what the import page reads back without loss. */
export const GET: RequestHandler = async (event) => {
	const { db, user, spaser } = await spaserFor(event);
	const { content } = await exportedContent(db, user, spaser);
	return spaserDownload(
		spaser.title,
		'json',
		JSON.stringify(exportJson(spaser, content), null, 2),
		'application/json; charset=utf-8'
	);
};
