// Guichet vert: iCalendar (RFC 5545) output, pure.
// - eventToIcs: one VCALENDAR with one VEVENT, for an e-mail attachment (METHOD from the event: iTIP).
// - calendarToIcs: a subscription feed (METHOD:PUBLISH, X-WR-CALNAME) with several VEVENTs.
// The UID must be stable per booking and SEQUENCE incremented by the caller on every change, so that
// calendar applications update (or cancel) the same event. All times are written in UTC (…Z).
import { MODALITIES, type Modality } from '$lib/guichet/labels';

export interface IcsPerson {
	name: string;
	email: string;
}

export interface IcsEvent {
	uid: string;
	sequence: number;
	method: 'REQUEST' | 'CANCEL' | 'PUBLISH';
	status: 'CONFIRMED' | 'TENTATIVE' | 'CANCELLED';
	start: Date;
	end: Date;
	stamp: Date;
	summary: string;
	description?: string;
	location?: string;
	url?: string;
	organizer?: IcsPerson;
	attendees?: IcsPerson[];
}

/** What a booking's calendar event is made of (a BookingRow of booking-record.ts). */
export interface BookingForIcs {
	id: string;
	ical_uid: string;
	sequence: number;
	status: string;
	starts_at: Date;
	ends_at: Date;
	topic: string;
	modality: Modality;
	location: string | null;
	animator_name: string;
	animator_email: string;
	booker_name: string;
	booker_email: string;
}

/** The one calendar event of a Guichet vert session (e-mails, the feed, the session's download). */
export function bookingEvent(b: BookingForIcs, method: IcsEvent['method'], origin: string): IcsEvent {
	return {
		uid: b.ical_uid,
		sequence: b.sequence,
		method,
		status: b.status === 'cancelled' ? 'CANCELLED' : b.status === 'pending' ? 'TENTATIVE' : 'CONFIRMED',
		start: new Date(b.starts_at),
		end: new Date(b.ends_at),
		stamp: new Date(),
		summary: `Guichet vert : ${b.topic}`,
		description: `Séance de conseil du Guichet vert (${MODALITIES[b.modality]}).`,
		location: b.location ?? undefined,
		url: `${origin}/guichet/seance/${b.id}`,
		organizer: { name: b.animator_name, email: b.animator_email },
		attendees: [{ name: b.booker_name, email: b.booker_email }]
	};
}

export const ICS_PRODID = '-//SPASER Commun//Guichet vert//FR';
const CRLF = '\r\n';
const encoder = new TextEncoder();

/** Fold a content line at 75 octets without splitting a UTF-8 sequence (continuation lines start with a space). */
export function foldLine(line: string): string {
	if (encoder.encode(line).length <= 75) return line;
	const parts: string[] = [];
	let current = '';
	let bytes = 0;
	let limit = 75;
	for (const ch of line) {
		const n = encoder.encode(ch).length;
		if (bytes + n > limit) {
			parts.push(current);
			current = '';
			bytes = 0;
			limit = 74; // the leading space of a continuation line counts
		}
		current += ch;
		bytes += n;
	}
	parts.push(current);
	return parts.join(CRLF + ' ');
}

/** Remove control characters that have no place in a content line (keeps tab and line breaks). */
function stripControls(s: string): string {
	// eslint-disable-next-line no-control-regex
	return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** TEXT value escaping (RFC 5545 §3.3.11). */
export function escapeText(s: string): string {
	return stripControls(s)
		.replace(/\\/g, '\\\\')
		.replace(/;/g, '\\;')
		.replace(/,/g, '\\,')
		.replace(/\r\n|\r|\n/g, '\\n');
}

/** A single-line value that is not TEXT (UID, URI, e-mail): no line breaks, no controls. */
function singleLine(s: string): string {
	return stripControls(s)
		.replace(/[\r\n\t]+/g, ' ')
		.trim();
}

/** Parameter value (e.g. CN): DQUOTE is not allowed, quoted when it contains ':' ';' or ','. */
function paramValue(s: string): string {
	const v = singleLine(s).replace(/"/g, "'");
	return /[:;,]/.test(v) ? `"${v}"` : v;
}

/** UTC date-time, e.g. 20260303T133000Z. */
export function icsDate(d: Date): string {
	if (Number.isNaN(d.getTime())) throw new RangeError('Invalid date in calendar event');
	return d
		.toISOString()
		.replace(/\.\d{3}Z$/, 'Z')
		.replace(/[-:]/g, '');
}

function mailto(email: string): string {
	return `mailto:${singleLine(email).replace(/\s+/g, '')}`;
}

function eventLines(e: IcsEvent): string[] {
	if (!Number.isInteger(e.sequence) || e.sequence < 0) throw new RangeError(`Invalid SEQUENCE: ${e.sequence}`);
	const uid = singleLine(e.uid);
	if (!uid) throw new RangeError('An event needs a UID');
	const lines = [
		'BEGIN:VEVENT',
		`UID:${uid}`,
		`SEQUENCE:${e.sequence}`,
		`DTSTAMP:${icsDate(e.stamp)}`,
		`DTSTART:${icsDate(e.start)}`,
		`DTEND:${icsDate(e.end)}`,
		`SUMMARY:${escapeText(e.summary)}`
	];
	if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
	if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
	if (e.url) lines.push(`URL:${singleLine(e.url)}`);
	lines.push(`STATUS:${e.status}`);
	lines.push(`TRANSP:${e.status === 'CANCELLED' ? 'TRANSPARENT' : 'OPAQUE'}`);
	if (e.organizer) lines.push(`ORGANIZER;CN=${paramValue(e.organizer.name)}:${mailto(e.organizer.email)}`);
	for (const a of e.attendees ?? [])
		lines.push(
			`ATTENDEE;CN=${paramValue(a.name)};ROLE=REQ-PARTICIPANT;PARTSTAT=${e.status === 'CONFIRMED' ? 'ACCEPTED' : 'NEEDS-ACTION'};RSVP=FALSE:${mailto(a.email)}`
		);
	lines.push('END:VEVENT');
	return lines;
}

function serialize(lines: string[]): string {
	return lines.map(foldLine).join(CRLF) + CRLF;
}

function header(method: IcsEvent['method']): string[] {
	return ['BEGIN:VCALENDAR', `PRODID:${ICS_PRODID}`, 'VERSION:2.0', 'CALSCALE:GREGORIAN', `METHOD:${method}`];
}

/** A full VCALENDAR with one VEVENT (for an e-mail attachment, `text/calendar; method=…`). */
export function eventToIcs(event: IcsEvent): string {
	return serialize([...header(event.method), ...eventLines(event), 'END:VCALENDAR']);
}

/** A subscription feed: METHOD:PUBLISH, X-WR-CALNAME, one VEVENT per event. */
export function calendarToIcs(name: string, events: IcsEvent[]): string {
	return serialize([
		...header('PUBLISH'),
		`X-WR-CALNAME:${escapeText(name)}`,
		`NAME:${escapeText(name)}`,
		'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
		'X-PUBLISHED-TTL:PT1H',
		...events.flatMap(eventLines),
		'END:VCALENDAR'
	]);
}
