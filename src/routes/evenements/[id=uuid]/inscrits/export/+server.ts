import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { getEvent, listRegistrations } from '$lib/server/events/service';
import { toCsv, toXlsx } from '$lib/server/events/figures';
import { fileResponse } from '$lib/server/events/http';
import { REGISTRATION_STATUSES } from '$lib/schemas/events';
import { toAppError } from '$lib/server/kit/errors';

/** Registrations of an event as CSV or XLSX (organisers). */
export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const d = await getEvent(db, user, event.params.id).catch((e) => error(toAppError(e).status, { message: toAppError(e).message }));
	if (!d.isOrganiser) error(403, { message: "Seuls les organisateurs de l'événement peuvent exporter les inscrits." });
	const regs = await listRegistrations(db, user, d.event.id);
	const titles = new Map(d.sessions.map((s) => [s.id, s.title]));
	const header = ['Nom', 'E-mail', 'Collectivité', 'Statut', 'Ateliers', 'Sur place', 'Absent', 'Inscrit le'];
	const rows = regs.map((r) => [
		r.full_name,
		r.email,
		r.org_name ?? '',
		REGISTRATION_STATUSES[r.status],
		r.choices.map((c) => titles.get(c) ?? '').join(', '),
		r.walk_in ? 'oui' : 'non',
		r.no_show ? 'oui' : 'non',
		r.created_at.toISOString()
	]);
	const base = `inscrits-${d.event.title}`;
	if (event.url.searchParams.get('format') === 'xlsx')
		return fileResponse(await toXlsx([{ name: 'Inscrits', header, rows }]), `${base}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
	return fileResponse(toCsv(header, rows), `${base}.csv`, 'text/csv; charset=utf-8');
};
