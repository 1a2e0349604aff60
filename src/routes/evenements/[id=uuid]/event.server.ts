// Shared loading for the pages of one event.
import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actor, Database } from '$lib/server/db';
import { getEvent } from '$lib/server/events/service';
import { formatHourMinute, formatRange, formatDay } from '$lib/server/events/format';
import { toAppError } from '$lib/server/kit/errors';

export async function loadEvent(db: Database, actor: Actor | null, id: string) {
	if (!z.uuid().safeParse(id).success) error(404, { message: "Cet événement n'existe pas ou vous n'y avez pas accès." });
	try {
		return await getEvent(db, actor, id);
	} catch (e) {
		const err = toAppError(e);
		error(err.status, { message: err.message, code: err.code });
	}
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
