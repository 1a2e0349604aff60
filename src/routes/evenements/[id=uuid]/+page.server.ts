import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser, runAction, parseForm } from '$lib/server/kit/forms';
import { cancelEvent, duplicateEvent, setPublished } from '$lib/server/events/events';
import { register, registrablePeople } from '$lib/server/events/registrations';
import { AUDIENCES, EVENT_KINDS, EVENT_STATUSES } from '$lib/events/labels';
import { cancelEventInputSchema } from '$lib/server/events/input';
import { formatRange } from '$lib/server/events/format';
import { loadEvent, programme } from './event.server';

export const load: PageServerLoad = async ({ locals, params }) => {
	const db = await getDb();
	const d = await loadEvent(db, locals.user, params.id);
	const e = d.event;
	const now = new Date();
	const open =
		e.status === 'published' &&
		e.ends_at > now &&
		(!e.registration_opens_at || e.registration_opens_at <= now) &&
		(!e.registration_closes_at || now < e.registration_closes_at);
	const people = locals.user && open ? await registrablePeople(db, locals.user, e.id) : [];
	// Events open to companies: a person without a collectivité registers in their own name.
	const individual =
		locals.user &&
		open &&
		e.audience === 'open' &&
		!people.some((p) => p.self) &&
		!d.mine.some((r) => r.user_id === locals.user?.id && r.status !== 'cancelled');
	return {
		event: {
			id: e.id,
			title: e.title,
			kind: EVENT_KINDS[e.kind],
			description: e.description,
			organiser: e.organiser_name,
			partners: e.partners,
			themes: e.themes,
			audience: AUDIENCES[e.audience],
			place: e.place,
			visioUrl: e.visio_url,
			when: formatRange(e.starts_at, e.ends_at),
			status: e.status,
			statusLabel: EVENT_STATUSES[e.status],
			cancelReason: e.cancel_reason,
			capacity: e.capacity,
			taken: e.confirmed_count,
			waiting: e.waitlist_count,
			perOrgLimit: e.per_org_limit,
			offerHours: e.offer_hours,
			opensAt: e.registration_opens_at,
			closesAt: e.registration_closes_at,
			past: e.ends_at <= now
		},
		open,
		groups: d.groups.map((g) => ({ id: g.id, title: g.title })),
		sessions: programme(d),
		isOrganiser: d.isOrganiser,
		mine: d.mine.map((r) => ({ id: r.id, fullName: r.full_name, status: r.status })),
		people: [
			...(individual && locals.user ? [{ value: `${locals.user.id}|`, label: 'Moi-même (à titre individuel)' }] : []),
			...people
				.filter((p) => !p.registered)
				.map((p) => ({
					value: `${p.user_id}|${p.org_id}`,
					label: p.self ? `Moi-même (${p.org_name})` : `${p.display_name} (${p.org_name})`
				}))
		],
		loggedIn: !!locals.user
	};
};

async function ctx(event: { locals: App.Locals; url: URL; params: Record<string, string> }) {
	return { user: requireUser(event), db: await getDb(), id: event.params.id };
}

export const actions: Actions = {
	register: async (event) => {
		const { user, db, id } = await ctx(event);
		const form = await event.request.formData();
		const raw: Record<string, unknown> = Object.fromEntries(
			[...form.entries()].filter(([, v]) => typeof v === 'string')
		);
		const [userId, orgId] = String(form.get('person') ?? `${user.id}|`).split('|');
		const choices = [...form.entries()]
			.filter(([k, v]) => k.startsWith('choice-') && typeof v === 'string' && v)
			.map(([, v]) => String(v));
		const res = await runAction({ ...raw, intent: 'register' }, () =>
			register(db, user, { eventId: id, userId: userId || user.id, orgId: orgId || null, choices })
		);
		if (!res.ok) return res.failure;
		redirect(303, `/evenements/${id}/inscription/${res.value.id}?nouvelle`);
	},
	publish: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'publish' }, () => setPublished(db, user, id, true));
		if (!res.ok) return res.failure;
		return {
			intent: 'publish',
			success: "L'événement est publié : les inscriptions sont ouvertes selon les dates choisies."
		};
	},
	unpublish: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'unpublish' }, () => setPublished(db, user, id, false));
		if (!res.ok) return res.failure;
		return {
			intent: 'unpublish',
			success:
				"L'événement est repassé en brouillon : il n'est plus visible des participants. Les inscriptions existantes sont conservées."
		};
	},
	duplicate: async (event) => {
		const { user, db, id } = await ctx(event);
		const res = await runAction({ intent: 'duplicate' }, () => duplicateEvent(db, user, id));
		if (!res.ok) return res.failure;
		redirect(303, `/evenements/${res.value.id}/modifier?copie`);
	},
	cancel: async (event) => {
		const { user, db, id } = await ctx(event);
		const parsed = await parseForm(event.request, cancelEventInputSchema);
		if (parsed.failure) return parsed.failure;
		const res = await runAction({ ...parsed.raw, intent: 'cancel' }, () =>
			cancelEvent(db, user, id, parsed.data.reason)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'cancel',
			success: `L'événement est annulé ; ${res.value} personne${res.value > 1 ? 's ont' : ' a'} été prévenue${res.value > 1 ? 's' : ''} par e-mail.`
		};
	}
};
