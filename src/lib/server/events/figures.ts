// Figures of trainings and events: per event, per collectivité (people trained, training hours, share of its
// référents achats trained), per network. Aggregates only: they are computed with the service role after the
// caller's right to see them has been checked under RLS (a viewer sees their collectivité's totals, not who
// registered). CSV and XLSX exports.
import { csvDocument } from '../files/csv';
import ExcelJS from 'exceljs';
import type { Actor, Database, Tx } from '../db';
import { elevated, withUser } from '../db';
import { forbidden, notFound } from '$lib/server/kit/errors';

export interface EventFigures {
	registered: number;
	walkIns: number;
	waitlisted: number;
	cancelled: number;
	present: number;
	noShows: number;
	noShowRate: number | null;
	collectivites: number;
	hours: number;
	byOrg: { org_name: string; registered: number; present: number }[];
}

export async function eventFigures(db: Database, actor: Actor, eventId: string): Promise<EventFigures> {
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>('select app.event_is_organiser($1) or app.is_platform_admin() as ok', [
			eventId
		]);
		if (!ok?.ok) throw notFound('Cet événement');
		return elevated(tx, async (t) => {
			const [row] = await t.query<Omit<EventFigures, 'noShowRate' | 'byOrg'>>(
				`with r as (
				   select r.*, exists (select 1 from public.event_attendance c where c.registration_id = r.id) as present
				     from public.event_registrations r where r.event_id = $1)
				 select count(*) filter (where status = 'confirmed')::int as registered,
				        count(*) filter (where status = 'confirmed' and walk_in)::int as "walkIns",
				        count(*) filter (where status in ('waitlisted', 'offered'))::int as waitlisted,
				        count(*) filter (where status = 'cancelled')::int as cancelled,
				        count(*) filter (where present)::int as present,
				        count(*) filter (where status = 'confirmed' and no_show)::int as "noShows",
				        count(distinct org_id) filter (where status = 'confirmed')::int as collectivites,
				        coalesce((select sum(extract(epoch from (s.ends_at - s.starts_at)) / 3600)
				                    from public.event_attendance c join public.event_sessions s on s.id = c.session_id
				                    join public.event_registrations x on x.id = c.registration_id
				                   where x.event_id = $1), 0)::float8 as hours
				   from r`,
				[eventId]
			);
			const byOrg = await t.query<{ org_name: string; registered: number; present: number }>(
				`select coalesce(o.name, 'Sans collectivité') as org_name, count(*)::int as registered,
				        count(*) filter (where exists (select 1 from public.event_attendance c where c.registration_id = r.id))::int as present
				   from public.event_registrations r left join public.organisations o on o.id = r.org_id
				  where r.event_id = $1 and r.status = 'confirmed' group by o.name order by 2 desc, 1`,
				[eventId]
			);
			return { ...row, noShowRate: row.registered ? row.noShows / row.registered : null, byOrg };
		});
	});
}

export interface OrgYearFigures {
	org_id: string;
	org_name: string;
	referents: number | null;
	people_trained: number;
	hours: number;
	referents_share: number | null;
}

const ORG_YEAR_SQL = `
	with presence as (
	  select r.org_id, coalesce(r.user_id::text, r.id::text) as person,
	         sum(extract(epoch from (s.ends_at - s.starts_at)) / 3600) as hours
	    from public.event_registrations r
	    join public.event_attendance c on c.registration_id = r.id
	    join public.event_sessions s on s.id = c.session_id
	   where r.org_id = any ($1::uuid[])
	     and s.starts_at >= make_timestamptz($2, 1, 1, 0, 0, 0, 'Europe/Paris')
	     and s.starts_at < make_timestamptz($2 + 1, 1, 1, 0, 0, 0, 'Europe/Paris')
	   group by r.org_id, person)
	select o.id as org_id, o.name as org_name, o.referents_count as referents,
	       count(p.person)::int as people_trained, coalesce(sum(p.hours), 0)::float8 as hours
	  from public.organisations o left join presence p on p.org_id = o.id
	 where o.id = any ($1::uuid[])
	 group by o.id order by o.name`;

