import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { cleanContent, readLiveDoc } from '$lib/server/spaser/live';
import { readableContent } from '$lib/server/spaser/pages';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { spaser } = await event.parent(); // RLS check before reading the live document
	const live = await readLiveDoc(await getDb(), spaser.id);
	const content = cleanContent(live);
	live.destroy();
	return { readable: readableContent(content), printedAt: new Date() };
};
