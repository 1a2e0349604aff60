// What events tell people by e-mail (queued in the same transaction as the action): confirmation with the
// calendar invitation and the QR code, waiting list, offers of a freed place. And the calendar entry of an event.
import type { Tx } from '../db';
import { elevated } from '../db';
import { enqueueEmail, renderEmail } from '../email/outbox';
import type { IcsEvent } from '../guichet/ics';
import { eventToIcs } from '../guichet/ics';
import { EVENT_KINDS } from '$lib/events/labels';
import { formatDay, formatHourMinute, formatRange } from './format';
import {
	REG_SELECT,
	eventUrl,
	registrationUrl,
	selectEvent,
	sessionsFor,
	type EventRow,
	type RegistrationRow,
	type SessionRow
} from './model';
import { qrSvg } from './qr';

async function eventForMail(tx: Tx, eventId: string) {
	return elevated(tx, async (t) => {
		const event = (await selectEvent(t, eventId))!;
		const sessions = await t.query<SessionRow>(
			`select s.*, 0 as taken from public.event_sessions s where s.event_id = $1 order by s.starts_at`,
			[eventId]
		);
		return { event, sessions };
	});
}

function locationOf(e: Pick<EventRow, 'place' | 'visio_url'>) {
	return [e.place, e.visio_url].filter(Boolean).join(' — ');
}

export function icsOf(e: EventRow, method: IcsEvent['method'], attendee?: { name: string; email: string }): IcsEvent {
	return {
		uid: e.ical_uid,
		sequence: e.sequence,
		method,
		status: method === 'CANCEL' || e.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED',
		start: e.starts_at,
		end: e.ends_at,
		stamp: new Date(),
		summary: e.title,
		description: `${EVENT_KINDS[e.kind]} organisé par ${e.organiser_name}.\n${eventUrl(e.id)}`,
		location: locationOf(e) || undefined,
		url: eventUrl(e.id),
		attendees: attendee?.email ? [attendee] : undefined
	};
}

async function sendRegistrationMail(tx: Tx, reg: RegistrationRow) {
	if (!reg.email) return;
	const { event, sessions } = await eventForMail(tx, reg.event_id);
	const programme = sessionsFor(sessions, reg.choices).map(
		(s) => `• ${formatRange(s.starts_at, s.ends_at)} : ${s.title}${s.room ? ` (${s.room})` : ''}`
	);
	const url = registrationUrl(reg.event_id, reg.id);
	if (reg.status === 'confirmed') {
		const body = renderEmail({
			greeting: `Bonjour ${reg.full_name},`,
			paragraphs: [
				`Votre inscription à « ${event.title} » est confirmée (${formatRange(event.starts_at, event.ends_at)}).`,
				...(locationOf(event) ? [`Lieu : ${locationOf(event)}`] : []),
				...(programme.length ? [`Votre programme :\n${programme.join('\n')}`] : []),
				"Présentez le QR code joint (ou celui de la page de votre inscription) à l'accueil.",
				"Si vous ne pouvez plus venir, annulez votre inscription depuis cette page : votre place ira à la personne suivante sur la liste d'attente."
			],
			action: { label: 'Mon inscription (QR code, annulation)', url }
		});
		await enqueueEmail(tx, {
			to: reg.email,
			subject: `Inscription confirmée : ${event.title}`,
			...body,
			kind: 'event_registration',
			attachments: [
				{
					filename: 'evenement.ics',
					contentType: 'text/calendar; charset=utf-8; method=REQUEST',
					content: eventToIcs(icsOf(event, 'REQUEST', { name: reg.full_name, email: reg.email }))
				},
				{ filename: 'qr-code-inscription.svg', contentType: 'image/svg+xml', content: await qrSvg(reg.checkin_code) }
			]
		});
	} else if (reg.status === 'waitlisted') {
		const body = renderEmail({
			greeting: `Bonjour ${reg.full_name},`,
			paragraphs: [
				`L'événement « ${event.title} » est complet pour vos choix : vous êtes sur la liste d'attente.`,
				`Dès qu'une place se libère, nous vous l'enverrons par e-mail ; vous aurez ${event.offer_hours} heures pour l'accepter.`
			],
			action: { label: 'Mon inscription', url }
		});
		await enqueueEmail(tx, {
			to: reg.email,
			subject: `Liste d'attente : ${event.title}`,
			...body,
			kind: 'event_waitlist'
		});
	}
}

/** Sends the time-limited offer e-mails (accept / decline links) for these registrations. */
export async function notifyOffers(tx: Tx, ids: (string | null)[], elevate = true) {
	const list = ids.filter((x): x is string => !!x);
	if (!list.length) return;
	const run = async (t: Tx) => {
		const regs = await t.query<RegistrationRow & { title: string; starts_at: Date; ends_at: Date }>(
			`select r.id, r.event_id, r.full_name, r.email, r.offer_expires_at, e.title, e.starts_at, e.ends_at
			   from public.event_registrations r join public.events e on e.id = r.event_id where r.id = any ($1::uuid[])`,
			[list]
		);
		for (const r of regs) {
			if (!r.email) continue;
			const url = registrationUrl(r.event_id, r.id);
			const until = r.offer_expires_at
				? `${formatDay(r.offer_expires_at)} à ${formatHourMinute(r.offer_expires_at)}`
				: '';
			const body = renderEmail({
				greeting: `Bonjour ${r.full_name},`,
				paragraphs: [
					`Une place s'est libérée pour « ${r.title} » (${formatRange(r.starts_at, r.ends_at)}).`,
					`Elle vous est réservée jusqu'au ${until} : acceptez-la ou déclinez-la depuis la page de votre inscription. Sans réponse, elle sera proposée à la personne suivante.`,
					`Accepter : ${url}?reponse=accepter`,
					`Décliner : ${url}?reponse=decliner`
				]
			});
			await enqueueEmail(
				t,
				{ to: r.email, subject: `Une place vous attend : ${r.title}`, ...body, kind: 'event_offer' },
				{ elevate: false }
			);
		}
	};
	await (elevate ? elevated(tx, run) : run(tx));
}

/** The registration as read back after an action, then its e-mail. */
export async function mailRegistration(tx: Tx, id: string): Promise<RegistrationRow> {
	const [reg] = await tx.query<RegistrationRow>(`${REG_SELECT} where r.id = $1`, [id]);
	await sendRegistrationMail(tx, reg);
	return reg;
}
