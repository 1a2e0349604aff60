import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { getDb, withUser } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/forms';
import { orHttpError } from '$lib/server/orgs/queries';
import { closeQuestion, getRequest, reply, STAGES } from '$lib/server/guichet/service';
import { STATUS_WORDS, userNames } from '../../queries.server';

const uuid = z.uuid();

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	if (!uuid.safeParse(event.params.id).success) error(404, { message: 'Cette demande est introuvable.' });
	const db = await getDb();
	const r = await orHttpError(getRequest(db, user, event.params.id));
	const [extra] = await withUser(db, user, (tx) =>
		tx.query<{ network_name: string; org_name: string; side: string | null; booking_id: string | null }>(
			`select n.name as network_name, o.name as org_name, app.guichet_request_side(r.id) as side,
			        (select b.id from public.guichet_bookings b where b.request_id = r.id order by b.created_at desc limit 1) as booking_id
			   from public.guichet_requests r join public.networks n on n.id = r.network_id join public.organisations o on o.id = r.org_id
			  where r.id = $1`,
			[r.id]
		)
	);
	const names = await userNames(db, user, [...new Set([r.requester_id, ...r.messages.map((m) => m.author_id)])]);
	return {
		request: { ...r, stageLabel: STAGES[r.stage], statusWord: STATUS_WORDS[r.status] },
		networkName: extra.network_name,
		orgName: extra.org_name,
		side: extra.side,
		bookingId: extra.booking_id,
		messages: r.messages.map((m) => ({
			...m,
			author: names[m.author_id] || 'Inconnu',
			fromBuyer: m.author_id === r.requester_id
		})),
		requesterName: names[r.requester_id] || ''
	};
};

const replyInput = z.object({
	body: z.string({ error: 'Écrivez votre message.' }).trim().min(1, { error: 'Écrivez votre message.' }).max(10000, { error: 'Le message ne doit pas dépasser 10 000 caractères.' })
});

export const actions: Actions = {
	reply: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, replyInput);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, () => reply(db, user, event.params.id, parsed.data.body));
		if (!res.ok) return res.failure;
		return { intent: 'reply', success: 'Message envoyé.' };
	},
	close: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({ intent: 'close' }, () => closeQuestion(db, user, event.params.id));
		if (!res.ok) return res.failure;
		return { intent: 'close', success: 'La demande est close.' };
	}
};
