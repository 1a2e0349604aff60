import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { listEvents, organiserChoices } from '$lib/server/events/events';
import { myRegistrations } from '$lib/server/events/registrations';
import { summary } from './event-view';

export const load: PageServerLoad = async ({ locals, url }) => {
	const db = await getDb();
	const user = locals.user;
	const past = url.searchParams.get('vue') === 'passes';
	const [events, organised, mine, organisers] = await Promise.all([
		listEvents(db, user, { scope: past ? 'past' : 'upcoming' }),
		user ? listEvents(db, user, { scope: 'organised' }) : Promise.resolve([]),
		user ? myRegistrations(db, user) : Promise.resolve([]),
		user ? organiserChoices(db, user) : Promise.resolve([])
	]);
	return {
		past,
		events: events.map(summary),
		organised: organised.filter((e) => e.status === 'draft' || e.ends_at > new Date()).map(summary),
		mine: mine
			.filter((r) => r.ends_at > new Date())
			.map((r) => ({
				id: r.id,
				eventId: r.event_id,
				title: r.title,
				status: r.status,
				startsAt: r.starts_at,
				fullName: r.full_name
			})),
		canOrganise: organisers.length > 0,
		animatedNetworks: organisers
			.filter((o) => o.value.startsWith('network:'))
			.map((o) => ({ id: o.value.slice(8), label: o.label }))
	};
};
