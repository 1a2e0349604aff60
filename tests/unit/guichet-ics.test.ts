import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { calendarToIcs, eventToIcs, foldLine, type IcsEvent } from '../../src/lib/server/guichet/ics';

const base: IcsEvent = {
	uid: 'guichet-3f2a9c1e-7b4d-4c8e-9a01-5d6e7f809a1b@spaser-commun.fr',
	sequence: 0,
	method: 'REQUEST',
	status: 'CONFIRMED',
	start: new Date('2026-03-03T13:30:00Z'),
	end: new Date('2026-03-03T14:15:00Z'),
	stamp: new Date('2026-02-20T09:12:34.567Z'),
	summary: 'Guichet vert ; séance « clauses sociales », marché de restauration, Île-de-France\nsuite',
	description: "Objet : insertion d'une clause environnementale.\nÉtape : rédaction du DCE.\\ fin",
	location: 'Visio, lien envoyé la veille',
	url: 'https://spaser-commun.example/guichet/seances/42',
	organizer: { name: "Chloé Lefèvre, RES'OCC", email: 'chloe.lefevre@resocc.example' },
	attendees: [
		{ name: 'Émile Durand', email: 'emile.durand@ville-exemple.fr' },
		{ name: 'Service achats: Mairie', email: 'achats@ville-exemple.fr' }
	]
};

function parse(ics: string) {
	const cal = new ICAL.Component(ICAL.parse(ics));
	return { cal, vevents: cal.getAllSubcomponents('vevent') };
}

function physicalLines(ics: string) {
	expect(ics.endsWith('\r\n')).toBe(true);
	return ics.slice(0, -2).split('\r\n');
}

describe('eventToIcs', () => {
	it('produces a valid calendar whose fields round-trip through ical.js', () => {
		const ics = eventToIcs(base);
		const { cal, vevents } = parse(ics);
		expect(cal.getFirstPropertyValue('version')).toBe('2.0');
		expect(cal.getFirstPropertyValue('prodid')).toBe('-//SPASER Commun//Guichet vert//FR');
		expect(cal.getFirstPropertyValue('calscale')).toBe('GREGORIAN');
		expect(cal.getFirstPropertyValue('method')).toBe('REQUEST');
		expect(vevents).toHaveLength(1);
		const ev = new ICAL.Event(vevents[0]);
		expect(ev.uid).toBe(base.uid);
		expect(ev.sequence).toBe(0);
		expect(ev.startDate.toJSDate().toISOString()).toBe('2026-03-03T13:30:00.000Z');
		expect(ev.endDate.toJSDate().toISOString()).toBe('2026-03-03T14:15:00.000Z');
		expect(ev.startDate.zone?.tzid).toBe('UTC');
		expect(ev.summary).toBe(base.summary);
		expect(ev.description).toBe(base.description);
		expect(ev.location).toBe(base.location);
		expect(vevents[0].getFirstPropertyValue('url')).toBe(base.url);
		expect(vevents[0].getFirstPropertyValue('status')).toBe('CONFIRMED');
		const stamp = vevents[0].getFirstPropertyValue('dtstamp') as ICAL.Time;
		expect(stamp.toJSDate().toISOString()).toBe('2026-02-20T09:12:34.000Z');

		const organizer = vevents[0].getFirstProperty('organizer')!;
		expect(organizer.getFirstValue()).toBe('mailto:chloe.lefevre@resocc.example');
		expect(organizer.getParameter('cn')).toBe("Chloé Lefèvre, RES'OCC");
		const attendees = ev.attendees.map((a) => [a.getParameter('cn'), a.getFirstValue()]);
		expect(attendees).toEqual([
			['Émile Durand', 'mailto:emile.durand@ville-exemple.fr'],
			['Service achats: Mairie', 'mailto:achats@ville-exemple.fr']
		]);
	});

	it('writes UTC times, CRLF line endings, escaped TEXT and quoted CN only when needed', () => {
		const ics = eventToIcs(base);
		expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
		const unfolded = ics.replace(/\r\n /g, '');
		expect(unfolded).toContain('\r\nDTSTART:20260303T133000Z\r\n');
		expect(unfolded).toContain('\r\nDTEND:20260303T141500Z\r\n');
		expect(unfolded).toContain('\r\nDTSTAMP:20260220T091234Z\r\n');
		expect(unfolded).toContain(
			'SUMMARY:Guichet vert \\; séance « clauses sociales »\\, marché de restauration\\, Île-de-France\\nsuite\r\n'
		);
		expect(unfolded).toContain('\\\\ fin');
		expect(unfolded).toContain('ORGANIZER;CN="Chloé Lefèvre, RES\'OCC":mailto:');
		expect(unfolded).toContain('ATTENDEE;CN=Émile Durand;');
		expect(unfolded).toContain('ATTENDEE;CN="Service achats: Mairie";');
		expect(physicalLines(ics)[0]).toBe('BEGIN:VCALENDAR');
		expect(physicalLines(ics).at(-1)).toBe('END:VCALENDAR');
	});

	it('folds long French lines at 75 octets without splitting a multi-byte character', () => {
		const description =
			'Compte-rendu préparatoire : « Les clauses d’insertion sociale s’appliquent dès l’étape de définition du besoin ; ' +
			'prévoir un échange avec le facilitateur, vérifier l’allotissement, réévaluer les critères d’attribution » — ' +
			'éléments à transmettre à l’élu référent 🌿 avant la réunion de la commission d’appel d’offres. '.repeat(3);
		const ics = eventToIcs({ ...base, description });
		const lines = physicalLines(ics);
		const encoder = new TextEncoder();
		const decoder = new TextDecoder('utf-8', { fatal: true });
		let continuations = 0;
		for (const line of lines) {
			const bytes = encoder.encode(line);
			expect(bytes.length, line).toBeLessThanOrEqual(75);
			expect(() => decoder.decode(bytes), line).not.toThrow();
			expect(line).not.toMatch(/[\uD800-\uDBFF]$|^ ?[\uDC00-\uDFFF]/); // no split surrogate pair
			if (line.startsWith(' ')) continuations++;
		}
		expect(continuations).toBeGreaterThan(5);
		const ev = new ICAL.Event(parse(ics).vevents[0]);
		expect(ev.description).toBe(description);
	});

	it('foldLine keeps short lines and splits long ones at character boundaries', () => {
		expect(foldLine('SUMMARY:court')).toBe('SUMMARY:court');
		const line = 'X:' + 'é'.repeat(100);
		const folded = foldLine(line).split('\r\n');
		expect(folded.map((l) => new TextEncoder().encode(l).length)).toEqual([74, 75, 55]); // 'X:' + 36 × 2 octets, then ' ' + 37 × 2, then ' ' + 27 × 2
		expect(folded.map((l, i) => (i === 0 ? l : l.slice(1))).join('')).toBe(line);
	});

	it('an update keeps the UID with a higher SEQUENCE; a cancellation has STATUS:CANCELLED', () => {
		const first = new ICAL.Event(parse(eventToIcs(base)).vevents[0]);
		const moved = {
			...base,
			sequence: 1,
			start: new Date('2026-03-05T08:00:00Z'),
			end: new Date('2026-03-05T08:45:00Z')
		};
		const second = new ICAL.Event(parse(eventToIcs(moved)).vevents[0]);
		expect(second.uid).toBe(first.uid);
		expect(second.sequence).toBeGreaterThan(first.sequence);
		expect(second.startDate.toJSDate().toISOString()).toBe('2026-03-05T08:00:00.000Z');

		const cancelIcs = eventToIcs({ ...moved, sequence: 2, method: 'CANCEL', status: 'CANCELLED' });
		const { cal, vevents } = parse(cancelIcs);
		expect(cal.getFirstPropertyValue('method')).toBe('CANCEL');
		expect(vevents[0].getFirstPropertyValue('status')).toBe('CANCELLED');
		const cancelled = new ICAL.Event(vevents[0]);
		expect(cancelled.uid).toBe(base.uid);
		expect(cancelled.sequence).toBe(2);
	});

	it('omits optional fields and refuses invalid input', () => {
		const minimal = eventToIcs({
			uid: 'u-1',
			sequence: 0,
			method: 'PUBLISH',
			status: 'TENTATIVE',
			start: base.start,
			end: base.end,
			stamp: base.stamp,
			summary: 'Séance'
		});
		const ev = parse(minimal).vevents[0];
		expect(ev.getFirstPropertyValue('status')).toBe('TENTATIVE');
		expect(ev.hasProperty('organizer')).toBe(false);
		expect(ev.hasProperty('description')).toBe(false);
		expect(() => eventToIcs({ ...base, sequence: -1 })).toThrow(RangeError);
		expect(() => eventToIcs({ ...base, start: new Date('invalid') })).toThrow(RangeError);
		expect(() => eventToIcs({ ...base, uid: ' \r\n ' })).toThrow(RangeError);
	});

	it('cannot be used to inject properties through a line break', () => {
		const ics = eventToIcs({
			...base,
			uid: 'x\r\nATTENDEE:mailto:evil@example.com',
			organizer: { name: 'A\r\nB', email: 'a@b.fr\r\nX-EVIL:1' }
		});
		const { vevents } = parse(ics);
		expect(vevents[0].getAllProperties('attendee')).toHaveLength(2);
		expect(vevents[0].hasProperty('x-evil')).toBe(false);
	});
});

