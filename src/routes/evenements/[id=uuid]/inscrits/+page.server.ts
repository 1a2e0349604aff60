import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { cancelRegistration, listRegistrations } from '$lib/server/events/registrations';
import { markNoShows } from '$lib/server/events/attendance';
import { eventFigures } from '$lib/server/events/figures';
import { REGISTRATION_STATUSES } from '$lib/events/labels';
import { registrationIdInputSchema } from '$lib/server/events/input';
import { formatDateTime } from '$lib/format';
import { loadEvent, programme } from '../event.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const d = await loadEvent(db, user, event.params.id);
	if (!d.isOrganiser) error(403, { message: "Seuls les organisateurs de l'événement voient la liste des inscrits." });
	const [regs, figures] = await Promise.all([
		listRegistrations(db, user, d.event.id),
		eventFigures(db, user, d.event.id)
	]);
	const titles = new Map(d.sessions.map((s) => [s.id, s.title]));
	const waiting = regs.filter((r) => r.status === 'waitlisted');
	return {
		event: { id: d.event.id, title: d.event.title, past: d.event.ends_at <= new Date(), status: d.event.status },
		sessions: programme(d),
		figures,
		registrations: regs.map((r) => ({
			id: r.id,
			fullName: r.full_name,
			email: r.email,
			orgName: r.org_name ?? '',
			status: r.status,
			statusLabel: REGISTRATION_STATUSES[r.status],
			rank: r.status === 'waitlisted' ? waiting.indexOf(r) + 1 : null,
			choices: r.choices
				.map((c) => titles.get(c) ?? '')
				.filter(Boolean)
				.join(', '),
			walkIn: r.walk_in,
			noShow: r.no_show,
			offerUntil: r.offer_expires_at ? formatDateTime(r.offer_expires_at) : null,
			at: formatDateTime(r.created_at)
		}))
	};
};

export const actions: Actions = {
	noShows: async (event) => {
		const user = requireUser(event);
		const res = await runAction({ intent: 'noShows' }, async () => markNoShows(await getDb(), user, event.params.id));
		if (!res.ok) return res.failure;
		return {
			intent: 'noShows',
			success: `${res.value} absence${res.value > 1 ? 's' : ''} enregistrée${res.value > 1 ? 's' : ''} (personnes inscrites sans aucun émargement).`
		};
	},
	cancel: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, registrationIdInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'cancel' }, async () =>
			cancelRegistration(await getDb(), user, parsed.data.registrationId)
		);
		if (!res.ok) return res.failure;
		return { intent: 'cancel', success: "Inscription annulée ; la place est proposée à la liste d'attente." };
	}
};
