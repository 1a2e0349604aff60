import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { eventForCertificates } from '$lib/server/events/service';
import { certificatesPdf } from '$lib/server/events/pdf';
import { EVENT_KINDS } from '$lib/schemas/events';
import { toAppError } from '$lib/server/kit/errors';
import { pdfResponse } from '$lib/server/events/http';

/** The participant's attestation de présence (only what they attended). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const data = await eventForCertificates(db, user, event.params.id, event.params.rid).catch((e) => {
		const err = toAppError(e);
		error(err.status, { message: err.message });
	});
	if (!data.rows.length) error(404, { message: "Aucune présence n'est enregistrée pour cette inscription : pas d'attestation pour l'instant." });
	const e = data.event;
	const pdf = await certificatesPdf({ eventTitle: e.title, eventKind: EVENT_KINDS[e.kind], organiser: e.organiser_name, starts_at: e.starts_at, ends_at: e.ends_at, place: e.place, people: data.rows });
	return pdfResponse(pdf, `attestation-${data.rows[0].full_name}.pdf`);
};
