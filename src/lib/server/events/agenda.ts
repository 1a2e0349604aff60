// The public agenda feed (ICS): upcoming published events, of one network or all.
import type { Database } from '../db';
import { calendarToIcs } from '../guichet/ics';
import { listEvents } from './events';
import { icsOf } from './mail';

export async function agendaIcs(db: Database, networkSlug: string | null, now = new Date()): Promise<string> {
	const events = await listEvents(db, null, { scope: 'upcoming', networkSlug: networkSlug ?? undefined, now });
	return calendarToIcs(
		networkSlug ? `Agenda — ${events[0]?.organiser_name ?? networkSlug}` : 'Agenda des événements — SPASER Commun',
		events.map((e) => icsOf(e, 'PUBLISH'))
	);
}