describe('calendarToIcs', () => {
	it('builds a feed with several events', () => {
		const events: IcsEvent[] = [0, 1, 2].map((i) => ({
			...base,
			method: 'PUBLISH',
			uid: `guichet-${i}@spaser-commun.fr`,
			sequence: i,
			status: i === 2 ? 'CANCELLED' : 'CONFIRMED',
			start: new Date(Date.UTC(2026, 2, 3 + i, 9)),
			end: new Date(Date.UTC(2026, 2, 3 + i, 9, 45)),
			summary: `Guichet vert, séance n° ${i + 1}`
		}));
		const ics = calendarToIcs('Guichet vert ; mes séances', events);
		const { cal, vevents } = parse(ics);
		expect(cal.getFirstPropertyValue('method')).toBe('PUBLISH');
		// ical.js does not know X-WR-CALNAME's type and keeps the TEXT escaping that calendar apps undo.
		const calname = String(cal.getFirstPropertyValue('x-wr-calname'));
		expect(calname).toBe('Guichet vert \\; mes séances');
		expect(calname.replace(/\\([\\;,])/g, '$1')).toBe('Guichet vert ; mes séances');
		expect(vevents).toHaveLength(3);
		const parsed = vevents.map((v) => new ICAL.Event(v));
		expect(parsed.map((e) => e.uid)).toEqual(events.map((e) => e.uid));
		expect(parsed.map((e) => e.summary)).toEqual(events.map((e) => e.summary));
		expect(parsed.map((e) => e.startDate.toJSDate().getTime())).toEqual(events.map((e) => e.start.getTime()));
		expect(vevents.map((v) => v.getFirstPropertyValue('status'))).toEqual(['CONFIRMED', 'CONFIRMED', 'CANCELLED']);
		expect(calendarToIcs('Vide', []).match(/BEGIN:VEVENT/g)).toBeNull();
		expect(new ICAL.Component(ICAL.parse(calendarToIcs('Vide', []))).getAllSubcomponents('vevent')).toHaveLength(0);
	});
});
