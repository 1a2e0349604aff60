import type { RequestHandler } from './$types';
import { importTemplate } from '$lib/server/indicators/import';
import { orgContext } from '../context.server';
import { error } from '@sveltejs/kit';
import { download } from '$lib/server/kit/download';

/** The import template: /indicateurs/modele?format=xlsx|csv&org=… */
export const GET: RequestHandler = async (event) => {
	const { db, user, org } = await orgContext(event);
	if (!org) error(404, "Choisissez d'abord une collectivité.");
	const format = event.url.searchParams.get('format') === 'csv' ? 'csv' : 'xlsx';
	const bytes = await importTemplate(db, user, org.id, format);
	return download(bytes, `modele-indicateurs.${format}`, {
		type:
			format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
	});
};
