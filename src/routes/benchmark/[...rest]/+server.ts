import { redirect, type RequestHandler } from '@sveltejs/kit';

/**
 * The comparison pages moved to the French URL /comparaison: old links, bookmarks and forms (any method: 308 keeps
 * it and the body) follow, with their sub-path and query string.
 */
const moved: RequestHandler = ({ url }) =>
	redirect(308, `/comparaison${url.pathname.slice('/benchmark'.length)}${url.search}`);

export const GET = moved;
export const fallback = moved;
