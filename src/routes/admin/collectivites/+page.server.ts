import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { requirePlatformAdmin } from '$lib/server/admin/access';
import { orgValidationInput } from '$lib/server/admin/input';
import { listOrgValidations, setOrgValidation } from '$lib/server/benchmark/service';
import { KINDS } from '$lib/server/indicators/input';

export const load: PageServerLoad = async (event) => {
	const user = requirePlatformAdmin(event);
	return { orgs: await listOrgValidations(await getDb(), user), kinds: KINDS };
};

async function decide(event: Parameters<Actions[string]>[0], validated: boolean) {
	const user = requirePlatformAdmin(event);
	const parsed = await parseForm(event.request, orgValidationInput);
	if (parsed.failure) return parsed.failure;
	const res = await runAction(parsed.raw, async () =>
		setOrgValidation(await getDb(), user, parsed.data.org, validated)
	);
	if (!res.ok) return res.failure;
	return {
		target: parsed.data.org,
		success: validated
			? 'Collectivité validée : elle comptera dans les statistiques à la prochaine publication.'
			: 'Validation retirée.'
	};
}

export const actions: Actions = {
	validate: (event) => decide(event, true),
	unvalidate: (event) => decide(event, false)
};
