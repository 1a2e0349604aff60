import { error } from '@sveltejs/kit';
import { z } from 'zod';
import type { Actor, Database } from '$lib/server/db';
import { getBooking } from '$lib/server/guichet/service';
import { orHttpError } from '$lib/server/kit/errors';

/** The booking if the caller may see it (404 otherwise). */
export async function bookingOr404(db: Database, actor: Actor, id: string) {
	if (!z.uuid().safeParse(id).success) error(404, { message: 'Ce rendez-vous est introuvable.' });
	return orHttpError(getBooking(db, actor, id));
}

/** A PostgreSQL tstzrange text (« ["2026-03-03 13:30:00+00","2026-03-03 14:15:00+00") ») as two dates. */
export function parseRange(r: string | null): { start: Date; end: Date } | null {
	if (!r) return null;
	const parts = r.replace(/^[[(]|[\])]$/g, '').split(',').map((p) => p.replace(/"/g, '').trim());
	if (parts.length !== 2) return null;
	const iso = (s: string) => new Date(s.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
	const start = iso(parts[0]);
	const end = iso(parts[1]);
	return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? null : { start, end };
}
