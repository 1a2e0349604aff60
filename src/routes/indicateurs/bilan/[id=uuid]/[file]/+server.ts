import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireUser } from '$lib/server/kit/forms';
import { getDb } from '$lib/server/db';
import { getBilan } from '$lib/server/indicators/bilan';
import { renderBilanDocx, renderBilanPdf } from '$lib/server/indicators/bilan-render';
import { orHttpError } from '$lib/server/kit/errors';
import { download } from '$lib/server/kit/download';

const TYPES = {
	'bilan.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
	'bilan.pdf': 'application/pdf'
} as const;

/** A saved bilan as DOCX or PDF: /indicateurs/bilan/<id>/bilan.docx | bilan.pdf */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const file = event.params.file;
	if (file !== 'bilan.docx' && file !== 'bilan.pdf') error(404, "Ce document n'existe pas.");
	const db = await getDb();
	const bilan = await orHttpError(getBilan(db, user, event.params.id));
	const bytes = file === 'bilan.docx' ? await renderBilanDocx(bilan.data) : await renderBilanPdf(bilan.data);
	return download(bytes, `bilan-spaser-${bilan.year_from}-${bilan.year_to}.${file.split('.')[1]}`, {
		type: TYPES[file]
	});
};
