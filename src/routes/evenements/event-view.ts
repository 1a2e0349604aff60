// Shapes of events for the pages (plain values, French labels).
import { AUDIENCES, EVENT_KINDS, EVENT_STATUSES } from '$lib/events/labels';
import type { EventRow } from '$lib/server/events/model';
import { formatRange } from '$lib/server/events/format';

export function summary(e: EventRow) {
	return {
		id: e.id,
		title: e.title,
		kind: EVENT_KINDS[e.kind],
		status: e.status,
		statusLabel: EVENT_STATUSES[e.status],
		when: formatRange(e.starts_at, e.ends_at),
		startsAt: e.starts_at,
		organiser: e.organiser_name,
		place: e.place || (e.visio_url ? 'En visio' : ''),
		audience: AUDIENCES[e.audience],
		capacity: e.capacity,
		taken: e.confirmed_count,
		waiting: e.waitlist_count,
		themes: e.themes
	};
}
export type EventSummary = ReturnType<typeof summary>;
