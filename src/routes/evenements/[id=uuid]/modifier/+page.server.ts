import { error, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { addChoiceGroup, deleteChoiceGroup, deleteSession, saveSession, updateEvent } from '$lib/server/events/events';
import {
	choiceGroupInputSchema,
	eventUpdateSchema,
	groupIdInputSchema,
	sessionIdInputSchema,
	sessionSaveInputSchema
} from '$lib/server/events/input';
import { toLocalInput } from '$lib/server/events/format';
import { loadEvent, programme } from '../event.server';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const d = await loadEvent(await getDb(), user, event.params.id);
	if (!d.isOrganiser) error(403, { message: "Seuls les organisateurs de l'événement peuvent le modifier." });
	const e = d.event;
	const editing = d.sessions.find((s) => s.id === event.url.searchParams.get('seance')) ?? null;
	return {
		event: { id: e.id, title: e.title, status: e.status },
		stored: {
			kind: e.kind,
			title: e.title,
			description: e.description,
			partners: e.partners,
			themes: e.themes.join(', '),
			audience: e.audience,
			place: e.place,
			visioUrl: e.visio_url ?? '',
			startsAt: toLocalInput(e.starts_at),
			endsAt: toLocalInput(e.ends_at),
			registrationOpensAt: toLocalInput(e.registration_opens_at),
			registrationClosesAt: toLocalInput(e.registration_closes_at),
			capacity: e.capacity?.toString() ?? '',
			perOrgLimit: e.per_org_limit?.toString() ?? '',
			offerHours: String(e.offer_hours),
			checkinOpensMinutes: e.checkin_opens_minutes?.toString() ?? ''
		},
		groups: d.groups.map((g) => ({ id: g.id, title: g.title })),
		sessions: programme(d),
		editing: editing
			? {
					id: editing.id,
					title: editing.title,
					description: editing.description,
					startsAt: toLocalInput(editing.starts_at),
					endsAt: toLocalInput(editing.ends_at),
					room: editing.room,
					speakers: editing.speakers,
					capacity: editing.capacity?.toString() ?? '',
					choiceGroupId: editing.choice_group_id ?? ''
				}
			: null,
		defaultDay: toLocalInput(e.starts_at).slice(0, 10)
	};
};

async function ctx(event: { locals: App.Locals; url: URL; params: Record<string, string> }) {
	return { user: requireUser(event), db: await getDb(), id: event.params.id };
}

export const actions: Actions = {
	event: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, eventUpdateSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'event' }, () => updateEvent(db, user, id, parsed.data));
		if (!res.ok) return res.failure;
		return { intent: 'event', success: 'Événement enregistré.' };
	},
	group: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, choiceGroupInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'group' }, () =>
			addChoiceGroup(db, user, id, parsed.data.title)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'group',
			success: `Groupe « ${parsed.data.title} » ajouté : rattachez-y les ateliers parmi lesquels choisir.`
		};
	},
	deleteGroup: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, groupIdInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'deleteGroup' }, () =>
			deleteChoiceGroup(db, user, id, parsed.data.groupId)
		);
		if (!res.ok) return res.failure;
		return { intent: 'deleteGroup', success: 'Groupe supprimé.' };
	},
	session: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, sessionSaveInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'session' }, () =>
			saveSession(db, user, id, parsed.data, parsed.data.sessionId)
		);
		if (!res.ok) return res.failure;
		if (parsed.data.sessionId) redirect(303, `/evenements/${id}/modifier?enregistre`);
		return { intent: 'session', success: `Séance « ${parsed.data.title} » ajoutée au programme.` };
	},
	deleteSession: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, sessionIdInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'deleteSession' }, () =>
			deleteSession(db, user, id, parsed.data.sessionId)
		);
		if (!res.ok) return res.failure;
		return { intent: 'deleteSession', success: 'Séance supprimée.' };
	}
};
