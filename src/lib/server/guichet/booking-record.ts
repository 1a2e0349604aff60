// Guichet vert: a booking as the services read it (one select, shared), the e-mails of its changes (with the
// calendar event) and the database refusals a booking change may meet.
import type { Tx } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { notFound } from '$lib/server/kit/errors';
import { MODALITIES, type BookingStatus, type Modality } from '$lib/guichet/labels';
import { formatSlotFr, type Slot } from './slots';
import { bookingEvent, eventToIcs, type IcsEvent } from './ics';

export const SLOT_TAKEN_MESSAGE = "Ce créneau vient d'être réservé. Voici les trois prochains créneaux libres.";
export const DAY_FULL_MESSAGE =
	"L'animateur a atteint son nombre maximal de séances pour cette journée. Voici les trois prochains créneaux libres.";

export function pgCode(e: unknown): { code?: string; constraint?: string } {
	const err = e as { code?: string; constraint_name?: string; constraint?: string };
	return { code: err?.code, constraint: err?.constraint_name ?? err?.constraint };
}

/** The database refused a session beyond the animator's maximum per day (trigger guichet_bookings_max_per_day). */
export function isDayFull(e: unknown): boolean {
	if (e instanceof DayFull) return true;
	return pgCode(e).code === 'P0001' && /guichet_day_full/.test(String((e as Error)?.message ?? ''));
}

/** Checks found the slot taken, or the animator's day full (the database says the same on a race). */
export class SlotTaken extends Error {}
export class DayFull extends Error {}

export const range = (s: Slot) => `[${s.start.toISOString()},${s.end.toISOString()})`;

export interface BookingRow {
	id: string;
	request_id: string;
	network_id: string;
	animator_id: string;
	booker_id: string;
	org_id: string;
	starts_at: Date;
	ends_at: Date;
	modality: Modality;
	status: BookingStatus;
	ical_uid: string;
	sequence: number;
	topic: string;
	animator_name: string;
	animator_email: string;
	booker_name: string;
	booker_email: string;
	location: string | null;
}

/** The booking select; `users` 'left join' keeps bookings whose people the caller may not see (names null). */
export const bookingSelect = (
	users: 'join' | 'left join' = 'join'
) => `select b.id, b.request_id, b.network_id, b.animator_id, b.booker_id, b.org_id, lower(b.during) as starts_at,
	upper(b.during) as ends_at, b.modality, b.status, b.ical_uid, b.sequence, r.topic,
	au.display_name as animator_name, au.email as animator_email, bu.display_name as booker_name, bu.email as booker_email,
	case b.modality when 'visio' then p.visio_url when 'telephone' then p.phone else p.address end as location
	from public.guichet_bookings b
	join public.guichet_requests r on r.id = b.request_id
	${users} public.users au on au.id = b.animator_id
	${users} public.users bu on bu.id = b.booker_id
	left join public.guichet_profiles p on p.network_id = b.network_id and p.animator_id = b.animator_id`;

export const BOOKING_SELECT = bookingSelect();
/** The same, with the caller's side of each booking (app.guichet_booking_side). */
export const withSide = (select: string) =>
	select.replace('select b.id', 'select app.guichet_booking_side(b.id) as side, b.id');

export type SidedBooking = BookingRow & { side: string | null };

export async function loadBooking(tx: Tx, bookingId: string) {
	const [b] = await tx.query<SidedBooking>(`${withSide(BOOKING_SELECT)} where b.id = $1`, [bookingId]);
	if (!b) throw notFound('Ce rendez-vous');
	return b;
}

/** The calendar event of a booking (e-mail attachments, the feed, the session's download). */
export const icsFor = (b: BookingRow, method: IcsEvent['method']): IcsEvent => bookingEvent(b, method, appOrigin());

export async function notify(
	tx: Tx,
	b: BookingRow,
	to: 'animator' | 'booker' | 'both',
	subject: string,
	paragraph: string,
	method: IcsEvent['method']
) {
	const ics = eventToIcs(icsFor(b, method));
	const targets =
		to === 'both' ? [b.animator_email, b.booker_email] : [to === 'animator' ? b.animator_email : b.booker_email];
	for (const address of targets)
		await enqueueEmail(tx, {
			to: address,
			kind: 'guichet_booking',
			subject: `Guichet vert : ${subject}`,
			...renderEmail({
				paragraphs: [
					paragraph,
					`Séance : ${formatSlotFr({ start: new Date(b.starts_at), end: new Date(b.ends_at) })} (${MODALITIES[b.modality]}).`
				],
				action: { label: 'Voir le rendez-vous', url: `${appOrigin()}/guichet/seance/${b.id}` }
			}),
			attachments: [
				{ filename: 'guichet-vert.ics', contentType: `text/calendar; charset=utf-8; method=${method}`, content: ics }
			]
		});
}
