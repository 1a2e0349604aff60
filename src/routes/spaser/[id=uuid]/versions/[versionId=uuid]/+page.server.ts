import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { readableContent } from '$lib/server/spaser/pages';
import { getVersion, VERSION_KINDS } from '$lib/server/spaser/versions';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { spaser } = await event.parent();
	const { content, ...version } = await orHttpError(getVersion(await getDb(), user, event.params.versionId));
	if (version.document_id !== spaser.id)
		error(404, { message: "Cette version n'existe pas ou vous n'y avez pas accès." });
	return { version, kindLabel: VERSION_KINDS[version.kind], readable: readableContent(content) };
};
