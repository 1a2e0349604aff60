// Guichet vert, after the session: the animator's report (or the no-show) and the booker's survey.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, guard } from '$lib/server/kit/errors';
import { parseInput, reportRules, surveyRules } from './input';
import { loadBooking } from './booking-record';

export async function writeReport(
	db: Database,
	actor: Actor,
	bookingId: string,
	input: { advice: string; resourceIds?: string[]; nextSteps?: string; outcome: 'done' | 'no_show' }
) {
	const { advice, nextSteps } = parseInput(reportRules, input);
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			if (b.side !== 'animator') throw forbidden('Seuls les animateurs du réseau rédigent le compte-rendu.');
			if (b.status === 'cancelled' || b.status === 'pending')
				throw new AppError('transition_not_allowed', "Ce rendez-vous n'a pas eu lieu : pas de compte-rendu.", 409);
			await tx.query(
				`insert into public.guichet_reports (booking_id, author_id, advice, resource_ids, next_steps) values ($1, auth.uid(), $2, $3, $4)
				 on conflict (booking_id) do update set advice = excluded.advice, resource_ids = excluded.resource_ids,
				   next_steps = excluded.next_steps, updated_at = now()`,
				[bookingId, advice, (input.resourceIds ?? []).map(String), nextSteps]
			);
			if (b.status !== input.outcome) {
				await tx.query(`update public.guichet_bookings set status = $2, updated_at = now() where id = $1`, [
					bookingId,
					input.outcome
				]);
				await tx.query(
					`insert into public.guichet_booking_events (booking_id, actor_id, action) values ($1, auth.uid(), $2)`,
					[bookingId, input.outcome]
				);
			}
			await tx.query(
				`update public.guichet_requests set status = 'closed', closed_at = coalesce(closed_at, now()), answered_at = coalesce(answered_at, now()) where id = $1`,
				[b.request_id]
			);
			if (input.outcome === 'done')
				await enqueueEmail(tx, {
					to: b.booker_email,
					kind: 'guichet_report',
					subject: 'Guichet vert : compte-rendu de votre séance',
					...renderEmail({
						paragraphs: [
							`L'animateur a rédigé le compte-rendu de la séance « ${b.topic} ».`,
							'Donnez-nous votre avis en une minute : votre réponse aide le réseau à améliorer le guichet.'
						],
						action: {
							label: 'Lire le compte-rendu et répondre au questionnaire',
							url: `${appOrigin()}/guichet/seance/${b.id}`
						}
					})
				});
		})
	);
}

export async function answerSurvey(
	db: Database,
	actor: Actor,
	bookingId: string,
	input: { rating: number; comment?: string }
) {
	const { comment } = parseInput(surveyRules, input);
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			// The survey is the booker's own opinion: answered whatever their role has become since.
			if (b.booker_id !== actor.id) throw forbidden('Seule la personne qui a réservé répond au questionnaire.');
			if (b.status !== 'done')
				throw new AppError('transition_not_allowed', "Le questionnaire s'ouvre après la séance.", 409);
			const rows = await tx.query(
				`insert into public.guichet_surveys (booking_id, respondent_id, rating, comment) values ($1, auth.uid(), $2, $3)
				 on conflict (booking_id) do nothing returning booking_id`,
				[bookingId, input.rating, comment]
			);
			if (!rows.length)
				throw new AppError('already_answered', 'Vous avez déjà répondu à ce questionnaire. Merci !', 409);
		})
	);
}
