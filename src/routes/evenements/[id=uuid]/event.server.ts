// Shared loading for the pages of one event.
import type { Actor, Database } from '$lib/server/db';
import { getEvent } from '$lib/server/events/events';
import { formatHourMinute, formatRange, formatDay } from '$lib/server/events/format';
import { orHttpError } from '$lib/server/kit/errors';

export async function loadEvent(db: Database, actor: Actor | null, id: string) {
	return orHttpError(getEvent(db, actor, id));
}

/** The programme grouped by day, with the choice groups' sessions side by side. */
export function programme(detail: Awaited<ReturnType<typeof getEvent>>) {
	const groups = new Map(detail.groups.map((g) => [g.id, g.title]));
	return detail.sessions.map((s) => ({
		id: s.id,
		title: s.title,
		description: s.description,
		day: formatDay(s.starts_at),
		time: `${formatHourMinute(s.starts_at)} – ${formatHourMinute(s.ends_at)}`,
		when: formatRange(s.starts_at, s.ends_at),
		room: s.room,
		speakers: s.speakers,
		capacity: s.capacity,
		taken: s.taken,
		groupId: s.choice_group_id,
		groupTitle: s.choice_group_id ? (groups.get(s.choice_group_id) ?? '') : ''
	}));
}
