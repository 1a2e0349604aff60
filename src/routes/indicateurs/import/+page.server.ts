import { fail } from '@sveltejs/kit';
import type { Actions } from './$types';
import { runAction } from '$lib/server/kit/forms';
import { importValues, MAX_VALUES_IMPORT_BYTES } from '$lib/server/indicators/import';
import { orgContext } from '../context.server';

export const actions: Actions = {
	default: async (event) => {
		const { db, user, org, canWrite } = await orgContext(event);
		if (!org) return fail(404, { message: "Choisissez d'abord une collectivité." });
		// The right before the body: a viewer is refused before the upload is even read.
		if (!canWrite)
			return fail(403, {
				message: 'Seuls les administrateurs et rédacteurs de la collectivité peuvent saisir des valeurs.'
			});
		const form = await event.request.formData();
		const file = form.get('file');
		if (!(file instanceof File) || !file.size)
			return fail(400, { message: 'Choisissez un fichier CSV ou XLSX à importer.' });
		if (file.size > MAX_VALUES_IMPORT_BYTES)
			return fail(413, { message: 'Le fichier dépasse 5\u00a0Mo\u00a0: découpez-le (5\u00a0000 lignes au plus).' });
		const bytes = new Uint8Array(await file.arrayBuffer());
		const res = await runAction({}, () => importValues(db, user, org.id, { name: file.name, bytes }));
		if (!res.ok) return res.failure;
		return { report: res.value, fileName: file.name };
	}
};
