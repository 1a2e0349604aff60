import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser } from '$lib/server/kit/forms';
import { getNetworkBySlug } from '$lib/server/networks/service';
import { orHttpError } from '$lib/server/kit/errors';
import { listFreeSlots, listProfiles } from '$lib/server/guichet/availability';
import { bookSession } from '$lib/server/guichet/bookings';
import { buyerStanding } from '$lib/server/guichet/lists';
import { filesFromForm } from '$lib/server/guichet/attachments';
import { bookForm } from '$lib/server/guichet/input';
import { MODALITIES, STAGES } from '$lib/guichet/labels';
import { bookingAction, groupSlots } from '../../slots.server';

const WEEKS = 4;

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const { network } = await orHttpError(getNetworkBySlug(db, user, event.params.slug));
	const { isBuyer, isReader } = await orHttpError(buyerStanding(db, user, network.id));
	const profiles = (await orHttpError(listProfiles(db, user, network.id))).filter((p) => p.active);
	const wanted = event.url.searchParams.get('animateur') ?? 'any';
	const animatorId = profiles.some((p) => p.animator_id === wanted) ? wanted : 'any';
	const from = new Date();
	const to = new Date(from.getTime() + WEEKS * 7 * 86_400_000);
	const slots =
		isBuyer && profiles.length ? await orHttpError(listFreeSlots(db, user, network.id, { animatorId, from, to })) : [];
	const pool = animatorId === 'any' ? profiles : profiles.filter((p) => p.animator_id === animatorId);
	const modalities = [...new Set(pool.flatMap((p) => p.modalities))].map((m) => ({ value: m, label: MODALITIES[m] }));
	return {
		network: { id: network.id, slug: network.slug, name: network.name },
		isBuyer,
		isReader,
		animators: profiles.map((p) => ({
			id: p.animator_id,
			name: p.animator_name,
			topics: p.topics,
			minutes: p.session_minutes
		})),
		animatorId,
		days: groupSlots(slots),
		modalities,
		stages: Object.entries(STAGES).map(([value, label]) => ({ value, label })),
		weeks: WEEKS
	};
};

export const actions: Actions = {
	book: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, bookForm);
		if (parsed.failure) return parsed.failure;
		const db = await getDb();
		const res = await bookingAction(parsed.raw, ['slot_taken', 'day_full'], async () => {
			const { network } = await getNetworkBySlug(db, user, event.params.slug);
			const attachments = await filesFromForm(parsed.form);
			return bookSession(db, user, {
				...parsed.data,
				deadline: parsed.data.deadline || null,
				networkId: network.id,
				attachments
			});
		});
		if (!res.ok) return res.failure;
		redirect(303, `/guichet/seance/${res.value.id}?nouveau=1`);
	}
};
