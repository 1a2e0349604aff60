import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { orHttpError } from '$lib/server/kit/errors';
import { attachmentResponse, getAttachment } from '$lib/server/guichet/attachments';

// Download of one attachment; row-level security decides (a guessed URL of another collectivité is a 404).
export const GET: RequestHandler = async ({ params, locals, url }) => {
	const user = locals.user;
	if (!user) redirect(303, `/connexion?redirect=${encodeURIComponent(url.pathname)}`);
	return attachmentResponse(await orHttpError(getAttachment(await getDb(), user, params.id, params.fileId)));
};
