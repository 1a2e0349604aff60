import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { orHttpError } from '$lib/server/kit/errors';
import { getElementHistory } from '$lib/server/spaser/history';
import { spaserFor } from '../access.server';

/** GET ?noeud=<id>: the history of one element (who changed what, when), for those who may read the SPASER. */
export const GET: RequestHandler = async (event) => {
	const { user, db, spaser } = await spaserFor(event);
	const history = await orHttpError(getElementHistory(db, user, spaser.id, event.url.searchParams.get('noeud') ?? ''));
	return json(history, { headers: { 'cache-control': 'private, no-store' } });
};
