import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction } from '$lib/server/kit/forms';
import { createResource, writableOrgs } from '$lib/server/resources/editing';
import { resourcePath } from '$lib/server/resources/model';
import { parseResourceForm } from '../form.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const orgs = await writableOrgs(await getDb(), user);
	const kind = event.url.searchParams.get('type') === 'rex' ? 'rex' : 'clause';
	return { orgs, kind } as const;
};

export const actions: Actions = {
	default: async (event) => {
		const user = requireUser(event);
		const parsed = await parseResourceForm(event.request);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const orgId =
			typeof parsed.raw.orgId === 'string' ? parsed.raw.orgId : ((await writableOrgs(db, user))[0]?.id ?? '');
		const res = await runAction(parsed.raw, () => createResource(db, user, orgId, parsed.data));
		if (!res.ok) return res.failure;
		redirect(303, `${resourcePath(parsed.data.kind, res.value)}?cree=1`);
	}
};
