import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { closeQuestion, getRequest, listRedirectTargets, redirectRequest, reply } from '$lib/server/guichet/requests';
import { userNames } from '$lib/server/guichet/lists';
import { filesFromForm } from '$lib/server/guichet/attachments';
import { redirectForm, replyForm } from '$lib/server/guichet/input';
import { STAGES, STATUS_WORDS } from '$lib/guichet/labels';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const r = await orHttpError(getRequest(db, user, event.params.id));
	const names = await orHttpError(
		userNames(db, user, [
			...new Set([
				r.requester_id,
				...r.messages.map((m) => m.author_id),
				...(r.assigned_animator_id ? [r.assigned_animator_id] : [])
			])
		])
	);
	const targets =
		r.side === 'animator' && r.status !== 'closed'
			? await orHttpError(listRedirectTargets(db, user, r.network_id))
			: [];
	const files = r.attachments.map((a) => ({ id: a.id, filename: a.filename, size: a.size, message_id: a.message_id }));
	return {
		request: { ...r, stageLabel: STAGES[r.stage], statusWord: STATUS_WORDS[r.status] },
		networkName: r.network_name,
		orgName: r.org_name,
		side: r.side,
		bookingId: r.booking_id,
		files: files.filter((f) => !f.message_id),
		assignedName: r.assigned_animator_id ? names[r.assigned_animator_id] || '' : '',
		targets: targets.filter((t) => t.id !== (r.assigned_animator_id ?? user.id)),
		messages: r.messages.map((m) => ({
			...m,
			files: files.filter((f) => f.message_id === m.id),
			author: names[m.author_id] || 'Inconnu',
			fromBuyer: m.author_id === r.requester_id
		})),
		requesterName: names[r.requester_id] || ''
	};
};

export const actions: Actions = {
	reply: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, replyForm);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, async () =>
			reply(db, user, event.params.id, parsed.data.body, await filesFromForm(parsed.form))
		);
		if (!res.ok) return res.failure;
		return { intent: 'reply', success: 'Message envoyé.' };
	},
	redirect: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, redirectForm);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await runAction(parsed.raw, () =>
			redirectRequest(db, user, event.params.id, parsed.data.animatorId, parsed.data.reason)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'redirect',
			success: 'La demande est réorientée ; la personne choisie et la collectivité sont prévenues par e-mail.'
		};
	},
	close: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const res = await runAction({ intent: 'close' }, () => closeQuestion(db, user, event.params.id));
		if (!res.ok) return res.failure;
		return { intent: 'close', success: 'La demande est close.' };
	}
};
