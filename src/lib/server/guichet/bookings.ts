// Guichet vert sessions: booking without double booking (the exclusion constraints of guichet_bookings are the
// guarantee; the checks here give clear messages and the next free slots), confirming, cancelling, moving.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { AppError, forbidden, guard, notFound, toAppError } from '$lib/server/kit/errors';
import type { BookingStatus, Modality } from '$lib/guichet/labels';
import { blockedRange, isBookable } from './slots';
import { requireBuyerOrg, requireGuichet } from './access';
import { bookingRules, cancelRules, invalid, parseInput, rescheduleRules } from './input';
import { loadBusy, loadProfiles, nextSlots, type LoadedProfile } from './availability';
import { readSettings, type GuichetSettings } from './settings';
import { insertRequest, type RequestInput } from './requests';
import {
	DAY_FULL_MESSAGE,
	DayFull,
	SLOT_TAKEN_MESSAGE,
	SlotTaken,
	bookingSelect,
	icsFor,
	isDayFull,
	loadBooking,
	notify,
	pgCode,
	range,
	withSide,
	type SidedBooking
} from './booking-record';
import { eventToIcs } from './ics';

const MINUTE = 60_000;
const NBSP = '\u00a0';

export interface BookingInput extends Omit<RequestInput, 'animatorId'> {
	animatorId: string | 'any';
	start: Date | string;
	modality: Modality;
	/** For tests and benchmarks: the current instant. */
	now?: Date;
}

/**
 * Books a session. Exactly one of several concurrent attempts on one slot wins (exclusion constraint); the
 * others get AppError 409 `slot_taken` with `details.nextSlots` (the next three free slots).
 */
export async function bookSession(
	db: Database,
	actor: Actor,
	input: BookingInput
): Promise<{ id: string; status: BookingStatus; animatorId: string }> {
	const { start, modality } = parseInput(bookingRules, input);
	const now = input.now ?? new Date();
	try {
		return await withUser(db, actor, async (tx) => {
			// Outside the network's guichet: as if it did not exist. Then who may book for this collectivité comes
			// before whether an animator has opened slots or the slot is free: nobody learns about the agenda by
			// probing it in another collectivité's name.
			await requireGuichet(tx, input.networkId, 'Le guichet de ce réseau');
			await requireBuyerOrg(tx, input.networkId, input.orgId);
			const profiles = await loadProfiles(tx, input.networkId, input.animatorId);
			if (!profiles.length) throw notFound(input.animatorId === 'any' ? 'Le guichet de ce réseau' : 'Cet animateur');
			const probe = { start, end: new Date(start.getTime() + 1) };
			const { busy, monthly } = await loadBusy(
				tx,
				profiles.map((p) => p.animator_id),
				probe.start,
				probe.start,
				now
			);
			let firstReason: string | null = null;
			let taken = false;
			let dayFull = false;
			const candidates: LoadedProfile[] = [];
			for (const p of profiles) {
				const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
				const ok = isBookable(p.rules, busy.get(p.animator_id) ?? [], slot, now);
				if (ok.ok) {
					if (p.modalities.includes(modality)) candidates.push(p);
					else firstReason ??= "L'animateur ne propose pas cette modalité.";
					continue;
				}
				// Free but for the daily maximum, or free without the other sessions (someone else took it).
				if (isBookable({ ...p.rules, maxPerDay: null }, busy.get(p.animator_id) ?? [], slot, now).ok) dayFull = true;
				else if (isBookable(p.rules, [], slot, now).ok) taken = true;
				else firstReason ??= ok.reason;
			}
			if (!candidates.length) {
				if (taken) throw new SlotTaken();
				if (dayFull) throw new DayFull();
				throw invalid(firstReason ?? "Ce créneau n'est pas disponible.", 'start');
			}
			candidates.sort(
				(a, b) =>
					(monthly.get(a.animator_id) ?? 0) - (monthly.get(b.animator_id) ?? 0) ||
					a.animator_id.localeCompare(b.animator_id)
			);
			const p = candidates[0];
			const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
			const req = await insertRequest(tx, 'session', { ...input, animatorId: p.animator_id });
			const status: BookingStatus = p.confirmation_mode === 'auto' ? 'confirmed' : 'pending';
			const [row] = await tx.query<{ id: string }>(
				`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
				 values ($1, $2, $3, auth.uid(), $4, $5::tstzrange, $6::tstzrange, $7, $8) returning id`,
				[
					req.id,
					input.networkId,
					p.animator_id,
					req.orgId,
					range(slot),
					range(blockedRange(p.rules, slot)),
					modality,
					status
				]
			);
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action, new_during) values ($1, auth.uid(), 'created', $2::tstzrange)`,
				[row.id, range(slot)]
			);
			const b = await loadBooking(tx, row.id);
			if (status === 'confirmed')
				await notify(tx, b, 'both', 'rendez-vous confirmé', 'Le rendez-vous suivant est confirmé.', 'REQUEST');
			else {
				await notify(
					tx,
					b,
					'animator',
					'rendez-vous à confirmer',
					'Une collectivité demande un rendez-vous : merci de le confirmer.',
					'REQUEST'
				);
				await notify(
					tx,
					b,
					'booker',
					'demande de rendez-vous enregistrée',
					"Votre demande est enregistrée ; l'animateur doit la confirmer.",
					'REQUEST'
				);
			}
			return { id: row.id, status, animatorId: p.animator_id };
		});
	} catch (e) {
		const { code, constraint } = pgCode(e);
		if (code === '23P01' && constraint === 'guichet_bookings_no_booker_overlap')
			throw new AppError('booker_overlap', 'Vous avez déjà un rendez-vous qui chevauche ce créneau.', 409);
		if (isDayFull(e))
			throw new AppError('day_full', DAY_FULL_MESSAGE, 409, {
				nextSlots: await nextSlots(db, actor, input.networkId, input.animatorId, start, now)
			});
		if (e instanceof SlotTaken || code === '23P01')
			throw new AppError('slot_taken', SLOT_TAKEN_MESSAGE, 409, {
				nextSlots: await nextSlots(db, actor, input.networkId, input.animatorId, start, now)
			});
		throw toAppError(e);
	}
}

export async function confirmBooking(db: Database, actor: Actor, bookingId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			if (b.side !== 'animator') throw forbidden('Seuls les animateurs du réseau confirment un rendez-vous.');
			if (b.status !== 'pending')
				throw new AppError('transition_not_allowed', "Ce rendez-vous n'est pas en attente de confirmation.", 409);
			await tx.query(
				`update public.guichet_bookings set status = 'confirmed', sequence = sequence + 1, updated_at = now() where id = $1`,
				[bookingId]
			);
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action) values ($1, auth.uid(), 'confirmed')`,
				[bookingId]
			);
			await notify(
				tx,
				await loadBooking(tx, bookingId),
				'booker',
				'rendez-vous confirmé',
				"L'animateur a confirmé votre rendez-vous.",
				'REQUEST'
			);
		})
	);
}

