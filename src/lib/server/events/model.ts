// The rows of events as the services read them, the SQL that selects them, and the links to their pages.
import type { Tx } from '../db';
import { appOrigin } from '../email/outbox';
import type { Audience, EventKind, RegistrationStatus } from '$lib/events/labels';

export interface EventRow {
	id: string;
	kind: EventKind;
	title: string;
	description: string;
	organiser_network_id: string | null;
	organiser_org_id: string | null;
	organiser_name: string;
	partners: string;
	themes: string[];
	audience: Audience;
	place: string;
	visio_url: string | null;
	starts_at: Date;
	ends_at: Date;
	registration_opens_at: Date | null;
	registration_closes_at: Date | null;
	capacity: number | null;
	per_org_limit: number | null;
	offer_hours: number;
	/** Check-in opens this many minutes before a session; null: from the start of the session's day. */
	checkin_opens_minutes: number | null;
	status: 'draft' | 'published' | 'cancelled';
	cancel_reason: string;
	ical_uid: string;
	sequence: number;
	confirmed_count: number;
	waitlist_count: number;
}

export interface ChoiceGroupRow {
	id: string;
	event_id: string;
	title: string;
	position: number;
}

export interface SessionRow {
	id: string;
	event_id: string;
	choice_group_id: string | null;
	title: string;
	description: string;
	starts_at: Date;
	ends_at: Date;
	room: string;
	speakers: string;
	capacity: number | null;
	taken: number;
}

export interface RegistrationRow {
	id: string;
	event_id: string;
	user_id: string | null;
	org_id: string | null;
	org_name: string | null;
	full_name: string;
	email: string;
	registered_by: string | null;
	status: RegistrationStatus;
	arrival: string;
	offer_expires_at: Date | null;
	cancel_reason: string | null;
	walk_in: boolean;
	no_show: boolean;
	checkin_code: string;
	created_at: Date;
	choices: string[];
}

export interface CheckinListRow {
	registration_id: string;
	full_name: string;
	org_name: string | null;
	walk_in: boolean;
	no_show: boolean;
	checked_at: Date | null;
	method: string | null;
}

export interface AttendanceRow {
	registration_id: string;
	full_name: string;
	org_name: string | null;
	minutes: number;
	sessions: { title: string; starts_at: string; ends_at: string }[];
}

export interface EventDetail {
	event: EventRow;
	groups: ChoiceGroupRow[];
	sessions: SessionRow[];
	isOrganiser: boolean;
	mine: RegistrationRow[];
}

// Counts (confirmed_count, waitlist_count) include registrations an ordinary participant cannot see: they are read
// elevated where they matter (see getEvent).
export const EVENT_COLUMNS = `e.id, e.kind, e.title, e.description, e.organiser_network_id, e.organiser_org_id,
	coalesce(app.event_organiser_name(e.id), '') as organiser_name, e.partners, e.themes, e.audience, e.place, e.visio_url, e.starts_at, e.ends_at,
	e.registration_opens_at, e.registration_closes_at, e.capacity, e.per_org_limit, e.offer_hours, e.checkin_opens_minutes, e.status, e.cancel_reason,
	e.ical_uid, e.sequence,
	coalesce(app.event_count(e.id, false), 0) as confirmed_count, coalesce(app.event_count(e.id, true), 0) as waitlist_count`;

export const EVENT_FROM = `public.events e left join public.networks n on n.id = e.organiser_network_id`;

export const REG_SELECT = `select r.id, r.event_id, r.user_id, r.org_id, o.name as org_name, r.full_name, r.email, r.registered_by, r.status,
	r.arrival::text as arrival, r.offer_expires_at, r.cancel_reason, r.walk_in, r.no_show, r.checkin_code, r.created_at,
	coalesce((select array_agg(c.session_id::text) from public.event_registration_choices c where c.registration_id = r.id), '{}') as choices
	from public.event_registrations r left join public.organisations o on o.id = r.org_id`;

export async function selectEvent(tx: Tx, id: string): Promise<EventRow | undefined> {
	const [event] = await tx.query<EventRow>(`select ${EVENT_COLUMNS} from ${EVENT_FROM} where e.id = $1`, [id]);
	return event;
}

export function eventUrl(id: string) {
	return `${appOrigin()}/evenements/${id}`;
}

export function registrationUrl(eventId: string, registrationId: string) {
	return `${appOrigin()}/evenements/${eventId}/inscription/${registrationId}`;
}

/** The programme a registration follows: common sessions plus its choices. */
export function sessionsFor<S extends Pick<SessionRow, 'id' | 'choice_group_id'>>(
	sessions: S[],
	choices: string[]
): S[] {
	return sessions.filter((s) => s.choice_group_id === null || choices.includes(s.id));
}
