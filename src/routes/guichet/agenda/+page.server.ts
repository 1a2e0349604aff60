import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { createFeedToken, listFeedTokens, revokeFeedToken } from '$lib/server/guichet/feed';
import { revokeFeedForm } from '$lib/server/guichet/input';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const links = await orHttpError(listFeedTokens(await getDb(), user));
	return { active: links.filter((l) => !l.revoked_at), revoked: links.filter((l) => l.revoked_at).length };
};

export const actions: Actions = {
	create: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({ intent: 'create' }, () => createFeedToken(db, user));
		if (!res.ok) return res.failure;
		// Shown once: only its hash is stored.
		return {
			intent: 'create',
			success: 'Votre lien d’abonnement est prêt : copiez-le maintenant, il ne sera plus affiché.',
			url: res.value.url,
			id: res.value.id
		};
	},
	revoke: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, revokeFeedForm);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction({ ...parsed.raw, intent: 'revoke' }, () => revokeFeedToken(db, user, parsed.data.id));
		if (!res.ok) return res.failure;
		return {
			intent: 'revoke',
			success: 'Le lien est révoqué : les agendas abonnés ne recevront plus vos rendez-vous.'
		};
	}
};
