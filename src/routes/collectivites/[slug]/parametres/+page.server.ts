import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { AppError, parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import {
	getOrganisationBySlug,
	groupAttributesFrozen,
	setLogo,
	updateOrganisation
} from '$lib/server/organisations/service';
import { organisationInput } from '$lib/server/organisations/input';

const MAX_LOGO_BYTES = 1024 * 1024;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const canEdit = org.my_role === 'admin';
	return { canEdit, frozen: canEdit && (await groupAttributesFrozen(await getDb(), user, org.id)) };
};

export const actions: Actions = {
	update: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, organisationInput);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			await updateOrganisation(db, user, org.id, parsed.data);
		});
		if (!res.ok) return res.failure;
		return { intent: 'update', success: 'Les informations de la collectivité ont été enregistrées.' };
	},

	logo: async (event) => {
		const user = requireUser(event);
		const bad = (message: string, status = 400) =>
			fail(status, { intent: 'logo', values: { intent: 'logo' }, errors: { logo: message }, message });
		let form: FormData;
		try {
			form = await event.request.formData();
		} catch (e) {
			if ((e as { status?: number })?.status === 413)
				return bad('Le fichier est trop volumineux\u00a0: 1 Mo au plus.', 413);
			return bad("Le fichier n'a pas pu être lu. Réessayez.");
		}
		const file = form.get('logo');
		if (!(file instanceof File) || file.size === 0) return bad('Choisissez une image à envoyer.');
		if (file.size > MAX_LOGO_BYTES) return bad('Le fichier est trop volumineux\u00a0: 1 Mo au plus.', 413);
		const bytes = new Uint8Array(await file.arrayBuffer());
		const db = await getDb();
		const res = await runAction({ intent: 'logo' }, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			await setLogo(db, user, org.id, bytes);
		});
		if (!res.ok) return res.failure;
		return { intent: 'logo', success: 'Le logo a été enregistré.', version: Date.now() };
	},

	removeLogo: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({ intent: 'removeLogo' }, async () => {
			const org = await getOrganisationBySlug(db, user, event.params.slug);
			if (org.my_role !== 'admin')
				throw new AppError('forbidden', 'Seuls les administrateurs de la collectivité peuvent modifier son logo.', 403);
			await setLogo(db, user, org.id, null);
		});
		if (!res.ok) return res.failure;
		return { intent: 'removeLogo', success: 'Le logo a été supprimé.', version: Date.now() };
	}
};
