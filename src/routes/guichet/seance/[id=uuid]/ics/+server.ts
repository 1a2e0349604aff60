import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { eventToIcs } from '$lib/server/guichet/ics';
import { MODALITIES } from '$lib/server/guichet/service';
import { bookingOr404 } from '../booking.server';

// The calendar file of one session, for the booker and the animator only.
export const GET: RequestHandler = async ({ locals, params, url }) => {
	const user = locals.user;
	if (!user) error(401, { message: 'Connectez-vous pour télécharger ce rendez-vous.' });
	const db = await getDb();
	const b = await bookingOr404(db, user, params.id);
	if (b.side !== 'booker' && b.side !== 'animator') error(403, { message: 'Seules la personne qui a réservé et l’animatrice ou l’animateur peuvent télécharger ce rendez-vous.' });
	const ics = eventToIcs({
		uid: b.ical_uid,
		sequence: b.sequence,
		method: b.status === 'cancelled' ? 'CANCEL' : 'REQUEST',
		status: b.status === 'cancelled' ? 'CANCELLED' : b.status === 'pending' ? 'TENTATIVE' : 'CONFIRMED',
		start: new Date(b.starts_at),
		end: new Date(b.ends_at),
		stamp: new Date(),
		summary: `Guichet vert : ${b.topic}`,
		description: `Séance de conseil du Guichet vert (${MODALITIES[b.modality]}).`,
		location: b.location ?? undefined,
		url: `${url.origin}/guichet/seance/${b.id}`,
		organizer: { name: b.animator_name, email: b.animator_email },
		attendees: [{ name: b.booker_name, email: b.booker_email }]
	});
	return new Response(ics, {
		headers: {
			'content-type': 'text/calendar; charset=utf-8',
			'content-disposition': 'attachment; filename="guichet-vert.ics"',
			'cache-control': 'private, no-store'
		}
	});
};
