import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { requireUser } from '$lib/server/kit/forms';
import { getDb } from '$lib/server/db';
import { getBilan, renderBilanDocx, renderBilanPdf } from '$lib/server/indicators/bilan';
import { toAppError } from '$lib/server/kit/errors';

/** A saved bilan as DOCX or PDF: /indicateurs/bilan/<id>/bilan.docx | bilan.pdf */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const file = event.params.file;
	if (file !== 'bilan.docx' && file !== 'bilan.pdf') error(404, "Ce document n'existe pas.");
	const db = await getDb();
	let bilan;
	try {
		bilan = await getBilan(db, user, event.params.id);
	} catch (e) {
		const err = toAppError(e);
		error(err.status, err.message);
	}
	const name = `bilan-spaser-${bilan.year_from}-${bilan.year_to}`;
	const bytes = file === 'bilan.docx' ? await renderBilanDocx(bilan.data) : await renderBilanPdf(bilan.data);
	return new Response(bytes as BodyInit, {
		headers: {
			'content-type': file === 'bilan.docx' ? 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' : 'application/pdf',
			'content-disposition': `attachment; filename="${name}.${file.split('.')[1]}"`,
			'cache-control': 'private, no-store'
		}
	});
};
