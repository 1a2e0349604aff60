import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/forms';
import { readLiveDoc } from '$lib/server/spaser/live';
import { readableContent } from '$lib/server/spaser/pages';
import { exportContent } from '$lib/spaser/ydoc';

export const load: PageServerLoad = async (event) => {
	requireUser(event);
	const { spaser } = await event.parent(); // RLS check before reading the live document
	const live = await readLiveDoc(await getDb(), spaser.id);
	const content = exportContent(live);
	live.destroy();
	return { readable: readableContent(content), printedAt: new Date() };
};
