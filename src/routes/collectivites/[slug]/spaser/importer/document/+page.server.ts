import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { createImportDraft, listImportDrafts } from '$lib/server/spaser/import';
import { MAX_IMPORT_BYTES } from '$lib/server/spaser/import-file';
import { writesFor } from '$lib/server/organisations/access';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const canCreate = writesFor(org);
	return { canCreate, drafts: canCreate ? await listImportDrafts(await getDb(), user, org.id) : [] };
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		// The right before the body: someone who may not import is refused before the upload is even read.
		const db = await getDb();
		const org = await getOrganisationBySlug(db, user, event.params.slug).catch(() => null);
		if (!org) return fail(404, { message: 'Cette collectivité n’existe pas ou vous n’y avez pas accès.', text: '' });
		if (!writesFor(org))
			return fail(403, {
				message: 'Seuls les administrateurs et rédacteurs de la collectivité peuvent importer un SPASER.',
				text: ''
			});
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch (e) {
			if ((e as { status?: number })?.status === 413)
				return fail(413, { message: 'Le fichier est trop volumineux\u00a0: 10\u00a0Mo au plus.', text: '' });
			return fail(400, { message: "Le fichier n'a pas pu être lu. Réessayez.", text: '' });
		}
		const file = form.get('file');
		const text = typeof form.get('text') === 'string' ? String(form.get('text')) : '';
		const hasFile = file instanceof File && file.size > 0;
		if (!hasFile && !text.trim())
			return fail(400, {
				message: 'Choisissez un fichier (.docx, .md ou .txt) ou collez le texte de votre SPASER.',
				text
			});
		if (hasFile && file.size > MAX_IMPORT_BYTES)
			return fail(413, { message: 'Le fichier est trop volumineux\u00a0: 10\u00a0Mo au plus.', text });
		const res = await runAction({}, async () => {
			return hasFile
				? createImportDraft(db, user, org.id, { bytes: new Uint8Array(await file.arrayBuffer()), fileName: file.name })
				: createImportDraft(db, user, org.id, { text, fileName: 'texte-colle.txt' });
		});
		if (!res.ok) {
			const data = (res.failure as unknown as { data: { message: string } }).data;
			return fail((res.failure as unknown as { status: number }).status, {
				message: data.message,
				text: text.slice(0, 200_000)
			});
		}
		redirect(303, `/collectivites/${event.params.slug}/spaser/importer/document/${res.value.id}`);
	}
};
