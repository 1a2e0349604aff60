import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { getResource, updateResource } from '$lib/server/resources/editing';
import { resourcePath } from '$lib/server/resources/model';
import { parseResourceForm, storedValues } from '../../../form.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const r = await orHttpError(getResource(await getDb(), user, event.params.id));
	if (!r.can_edit) error(403, 'Seuls les administrateurs et rédacteurs de la collectivité modifient cette ressource.');
	return {
		id: r.id,
		kind: r.kind,
		values: storedValues(r),
		validated: r.shares.some((s) => s.status === 'validated'),
		changesRequested: r.shares
			.filter((s) => s.status === 'changes_requested')
			.map((s) => ({ network: s.network_name, comment: s.comment }))
	};
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const parsed = await parseResourceForm(event.request);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, () => updateResource(db, user, event.params.id, parsed.data));
		if (!res.ok) return res.failure;
		redirect(303, resourcePath(parsed.data.kind, event.params.id));
	}
};
