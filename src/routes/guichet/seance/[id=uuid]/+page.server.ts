import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { formatSlotFr } from '$lib/server/guichet/slots';
import { answerSurvey, writeReport } from '$lib/server/guichet/follow-up';
import { cancelBooking, confirmBooking, getBooking, rescheduleBooking } from '$lib/server/guichet/bookings';
import { getRequest } from '$lib/server/guichet/requests';
import { getSettings } from '$lib/server/guichet/settings';
import { listFreeSlots } from '$lib/server/guichet/availability';
import { userNames } from '$lib/server/guichet/lists';
import { cancelForm, reportForm, rescheduleForm, surveyForm } from '$lib/server/guichet/input';
import { BOOKING_ACTIONS, MODALITIES, STATUS_WORDS } from '$lib/guichet/labels';
import { bookingAction, groupSlots } from '../../slots.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const b = await orHttpError(getBooking(db, user, event.params.id));
	const request = await orHttpError(getRequest(db, user, b.request_id));
	const live = b.status === 'pending' || b.status === 'confirmed';
	const canChange = live && (b.side === 'booker' || b.side === 'animator');
	const settings = await orHttpError(getSettings(db, user, b.network_id));
	const slots =
		canChange && event.url.searchParams.has('deplacer')
			? // no free slot to offer when the guichet is out of reach: the page still shows the booking
				await listFreeSlots(db, user, b.network_id, {
					animatorId: b.animator_id,
					from: new Date(),
					to: new Date(Date.now() + 28 * 86_400_000)
				}).catch(() => [])
			: [];
	const names = await orHttpError(userNames(db, user, [...new Set(b.history.map((h) => h.actor_id))]));
	return {
		booking: {
			id: b.id,
			requestId: b.request_id,
			topic: b.topic,
			status: b.status,
			statusWord: STATUS_WORDS[b.status],
			slot: formatSlotFr({ start: new Date(b.starts_at), end: new Date(b.ends_at) }),
			past: new Date(b.starts_at).getTime() <= Date.now(),
			modality: MODALITIES[b.modality],
			location: b.location,
			animatorName: b.animator_name,
			bookerName: b.booker_name,
			side: b.side,
			question: request.question,
			segment: request.segment,
			files: request.attachments.map((a) => ({ id: a.id, filename: a.filename, size: a.size }))
		},
		network: { name: request.network_name, slug: request.network_slug },
		canChange,
		settings,
		report: b.report as { advice: string; next_steps: string; created_at: Date } | null,
		survey: b.survey as { rating: number; comment: string; created_at: Date } | null,
		history: b.history.map((h) => {
			const oldR = h.old_range;
			const newR = h.new_range;
			return {
				label: BOOKING_ACTIONS[h.action] ?? h.action,
				by: names[h.actor_id] || '',
				at: h.created_at,
				reason: h.reason,
				change: h.action === 'rescheduled' && oldR && newR ? `du ${formatSlotFr(oldR)} au ${formatSlotFr(newR)}` : ''
			};
		}),
		days: groupSlots(slots),
		rescheduling: event.url.searchParams.has('deplacer')
	};
};

async function ctx(event: Parameters<NonNullable<Actions['confirm']>>[0]) {
	return { user: requireUser(event), db: await getDb(), id: event.params.id as string };
}

export const actions: Actions = {
	confirm: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'confirm' }, () => confirmBooking(db, user, id));
		if (!res.ok) return res.failure;
		return { intent: 'confirm', success: 'Rendez-vous confirmé : la collectivité en est avertie par e-mail.' };
	},
	cancel: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, cancelForm);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => cancelBooking(db, user, id, parsed.data.reason));
		if (!res.ok) return res.failure;
		return { intent: 'cancel', success: "Rendez-vous annulé : l'autre partie en est avertie par e-mail." };
	},
	reschedule: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, rescheduleForm);
		if (parsed.failure) return parsed.failure;
		const res = await bookingAction(parsed.raw, ['slot_taken'], () => rescheduleBooking(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return { intent: 'reschedule', success: "Rendez-vous déplacé : l'autre partie en est avertie par e-mail." };
	},
	report: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, reportForm);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => writeReport(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return {
			intent: 'report',
			success:
				parsed.data.outcome === 'done'
					? 'Compte-rendu enregistré : la collectivité le reçoit par e-mail, avec le questionnaire de satisfaction.'
					: 'Absence enregistrée.'
		};
	},
	survey: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, surveyForm);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => answerSurvey(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return { intent: 'survey', success: 'Merci pour votre réponse !' };
	}
};
