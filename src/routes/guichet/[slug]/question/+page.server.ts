import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { getNetworkBySlug } from '$lib/server/networks/service';
import { orHttpError } from '$lib/server/kit/errors';
import { askQuestion } from '$lib/server/guichet/requests';
import { buyerStanding } from '$lib/server/guichet/lists';
import { filesFromForm } from '$lib/server/guichet/attachments';
import { questionForm } from '$lib/server/guichet/input';
import { STAGES } from '$lib/guichet/labels';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const { network } = await orHttpError(getNetworkBySlug(db, user, event.params.slug));
	const { isBuyer, isReader } = await orHttpError(buyerStanding(db, user, network.id));
	return {
		network: { id: network.id, slug: network.slug, name: network.name },
		isBuyer,
		isReader,
		stages: Object.entries(STAGES).map(([value, label]) => ({ value, label }))
	};
};

export const actions: Actions = {
	ask: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, questionForm);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, async () => {
			const { network } = await getNetworkBySlug(db, user, event.params.slug);
			const attachments = await filesFromForm(parsed.form);
			return askQuestion(db, user, {
				...parsed.data,
				deadline: parsed.data.deadline || null,
				networkId: network.id,
				attachments
			});
		});
		if (!res.ok) return res.failure;
		redirect(303, `/guichet/demande/${res.value}?nouvelle=1`);
	}
};
