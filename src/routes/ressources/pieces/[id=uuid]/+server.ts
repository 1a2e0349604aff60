import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { toAppError } from '$lib/server/kit/errors';
import { getAttachment } from '$lib/server/resources/attachments';

/** Downloads an attachment the person may see (RLS decides; a guessed id of a private one is a 404). */
export const GET: RequestHandler = async (event) => {
	try {
		const a = await getAttachment(await getDb(), event.locals.user, event.params.id);
		return new Response(new Uint8Array(a.data), {
			headers: {
				'content-type': a.mime,
				'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(a.filename)}`,
				'x-content-type-options': 'nosniff',
				'cache-control': 'private, no-store'
			}
		});
	} catch (e) {
		const err = toAppError(e);
		error(err.status, err.message);
	}
};