function changeAllowed(b: SidedBooking, settings: GuichetSettings, kind: 'cancel' | 'reschedule', now: Date) {
	if (b.side !== 'animator' && b.side !== 'booker') throw forbidden();
	if (b.status !== 'pending' && b.status !== 'confirmed')
		throw new AppError('transition_not_allowed', 'Ce rendez-vous ne peut plus être modifié.', 409);
	if (b.side === 'booker') {
		const allowed = kind === 'cancel' ? settings.buyerMayCancel : settings.buyerMayReschedule;
		if (!allowed)
			throw forbidden(
				`Le réseau ne permet pas aux collectivités ${kind === 'cancel' ? "d'annuler" : 'de déplacer'} un rendez-vous : contactez l'animateur.`
			);
		const notice = kind === 'cancel' ? settings.cancelMinNoticeMinutes : settings.rescheduleMinNoticeMinutes;
		if (new Date(b.starts_at).getTime() - now.getTime() < notice * MINUTE)
			throw new AppError(
				'too_late',
				`Il est trop tard pour ${kind === 'cancel' ? 'annuler' : 'déplacer'} ce rendez-vous en ligne (délai minimal : ${Math.round(notice / 60)}${NBSP}h) : contactez l'animateur.`,
				409
			);
	}
}

export async function cancelBooking(
	db: Database,
	actor: Actor,
	bookingId: string,
	reason: string,
	opts: { now?: Date } = {}
) {
	const why = parseInput(cancelRules, { reason }).reason;
	const now = opts.now ?? new Date();
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			changeAllowed(b, await readSettings(tx, b.network_id), 'cancel', now);
			await tx.query(
				`update public.guichet_bookings set status = 'cancelled', sequence = sequence + 1, updated_at = now() where id = $1`,
				[bookingId]
			);
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during)
				 select $1, auth.uid(), 'cancelled', $2, during from public.guichet_bookings where id = $1`,
				[bookingId, why]
			);
			await tx.query(`update public.guichet_requests set status = 'closed', closed_at = now() where id = $1`, [
				b.request_id
			]);
			const other = b.side === 'animator' ? 'booker' : 'animator';
			await notify(
				tx,
				await loadBooking(tx, bookingId),
				other,
				'rendez-vous annulé',
				`Le rendez-vous a été annulé. Motif : ${why}`,
				'CANCEL'
			);
		})
	);
}

export async function rescheduleBooking(
	db: Database,
	actor: Actor,
	bookingId: string,
	input: { start: Date | string; reason: string; now?: Date }
) {
	const { reason: why, start } = parseInput(rescheduleRules, input);
	const now = input.now ?? new Date();
	let ctx: { networkId: string; animatorId: string } | null = null;
	try {
		return await withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			ctx = { networkId: b.network_id, animatorId: b.animator_id };
			changeAllowed(b, await readSettings(tx, b.network_id), 'reschedule', now);
			const [p] = await loadProfiles(tx, b.network_id, b.animator_id, false);
			if (!p) throw notFound('Le profil de cet animateur');
			const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
			const { busy } = await loadBusy(tx, [b.animator_id], start, start, now, bookingId);
			const ok = isBookable(p.rules, busy.get(b.animator_id) ?? [], slot, now);
			if (!ok.ok) {
				if (isBookable({ ...p.rules, maxPerDay: null }, busy.get(b.animator_id) ?? [], slot, now).ok)
					throw new DayFull();
				if (isBookable(p.rules, [], slot, now).ok) throw new SlotTaken();
				throw invalid(ok.reason, 'start');
			}
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during, new_during)
				 select $1, auth.uid(), 'rescheduled', $2, during, $3::tstzrange from public.guichet_bookings where id = $1`,
				[bookingId, why, range(slot)]
			);
			await tx.query(
				`update public.guichet_bookings set during = $2::tstzrange, blocked = $3::tstzrange, sequence = sequence + 1, updated_at = now() where id = $1`,
				[bookingId, range(slot), range(blockedRange(p.rules, slot))]
			);
			const other = b.side === 'animator' ? 'booker' : 'animator';
			await notify(
				tx,
				await loadBooking(tx, bookingId),
				other,
				'rendez-vous déplacé',
				`Le rendez-vous a été déplacé. Motif : ${why}`,
				'REQUEST'
			);
		});
	} catch (e) {
		const { code, constraint } = pgCode(e);
		if (code === '23P01' && constraint === 'guichet_bookings_no_booker_overlap')
			throw new AppError('booker_overlap', 'La collectivité a déjà un rendez-vous qui chevauche ce créneau.', 409);
		if (isDayFull(e) && ctx) {
			const c = ctx as { networkId: string; animatorId: string };
			throw new AppError('day_full', DAY_FULL_MESSAGE, 409, {
				nextSlots: await nextSlots(db, actor, c.networkId, c.animatorId, start, now)
			});
		}
		if ((e instanceof SlotTaken || code === '23P01') && ctx) {
			const c = ctx as { networkId: string; animatorId: string };
			throw new AppError('slot_taken', SLOT_TAKEN_MESSAGE, 409, {
				nextSlots: await nextSlots(db, actor, c.networkId, c.animatorId, start, now)
			});
		}
		throw toAppError(e);
	}
}

