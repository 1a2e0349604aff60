import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { eventForCertificates } from '$lib/server/events/service';
import { certificatesPdf } from '$lib/server/events/pdf';
import { pdfResponse } from '$lib/server/events/http';
import { EVENT_KINDS } from '$lib/schemas/events';
import { toAppError } from '$lib/server/kit/errors';

/** Every attestation de présence of the event, one page per person (organisers). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const data = await eventForCertificates(await getDb(), user, event.params.id).catch((e) => {
		const err = toAppError(e);
		error(err.status, { message: err.message });
	});
	const e = data.event;
	const pdf = await certificatesPdf({ eventTitle: e.title, eventKind: EVENT_KINDS[e.kind], organiser: e.organiser_name, starts_at: e.starts_at, ends_at: e.ends_at, place: e.place, people: data.rows });
	return pdfResponse(pdf, `attestations-${e.title}.pdf`);
};
