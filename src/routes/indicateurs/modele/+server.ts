import type { RequestHandler } from './$types';
import { importTemplate } from '$lib/server/indicators/service';
import { orgContext } from '../context.server';
import { error } from '@sveltejs/kit';

/** The import template: /indicateurs/modele?format=xlsx|csv&org=… */
export const GET: RequestHandler = async (event) => {
	const { db, user, org } = await orgContext(event);
	if (!org) error(404, "Choisissez d'abord une collectivité.");
	const format = event.url.searchParams.get('format') === 'csv' ? 'csv' : 'xlsx';
	const bytes = await importTemplate(db, user, org.id, format);
	return new Response(bytes as BodyInit, {
		headers: {
			'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
			'content-disposition': `attachment; filename="modele-indicateurs.${format}"`,
			'cache-control': 'private, no-store'
		}
	});
};
