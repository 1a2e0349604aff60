import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { fieldErrors } from '$lib/server/kit/input';
import { calcSettingsInput, calculatorInput } from '$lib/server/resources/input';
import {
	computeInsertionHours,
	getCalcRules,
	inclusionSearchUrl,
	saveCalcRules
} from '$lib/server/resources/calculator';
import { myNetworks } from '$lib/server/resources/sharing';

export const load: PageServerLoad = async (event) => {
	const user = event.locals.user;
	const db = await getDb();
	const networks = user ? await myNetworks(db, user) : [];
	const sp = event.url.searchParams;
	const raw = Object.fromEntries([...sp.entries()].filter(([, v]) => v !== ''));
	const networkId = (raw.network as string | undefined) ?? networks[0]?.id ?? null;
	const rules = await getCalcRules(db, user, networkId);
	let result = null;
	let errors: Record<string, string> = {};
	let inclusionUrl: string | null = null;
	if (sp.has('amount')) {
		const parsed = calculatorInput.safeParse(raw);
		if (parsed.success) {
			result = computeInsertionHours(parsed.data.amount, parsed.data.years, parsed.data.segment, rules);
			inclusionUrl = inclusionSearchUrl(parsed.data.segment, parsed.data.departement ?? null);
		} else errors = fieldErrors(parsed.error);
	}
	return { networks, networkId, rules, result, errors, values: raw, inclusionUrl };
};

export const actions: Actions = {
	rules: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, calcSettingsInput);
		if (parsed.failure) return parsed.failure;
		const networkId = String(parsed.raw.networkId ?? '');
		if (!networkId) return fail(400, { message: 'Choisissez un réseau.', errors: {}, values: parsed.raw });
		const res = await runAction(parsed.raw, async () => saveCalcRules(await getDb(), user, networkId, parsed.data));
		if (!res.ok) return res.failure;
		return { success: 'Règles de calcul du réseau enregistrées.' };
	}
};
