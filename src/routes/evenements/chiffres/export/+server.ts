import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getDb, withUser } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { networkFigures, orgFigures, ORG_COLUMNS, orgRowsForExport, toCsv, toXlsx } from '$lib/server/events/figures';
import { fileResponse } from '$lib/server/events/http';
import { uuid } from '$lib/server/kit/input';
import { toAppError } from '$lib/server/kit/errors';
import { yearOf } from '../year';

export const GET: RequestHandler = async (event) => {
	const user = requireUser(event);
	const db = await getDb();
	const year = yearOf(event.url);
	const reseau = event.url.searchParams.get('reseau');
	const fail = (e: unknown) => error(toAppError(e).status, { message: toAppError(e).message });
	let orgRows;
	let events: (string | number | null)[][] = [];
	let name = `formation-${year}`;
	if (reseau && uuid.safeParse(reseau).success) {
		const n = await networkFigures(db, user, reseau, year).catch(fail);
		orgRows = n.orgs;
		events = n.events.map((e) => [e.starts_at.toISOString().slice(0, 10), e.title, e.registered, e.present, e.hours]);
		name = `formation-${n.network.slug}-${year}`;
	} else {
		const mine = await withUser(db, user, (tx) => tx.query<{ id: string }>(`select org_id as id from public.organisation_members where user_id = auth.uid()`));
		orgRows = await Promise.all(mine.map((o) => orgFigures(db, user, o.id, year)));
	}
	const rows = orgRowsForExport(orgRows);
	if (event.url.searchParams.get('format') === 'xlsx') {
		const sheets = [{ name: 'Collectivités', header: ORG_COLUMNS, rows }];
		if (events.length) sheets.push({ name: 'Événements', header: ['Date', 'Événement', 'Inscrits', 'Présents', 'Heures suivies'], rows: events });
		return fileResponse(await toXlsx(sheets), `${name}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
	}
	return fileResponse(toCsv(ORG_COLUMNS, rows), `${name}.csv`, 'text/csv; charset=utf-8');
};