function withShare(rows: Omit<OrgYearFigures, 'referents_share'>[]): OrgYearFigures[] {
	return rows.map((r) => ({
		...r,
		hours: Math.round(r.hours * 100) / 100,
		// People trained among the référents: capped at 100 % (others than référents may attend).
		referents_share: r.referents ? Math.min(1, r.people_trained / r.referents) : null
	}));
}

export async function orgFigures(db: Database, actor: Actor, orgId: string, year: number): Promise<OrgYearFigures> {
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(
			'select app.is_org_member($1) or app.animates_org($1) or app.is_platform_admin() as ok',
			[orgId]
		);
		if (!ok?.ok) throw notFound('Cette collectivité');
		const rows = await elevated(tx, (t) =>
			t.query<Omit<OrgYearFigures, 'referents_share'>>(ORG_YEAR_SQL, [[orgId], year])
		);
		return withShare(rows)[0];
	});
}

export interface NetworkFigures {
	network: { id: string; name: string; slug: string };
	year: number;
	events: {
		id: string;
		title: string;
		kind: string;
		starts_at: Date;
		registered: number;
		present: number;
		hours: number;
	}[];
	orgs: OrgYearFigures[];
	totals: { events: number; people_trained: number; hours: number; referents: number; referents_share: number | null };
}

export async function networkFigures(
	db: Database,
	actor: Actor,
	networkId: string,
	year: number
): Promise<NetworkFigures> {
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(
			'select app.is_network_animator($1) or app.is_platform_admin() as ok',
			[networkId]
		);
		if (!ok?.ok) throw forbidden('Les chiffres du réseau sont réservés à ses animateurs.');
		return elevated(tx, async (t) => {
			const [network] = await t.query<{ id: string; name: string; slug: string }>(
				'select id, name, slug from public.networks where id = $1',
				[networkId]
			);
			const events = await t.query<NetworkFigures['events'][number]>(
				`select e.id, e.title, e.kind, e.starts_at,
				        (select count(*)::int from public.event_registrations r where r.event_id = e.id and r.status = 'confirmed') as registered,
				        (select count(distinct c.registration_id)::int from public.event_attendance c join public.event_registrations r on r.id = c.registration_id
				          where r.event_id = e.id) as present,
				        coalesce((select sum(extract(epoch from (s.ends_at - s.starts_at)) / 3600) from public.event_attendance c
				                   join public.event_sessions s on s.id = c.session_id where s.event_id = e.id), 0)::float8 as hours
				   from public.events e
				  where e.organiser_network_id = $1 and e.status <> 'draft'
				    and e.starts_at >= make_timestamptz($2, 1, 1, 0, 0, 0, 'Europe/Paris') and e.starts_at < make_timestamptz($2 + 1, 1, 1, 0, 0, 0, 'Europe/Paris')
				  order by e.starts_at`,
				[networkId, year]
			);
			const members = await t.query<{ org_id: string }>(
				`select org_id from public.network_memberships where network_id = $1 and status = 'approved'`,
				[networkId]
			);
			const orgs = withShare(await t.query(ORG_YEAR_SQL, [members.map((m) => m.org_id), year]));
			const referents = orgs.reduce((a, o) => a + (o.referents ?? 0), 0);
			const trainedReferents = orgs.reduce(
				(a, o) => a + (o.referents ? Math.min(o.referents, o.people_trained) : 0),
				0
			);
			return {
				network,
				year,
				events: events.map((e) => ({ ...e, hours: Math.round(e.hours * 100) / 100 })),
				orgs,
				totals: {
					events: events.length,
					people_trained: orgs.reduce((a, o) => a + o.people_trained, 0),
					hours: Math.round(orgs.reduce((a, o) => a + o.hours, 0) * 100) / 100,
					referents,
					referents_share: referents ? trainedReferents / referents : null
				}
			};
		});
	});
}

