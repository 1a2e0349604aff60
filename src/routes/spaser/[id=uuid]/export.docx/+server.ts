import type { RequestHandler } from './$types';
import { DOCX_TYPE, exportDocx, exportedContent, spaserDownload } from '$lib/server/spaser/export';
import { spaserFor } from '../access.server';

/** The current content as a Word document (numbering, bodies, targets, indicators summary). */
export const GET: RequestHandler = async (event) => {
	const { db, user, spaser } = await spaserFor(event); // RLS check before reading the live document
	const { content } = await exportedContent(db, user, spaser);
	return spaserDownload(spaser.title, 'docx', await exportDocx(spaser, content), DOCX_TYPE);
};
