import { redirect } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { deleteAccount } from '$lib/server/account/data';
import { deleteSessionCookie } from '$lib/server/auth/session';

const CONFIRMATION = 'SUPPRIMER';
const deleteInput = z.object({
	password: z.string({ error: 'Saisissez votre mot de passe.' }).min(1, { error: 'Saisissez votre mot de passe.' }),
	confirmation: z
		.string({ error: `Recopiez « ${CONFIRMATION} » pour confirmer.` })
		.trim()
		.refine((v) => v.toUpperCase() === CONFIRMATION, { error: `Recopiez « ${CONFIRMATION} » pour confirmer.` })
});

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	return { email: user.email, confirmation: CONFIRMATION };
};

export const actions: Actions = {
	delete: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, deleteInput);
		if (parsed.failure) return parsed.failure;
		const r = await runAction(parsed.raw, async () => deleteAccount(await getDb(), user, parsed.data.password));
		if (!r.ok) return r.failure;
		deleteSessionCookie(event.cookies, event.url.protocol === 'https:');
		redirect(303, '/?compte-supprime=1');
	}
};