// ---------------------------------------------------------------------------------------------------------
// Exports
// ---------------------------------------------------------------------------------------------------------
export const ORG_COLUMNS = [
	'Collectivité',
	'Personnes formées',
	'Heures de formation',
	'Référents achats',
	'Part des référents formés (%)'
];
export function orgRowsForExport(rows: OrgYearFigures[]): (string | number | null)[][] {
	return rows.map((o) => [
		o.org_name,
		o.people_trained,
		o.hours,
		o.referents,
		o.referents_share == null ? null : Math.round(o.referents_share * 1000) / 10
	]);
}

/** CSV for French spreadsheets: UTF-8 with BOM, semicolons, decimal comma. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
	return csvDocument([header, ...rows], { separator: ';', decimalComma: true });
}

export async function toXlsx(
	sheets: { name: string; header: string[]; rows: (string | number | null)[][] }[]
): Promise<Uint8Array> {
	const wb = new ExcelJS.Workbook();
	wb.creator = 'SPASER Commun';
	for (const s of sheets) {
		const ws = wb.addWorksheet(s.name.slice(0, 31));
		ws.addRow(s.header).font = { bold: true };
		for (const r of s.rows) ws.addRow(r);
		ws.columns.forEach(
			(c, i) =>
				(c.width = Math.max(
					12,
					Math.min(50, ...[s.header[i], ...s.rows.map((r) => String(r[i] ?? ''))].map((x) => x.length + 2))
				))
		);
	}
	return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** Training figures of a year: a network's (its animators) or else those of the caller's collectivités. */
export async function trainingFigures(
	db: Database,
	actor: Actor,
	year: number,
	networkId?: string
): Promise<{ network: NetworkFigures | null; orgs: OrgYearFigures[] }> {
	if (networkId) return { network: await networkFigures(db, actor, networkId, year), orgs: [] };
	// « My collectivités »: those the caller belongs to and that are not archived, by name.
	const mine = await withUser(db, actor, (tx) =>
		tx.query<{ id: string }>(
			`select o.id from public.organisations o join public.organisation_members m on m.org_id = o.id and m.user_id = auth.uid()
			  where o.archived_at is null order by o.name`
		)
	);
	return { network: null, orgs: await Promise.all(mine.map((o) => orgFigures(db, actor, o.id, year))) };
}

export interface ExportFile {
	body: Uint8Array | string;
	filename: string;
	type: string;
}
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const CSV_TYPE = 'text/csv; charset=utf-8';

/** A table as a CSV or XLSX file (`<base>.csv` / `<base>.xlsx`); XLSX may hold several sheets. */
export async function tableFile(
	base: string,
	format: 'csv' | 'xlsx',
	sheets: { name: string; header: string[]; rows: (string | number | null)[][] }[]
): Promise<ExportFile> {
	if (format === 'xlsx') return { body: await toXlsx(sheets), filename: `${base}.xlsx`, type: XLSX_TYPE };
	return { body: toCsv(sheets[0].header, sheets[0].rows), filename: `${base}.csv`, type: CSV_TYPE };
}

/** The figures of the page /evenements/chiffres as a file: collectivités, and the network's events if any. */
export async function trainingFiguresFile(
	db: Database,
	actor: Actor,
	year: number,
	networkId: string | undefined,
	format: 'csv' | 'xlsx'
) {
	const { network, orgs } = await trainingFigures(db, actor, year, networkId);
	const rows = orgRowsForExport(network ? network.orgs : orgs);
	const sheets = [{ name: 'Collectivités', header: ORG_COLUMNS, rows }];
	const events = (network?.events ?? []).map((e) => [
		e.starts_at.toISOString().slice(0, 10),
		e.title,
		e.registered,
		e.present,
		e.hours
	]);
	if (events.length)
		sheets.push({
			name: 'Événements',
			header: ['Date', 'Événement', 'Inscrits', 'Présents', 'Heures suivies'],
			rows: events
		});
	return tableFile(network ? `formation-${network.network.slug}-${year}` : `formation-${year}`, format, sheets);
}

export type { Tx };
