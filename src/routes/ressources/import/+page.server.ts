import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { writableOrgs } from '$lib/server/resources/editing';
import { CSV_COLUMNS, importResourceFile, MAX_IMPORT_BYTES as MAX_BYTES } from '$lib/server/resources/io';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { orgs: await writableOrgs(await getDb(), user), columns: CSV_COLUMNS.map(([c]) => c) };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const file = form.get('file');
		const orgId = String(form.get('orgId') ?? '');
		if (!(file instanceof File) || !file.size) return fail(400, { message: 'Choisissez un fichier CSV ou JSON.' });
		if (file.size > MAX_BYTES)
			return fail(413, { message: 'Le fichier dépasse 5 Mo : découpez-le en plusieurs imports.' });
		const bytes = new Uint8Array(await file.arrayBuffer());
		const res = await runAction({ orgId }, async () =>
			importResourceFile(await getDb(), user, orgId, { name: file.name, bytes })
		);
		if (!res.ok) return res.failure;
		return { report: res.value, filename: file.name };
	}
};
