import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { formatSlotFr } from '$lib/server/guichet/slots';
import {
	answerSurvey,
	cancelBooking,
	confirmBooking,
	getRequest,
	getSettings,
	listFreeSlots,
	MODALITIES,
	rescheduleBooking,
	userNames,
	writeReport
} from '$lib/server/guichet/service';
import { toAppError } from '$lib/server/kit/errors';
import { fail } from '@sveltejs/kit';
import { groupSlots, STATUS_WORDS } from '../../queries.server';
import { bookingOr404, parseRange } from './booking.server';

const ACTIONS: Record<string, string> = {
	created: 'Rendez-vous demandé',
	confirmed: 'Rendez-vous confirmé',
	cancelled: 'Rendez-vous annulé',
	rescheduled: 'Rendez-vous déplacé',
	done: 'Séance tenue',
	no_show: 'Absence signalée',
	redirected: 'Confié à une autre personne'
};

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const b = await bookingOr404(db, user, event.params.id);
	const request = await getRequest(db, user, b.request_id);
	const live = b.status === 'pending' || b.status === 'confirmed';
	const canChange = live && (b.side === 'booker' || b.side === 'animator');
	const settings = await getSettings(db, user, b.network_id);
	const slots =
		canChange && event.url.searchParams.has('deplacer')
			? await listFreeSlots(db, user, b.network_id, { animatorId: b.animator_id, from: new Date(), to: new Date(Date.now() + 28 * 86_400_000) }).catch(() => [])
			: [];
	const names = await userNames(db, user, [...new Set(b.history.map((h) => h.actor_id))]);
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
			const oldR = parseRange(h.old_during);
			const newR = parseRange(h.new_during);
			return {
				label: ACTIONS[h.action] ?? h.action,
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

const reasonField = z.string({ error: 'Indiquez le motif.' }).trim().min(1, { error: 'Indiquez le motif.' }).max(2000, { error: 'Le motif ne doit pas dépasser 2 000 caractères.' });

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
		const parsed = await parseForm(event.request, z.object({ reason: reasonField }));
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => cancelBooking(db, user, id, parsed.data.reason));
		if (!res.ok) return res.failure;
		return { intent: 'cancel', success: "Rendez-vous annulé : l'autre partie en est avertie par e-mail." };
	},
	reschedule: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, z.object({ reason: reasonField, start: z.string({ error: 'Choisissez un nouveau créneau.' }).min(1, { error: 'Choisissez un nouveau créneau.' }) }));
		if (parsed.failure) return parsed.failure;
		let nextSlots: { start: string; label: string }[] | null = null;
		const res = await runAction(parsed.raw, async () => {
			try {
				return await rescheduleBooking(db, user, id, parsed.data);
			} catch (e) {
				const err = toAppError(e);
				const slots = err.code === 'slot_taken' ? (err.details?.nextSlots as { start: Date; label: string }[] | undefined) : undefined;
				if (slots) nextSlots = slots.map((s) => ({ start: new Date(s.start).toISOString(), label: s.label }));
				throw err;
			}
		});
		if (!res.ok) {
			if (nextSlots) return fail(409, { ...(res.failure as unknown as { data: Record<string, unknown> }).data, nextSlots });
			return res.failure;
		}
		return { intent: 'reschedule', success: "Rendez-vous déplacé : l'autre partie en est avertie par e-mail." };
	},
	report: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(
			event.request,
			z.object({
				outcome: z.enum(['done', 'no_show'], { error: 'Indiquez si la séance a eu lieu.' }),
				advice: z.string().trim().max(20000, { error: 'Les conseils ne doivent pas dépasser 20 000 caractères.' }).optional().default(''),
				nextSteps: z.string().trim().max(10000, { error: 'Les prochaines étapes ne doivent pas dépasser 10 000 caractères.' }).optional().default('')
			})
		);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => writeReport(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return { intent: 'report', success: parsed.data.outcome === 'done' ? 'Compte-rendu enregistré : la collectivité le reçoit par e-mail, avec le questionnaire de satisfaction.' : 'Absence enregistrée.' };
	},
	survey: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(
			event.request,
			z.object({
				rating: z.coerce.number({ error: 'Choisissez une note de 1 à 5.' }).int({ error: 'Choisissez une note de 1 à 5.' }).min(1, { error: 'Choisissez une note de 1 à 5.' }).max(5, { error: 'Choisissez une note de 1 à 5.' }),
				comment: z.string().trim().max(2000, { error: 'Le commentaire ne doit pas dépasser 2 000 caractères.' }).optional().default('')
			})
		);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, () => answerSurvey(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return { intent: 'survey', success: 'Merci pour votre réponse !' };
	}
};
