import { fail, redirect } from '@sveltejs/kit';
import { toAppError } from '$lib/server/kit/errors';
import { z } from 'zod';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { getNetworkBySlug } from '$lib/server/networks/service';
import { orHttpError } from '$lib/server/kit/errors';
import { bookSession, listFreeSlots, listProfiles, MODALITIES, STAGES, type Modality } from '$lib/server/guichet/service';
import { filesFromForm } from '$lib/server/guichet/attachments';
import { groupSlots } from '../../queries.server';
import { buyerNetworks } from '$lib/server/guichet/service';
import { requestFields } from '../request-form.server';

const WEEKS = 4;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const { network } = await orHttpError(getNetworkBySlug(db, user, event.params.slug));
	const mine = (await buyerNetworks(db, user)).find((n) => n.id === network.id);
	const isBuyer = !!mine?.can_act;
	const isReader = !!mine && !mine.can_act;
	const profiles = (await orHttpError(listProfiles(db, user, network.id))).filter((p) => p.active);
	const wanted = event.url.searchParams.get('animateur') ?? 'any';
	const animatorId = profiles.some((p) => p.animator_id === wanted) ? wanted : 'any';
	const from = new Date();
	const to = new Date(from.getTime() + WEEKS * 7 * 86_400_000);
	const slots = isBuyer && profiles.length ? await orHttpError(listFreeSlots(db, user, network.id, { animatorId, from, to })) : [];
	const pool = animatorId === 'any' ? profiles : profiles.filter((p) => p.animator_id === animatorId);
	const modalities = [...new Set(pool.flatMap((p) => p.modalities))].map((m) => ({ value: m, label: MODALITIES[m as Modality] }));
	return {
		network: { id: network.id, slug: network.slug, name: network.name },
		isBuyer,
		isReader,
		animators: profiles.map((p) => ({ id: p.animator_id, name: p.animator_name, topics: p.topics, minutes: p.session_minutes })),
		animatorId,
		days: groupSlots(slots),
		modalities,
		stages: Object.entries(STAGES).map(([value, label]) => ({ value, label })),
		weeks: WEEKS
	};
};

const bookInput = z.object({
	...requestFields,
	animatorId: z.string().min(1),
	start: z.string({ error: 'Choisissez un créneau.' }).min(1, { error: 'Choisissez un créneau.' }),
	modality: z.enum(['visio', 'telephone', 'sur_place'], { error: 'Choisissez une modalité.' })
});

export const actions: Actions = {
	book: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, bookInput);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		let nextSlots: { start: string; label: string; animatorName: string }[] | null = null;
		const res = await runAction(parsed.raw, async () => {
			const { network } = await getNetworkBySlug(db, user, event.params.slug);
			try {
				const attachments = await filesFromForm(parsed.form);
				return await bookSession(db, user, { ...parsed.data, deadline: parsed.data.deadline || null, networkId: network.id, attachments });
			} catch (e) {
				// Slot just taken: the service gives the next three free slots, offered as one-click choices.
				const err = toAppError(e);
				const slots = err.code === 'slot_taken' || err.code === 'day_full' ? (err.details?.nextSlots as { start: Date; label: string; animatorName: string }[] | undefined) : undefined;
				if (slots) nextSlots = slots.map((s) => ({ start: new Date(s.start).toISOString(), label: s.label, animatorName: s.animatorName }));
				throw err;
			}
		});
		if (!res.ok) {
			if (nextSlots) {
				const data = (res.failure as unknown as { data: Record<string, unknown> }).data;
				return fail(409, { ...data, nextSlots });
			}
			return res.failure;
		}
		redirect(303, `/guichet/seance/${res.value.id}?nouveau=1`);
	}
};
