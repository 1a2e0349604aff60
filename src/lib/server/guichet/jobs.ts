// Guichet vert reminders: the day before each confirmed session, one e-mail to the buyer and one to the
// animator, with the event (ICS). Safe with several app instances: due bookings are claimed with
// FOR UPDATE SKIP LOCKED and marked (reminder_sent_at) in the same transaction that queues the mails, so a
// reminder is queued exactly once; moving a session clears the mark (trigger), so it is reminded again.
// A session booked, confirmed or moved less than a day before it starts gets no reminder: the e-mail of that
// change (with the event) has just been sent.
import type { Database } from '../db';
import { asService } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { log } from '$lib/server/kit/log';
import { eventToIcs } from './ics';
import { BOOKING_SELECT, icsFor, type BookingRow } from './booking-record';
import { MODALITIES } from '$lib/guichet/labels';
import { formatSlotFr } from './slots';
import { startJob } from '$lib/server/kit/jobs';

/** How long before a session its reminder becomes due. */
export const REMINDER_LEAD_HOURS = 24;
const BATCH = 50;

/** Queues the reminders now due; returns how many bookings were reminded. */
export async function sendDueReminders(db: Database, opts: { now?: Date } = {}): Promise<number> {
	const now = opts.now ?? new Date();
	return asService(db, 'guichet reminders', async (tx) => {
		const claimed = await tx.query<{ id: string }>(
			`update public.guichet_bookings b set reminder_sent_at = $1
			  where b.id in (select id from public.guichet_bookings
			                  where status = 'confirmed' and reminder_sent_at is null
			                    and lower(during) > $1 and lower(during) <= $1::timestamptz + make_interval(hours => $2)
			                    -- booked, confirmed or moved within the window: its own e-mail (with the event) just went out
			                    and updated_at <= lower(during) - make_interval(hours => $2)
			                  order by lower(during) limit ${BATCH} for update skip locked)
			    and b.reminder_sent_at is null
			 returning b.id`,
			[now, REMINDER_LEAD_HOURS]
		);
		if (!claimed.length) return 0;
		const rows = await tx.query<BookingRow>(
			`${BOOKING_SELECT} where b.id = any ($1::uuid[]) order by lower(b.during)`,
			[claimed.map((c) => c.id)]
		);
		for (const b of rows) {
			const ics = eventToIcs(icsFor(b, 'REQUEST'));
			const when = formatSlotFr({ start: new Date(b.starts_at), end: new Date(b.ends_at) });
			const where = b.location ? ` — ${b.location}` : '';
			for (const [to, other] of [
				[b.booker_email, `avec ${b.animator_name}`],
				[b.animator_email, `avec ${b.booker_name}`]
			] as const)
				await enqueueEmail(
					tx,
					{
						to,
						kind: 'guichet_reminder',
						subject: `Guichet vert : rappel de votre rendez-vous « ${b.topic} »`,
						...renderEmail({
							paragraphs: [
								`Pour rappel, votre séance du Guichet vert ${other} a lieu ${when}.`,
								`Modalité : ${MODALITIES[b.modality]}${where}.`
							],
							action: { label: 'Voir le rendez-vous', url: `${appOrigin()}/guichet/seance/${b.id}` }
						}),
						attachments: [
							{
								filename: 'guichet-vert.ics',
								contentType: 'text/calendar; charset=utf-8; method=REQUEST',
								content: ics
							}
						]
					},
					{ elevate: false }
				);
		}
		return rows.length;
	});
}

/** Runs the reminder job every `intervalMs` on this instance (other instances may run it too). */
export function startGuichetReminders(db: Database, intervalMs = 5 * 60_000): () => Promise<void> {
	const job = startJob(
		'guichet reminders',
		async () => {
			const n = await sendDueReminders(db);
			if (n) log.info('guichet reminders queued', { bookings: n });
		},
		{ intervalMs }
	);
	return job.stop;
}