export async function getBooking(db: Database, actor: Actor, bookingId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			const events = await tx.query<{
				action: string;
				reason: string;
				actor_id: string;
				old_during: string | null;
				new_during: string | null;
				created_at: Date;
			}>(
				`select action, reason, actor_id, old_during::text, new_during::text, created_at from public.guichet_booking_events
				  where booking_id = $1 order by created_at, id`,
				[bookingId]
			);
			const history = events.map((h) => ({
				...h,
				old_range: parseRange(h.old_during),
				new_range: parseRange(h.new_during)
			}));
			const [report] = await tx.query(
				`select advice, resource_ids, next_steps, created_at from public.guichet_reports where booking_id = $1`,
				[bookingId]
			);
			const [survey] = await tx.query(
				`select rating, comment, created_at from public.guichet_surveys where booking_id = $1`,
				[bookingId]
			);
			return { ...b, history, report: report ?? null, survey: survey ?? null };
		})
	);
}

/** The bookings the caller made or animates in a network, the furthest first (the API). */
export async function listMyBookings(db: Database, actor: Actor, networkId: string): Promise<SidedBooking[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireGuichet(tx, networkId);
			return tx.query<SidedBooking>(
				`${withSide(bookingSelect('left join'))}
				  where b.network_id = $1 and (b.booker_id = auth.uid() or b.animator_id = auth.uid())
				  order by lower(b.during) desc, b.id`,
				[networkId]
			);
		})
	);
}

/** The calendar file of one session, for the booker and the animator only. */
export async function bookingCalendarFile(db: Database, actor: Actor, bookingId: string): Promise<string> {
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			if (b.side !== 'booker' && b.side !== 'animator')
				throw forbidden(
					'Seules la personne qui a réservé et l’animatrice ou l’animateur peuvent télécharger ce rendez-vous.'
				);
			return eventToIcs(icsFor(b, b.status === 'cancelled' ? 'CANCEL' : 'REQUEST'));
		})
	);
}

/** A PostgreSQL tstzrange text (« ["2026-03-03 13:30:00+00","2026-03-03 14:15:00+00") ») as two dates. */
export function parseRange(r: string | null): { start: Date; end: Date } | null {
	if (!r) return null;
	const parts = r
		.replace(/^[[(]|[\])]$/g, '')
		.split(',')
		.map((p) => p.replace(/"/g, '').trim());
	if (parts.length !== 2) return null;
	const iso = (s: string) => new Date(s.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
	const start = iso(parts[0]);
	const end = iso(parts[1]);
	return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? null : { start, end };
}
