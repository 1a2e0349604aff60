import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { listComments, threadsForDisplay } from '$lib/server/spaser/comments';
import { spaserFor } from '../access.server';

/** The SPASER's discussions, read under the caller's rights (what the page refetches when told they changed). */
export const GET: RequestHandler = async (event) => {
	const { user, db, spaser } = await spaserFor(event);
	const threads = threadsForDisplay(await listComments(db, user, spaser.id));
	return json({ threads }, { headers: { 'cache-control': 'no-store' } });
};
