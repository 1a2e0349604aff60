import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { libraryForInsert } from '$lib/server/resources/reuse';
import { librarySearchInput } from '$lib/server/spaser/input';
import { spaserFor } from '../access.server';

/**
 * GET /spaser/<id>/bibliotheque?q=…&type=clause|rex — the library search of the document view's insert dialog.
 * Only for people who may read this SPASER (others get the same 404 as for the page).
 */
export const GET: RequestHandler = async (event) => {
	const { user, db } = await spaserFor(event);
	const parsed = librarySearchInput.safeParse({
		q: event.url.searchParams.get('q') ?? undefined,
		type: event.url.searchParams.get('type') ?? undefined
	});
	if (!parsed.success)
		return json(
			{ message: 'Recherche invalide (200 caractères au plus, type « clause » ou « rex »).' },
			{ status: 400 }
		);
	return json(await libraryForInsert(db, user, parsed.data.q, parsed.data.type));
};
