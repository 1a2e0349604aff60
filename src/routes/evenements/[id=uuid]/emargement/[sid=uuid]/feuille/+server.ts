import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { checkinList, getEvent, getSession } from '$lib/server/events/service';
import { emargementPdf } from '$lib/server/events/pdf';
import { pdfResponse } from '$lib/server/events/http';
import { toAppError } from '$lib/server/kit/errors';

/** The printable émargement sheet of a session (organisers). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const fail = (e: unknown) => {
		const err = toAppError(e);
		return error(err.status, { message: err.message });
	};
	const s = await getSession(db, user, event.params.sid).catch(fail);
	const d = await getEvent(db, user, s.event_id).catch(fail);
	const people = await checkinList(db, user, s.id);
	const pdf = await emargementPdf({
		eventTitle: d.event.title,
		organiser: d.event.organiser_name,
		place: d.event.place,
		session: s,
		people: people.map((p) => ({ full_name: p.full_name, org_name: p.org_name, checked_at: p.checked_at }))
	});
	return pdfResponse(pdf, `emargement-${s.title}.pdf`);
};
