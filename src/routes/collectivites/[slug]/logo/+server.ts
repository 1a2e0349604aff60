import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { getLogo, getOrganisationBySlug } from '$lib/server/organisations/service';
import { orHttpError } from '$lib/server/kit/errors';

/** The collectivité's logo bytes, for people who may see the collectivité (RLS); type stored after sniffing. */
export const GET: RequestHandler = async ({ locals, params, request }) => {
	if (!locals.user) error(404, { message: "Ce logo n'existe pas ou vous n'y avez pas accès.", code: 'not_found' });
	const db = await getDb();
	const org = await orHttpError(getOrganisationBySlug(db, locals.user, params.slug));
	const logo = await getLogo(db, locals.user, org.id);
	if (!logo) error(404, { message: "Cette collectivité n'a pas de logo.", code: 'not_found' });
	const etag = `"${new Date(logo.updated_at).getTime().toString(36)}"`;
	const headers = {
		'Content-Type': logo.mime,
		'X-Content-Type-Options': 'nosniff',
		'Cache-Control': 'private, no-cache',
		'Content-Security-Policy': "default-src 'none'; sandbox",
		ETag: etag
	};
	if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
	return new Response(new Uint8Array(logo.data), {
		headers: { ...headers, 'Content-Length': String(logo.data.byteLength) }
	});
};
