// Wording of the refusals of the events rules: the exceptions raised by the security-definer functions of the
// migration (capacity, waiting list, audience, check-in window…) and the organiser check. The SQL decides; this
// file only says it in French.
import type { Tx } from '../db';
import { config } from '$lib/server/kit/config';
import { AppError, notFound } from '$lib/server/kit/errors';
import { log } from '$lib/server/kit/log';
import { formatDay, formatHourMinute } from './format';

const ERRORS: Record<string, [number, string]> = {
	event_not_found: [404, "Cet événement n'existe pas ou vous n'y avez pas accès."],
	event_not_open: [409, 'Les inscriptions à cet événement ne sont pas ouvertes.'],
	not_allowed: [
		403,
		"Vous ne pouvez inscrire que vous-même, ou les collègues d'une collectivité dont vous êtes administrateur."
	],
	not_a_member: [400, "Cette personne n'est pas membre de la collectivité choisie."],
	not_in_audience: [403, 'Cet événement est réservé à un autre public (membres du réseau organisateur).'],
	already_registered: [409, 'Cette personne est déjà inscrite à cet événement.'],
	invalid_choices: [400, 'Choisissez un atelier dans chaque groupe de choix.'],
	org_limit: [409, "Votre collectivité a atteint le nombre maximal d'inscrits fixé par l'organisateur."],
	full: [
		409,
		"Plus de place disponible : augmentez la capacité de l'événement ou de l'atelier pour accueillir cette personne."
	],
	registration_not_found: [404, "Cette inscription n'existe pas ou vous n'y avez pas accès."],
	registration_act_not_allowed: [
		403,
		"Vous ne pouvez plus agir sur l'inscription d'un collègue\u00a0: il faut être administrateur ou rédacteur de sa collectivité."
	],
	already_cancelled: [409, 'Cette inscription est déjà annulée.'],
	offer_not_available: [409, "Cette proposition de place n'est plus valable (délai dépassé ou déjà traitée)."],
	session_not_found: [404, "Cette séance n'existe pas ou vous n'en êtes pas organisateur."],
	not_registered_for_session: [409, "Cette personne n'est pas inscrite (confirmée) à cette séance."],
	checkin_not_open: [409, "Le pointage de cette séance n'est pas encore ouvert."],
	checkin_closed: [409, 'Le pointage de cette séance est clos (sept jours après sa fin).'],
	event_not_ended: [409, "L'événement n'est pas terminé : les absences se constatent après sa fin."]
};

/** « Le pointage ouvre le jeudi 21 janvier 2027 à 00 h 00. » */
export function checkinOpensMessage(opensAt: Date): string {
	return `Le pointage ouvre le ${formatDay(opensAt)} à ${formatHourMinute(opensAt)}.`;
}

/** The events' own database refusals as French AppErrors (passed to kit's `guard`); null: not one of ours. */
export function eventErrors(e: unknown): AppError | null {
	const err = e as { code?: string; message?: string };
	if (err?.code === 'P0001' && err.message && err.message in ERRORS) {
		const [status, message] = ERRORS[err.message];
		const detail = (e as { detail?: string }).detail;
		if (err.message === 'checkin_not_open' && detail && !Number.isNaN(Date.parse(detail)))
			return new AppError(err.message, checkinOpensMessage(new Date(detail)), status, { opensAt: detail });
		return new AppError(err.message, message, status);
	}
	if (config.debugEvents) log.error('events: unexpected database error', { error: String((e as Error)?.stack ?? e) });
	return null;
}

export async function isOrganiser(tx: Tx, eventId: string): Promise<boolean> {
	const [r] = await tx.query<{ ok: boolean }>('select app.event_is_organiser($1) as ok', [eventId]);
	return !!r?.ok;
}

/** Organisers only; anyone else is told the event (or session) does not exist. */
export async function requireOrganiser(tx: Tx, eventId: string | undefined, what = 'Cet événement'): Promise<void> {
	if (!eventId || !(await isOrganiser(tx, eventId))) throw notFound(what);
}
