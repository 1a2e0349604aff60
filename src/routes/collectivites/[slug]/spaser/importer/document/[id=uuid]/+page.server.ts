import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { confirmImport, deleteImportDraft, getImportDraft, ReviewInvalid } from '$lib/server/spaser/import';
import { toAppError } from '$lib/server/kit/errors';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const draft = await orHttpError(getImportDraft(await getDb(), user, event.params.id));
	if (draft.org_id !== org.id) redirect(303, `/collectivites/${org.slug}/spaser/importer/document`);
	return { draft };
};

const str = (v: FormDataEntryValue | null) => (typeof v === 'string' ? v : '');

export const actions: Actions = {
	confirm: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const values = {
			title: str(form.get('title')),
			periodStart: str(form.get('periodStart')),
			periodEnd: str(form.get('periodEnd'))
		};
		const state = str(form.get('state'));
		const db = await getDb();
		let created: { id: string; nodes: number };
		try {
			const { document, content } = await confirmImport(db, user, event.params.id, { ...values, state });
			created = { id: document.id, nodes: content.nodes.length };
		} catch (e) {
			const err = toAppError(e);
			const field = typeof err.details?.field === 'string' ? err.details.field : null;
			return fail(err.status >= 500 ? 500 : err.status, {
				message: err.message,
				errors: field ? { [field]: err.message } : {},
				issues: e instanceof ReviewInvalid ? e.issues : [],
				values,
				// the reviewed structure comes back as sent: nothing the user changed is lost
				state
			});
		}
		redirect(303, `/spaser/${created.id}?importe=${created.nodes}`);
	},
	abandon: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({}, () => deleteImportDraft(db, user, event.params.id));
		if (!res.ok) return res.failure;
		redirect(303, `/collectivites/${event.params.slug}/spaser?import=abandonne`);
	}
};
