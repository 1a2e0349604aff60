import { error, redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { toAppError } from '$lib/server/kit/errors';
import { attachmentResponse, getAttachment } from '$lib/server/guichet/attachments';

const uuid = z.uuid();

// Download of one attachment; row-level security decides (a guessed URL of another collectivité is a 404).
export const GET: RequestHandler = async ({ params, locals, url }) => {
	const user = locals.user;
	if (!user) redirect(303, `/connexion?redirect=${encodeURIComponent(url.pathname)}`);
	if (!uuid.safeParse(params.id).success || !uuid.safeParse(params.fileId).success) error(404, { message: "Cette pièce jointe n'existe pas ou vous n'y avez pas accès." });
	let file;
	try {
		file = await getAttachment(await getDb(), user, params.id, params.fileId);
	} catch (e) {
		const err = toAppError(e);
		error(err.status === 404 || err.status === 403 ? 404 : 500, { message: err.status >= 500 ? 'Une erreur inattendue est survenue.' : err.message });
	}
	return attachmentResponse(file);
};
