import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { checkIn, checkinList, getSession, undoCheckIn, walkIn } from '$lib/server/events/attendance';
import { checkinOpensMessage } from '$lib/server/events/access';
import { checkInInputSchema, registrationIdInputSchema, walkInInputSchema } from '$lib/server/events/input';
import { formatHourMinute, formatRange } from '$lib/server/events/format';
import { orHttpError } from '$lib/server/kit/errors';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const s = await orHttpError(getSession(db, user, event.params.sid));
	if (s.event_id !== event.params.id) error(404, { message: "Cette séance n'existe pas." });
	const q = event.url.searchParams.get('q') ?? '';
	const all = await checkinList(db, user, s.id);
	const list = q ? await checkinList(db, user, s.id, q) : all;
	return {
		session: {
			id: s.id,
			title: s.title,
			when: formatRange(s.starts_at, s.ends_at),
			room: s.room,
			eventId: s.event_id,
			eventTitle: s.event_title
		},
		checkin: s.checkin,
		checkinMessage:
			s.checkin === 'before'
				? checkinOpensMessage(s.checkin_opens_at)
				: s.checkin === 'closed'
					? 'Le pointage de cette séance est clos (sept jours après sa fin).'
					: null,
		q,
		present: all.filter((r) => r.checked_at).length,
		expected: all.length,
		people: list.map((r) => ({
			id: r.registration_id,
			fullName: r.full_name,
			orgName: r.org_name ?? '',
			walkIn: r.walk_in,
			checkedAt: r.checked_at ? formatHourMinute(r.checked_at) : null,
			method: r.method
		}))
	};
};

const ctx = async (event: { locals: App.Locals; url: URL; params: Record<string, string> }) => ({
	user: requireUser(event),
	db: await getDb(),
	sid: event.params.sid
});

export const actions: Actions = {
	scan: async (event) => {
		const { user, db, sid } = await ctx(event);
		const parsed = await parseForm(event.request, checkInInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'scan' }, () => checkIn(db, user, sid, parsed.data));
		if (!res.ok) return res.failure;
		return {
			intent: 'scan',
			target: res.value.registrationId,
			success: res.value.already
				? `${res.value.fullName} : présence déjà enregistrée.`
				: `Présence enregistrée : ${res.value.fullName}.`
		};
	},
	undo: async (event) => {
		const { user, db, sid } = await ctx(event);
		const parsed = await parseForm(event.request, registrationIdInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'undo' }, () =>
			undoCheckIn(db, user, sid, parsed.data.registrationId)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'undo',
			target: parsed.data.registrationId,
			success: res.value ? 'Présence annulée.' : "Aucune présence n'était enregistrée."
		};
	},
	walkIn: async (event) => {
		const { user, db, sid } = await ctx(event);
		const parsed = await parseForm(event.request, walkInInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'walkIn' }, () => walkIn(db, user, sid, parsed.data));
		if (!res.ok) return res.failure;
		return {
			intent: 'walkIn',
			target: res.value,
			success: `${parsed.data.fullName} est inscrit sur place et sa présence enregistrée.`
		};
	}
};
