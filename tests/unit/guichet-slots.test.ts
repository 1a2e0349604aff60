import { describe, expect, it } from 'vitest';
import {
	blockedRange,
	formatDuration,
	formatSlotFr,
	freeSlots,
	isBookable,
	type AvailabilityRules,
	type Busy,
	type Slot
} from '../../src/lib/server/guichet/slots';

const NBSP = '\u00a0';
const iso = (slots: Slot[]) => slots.map((s) => s.start.toISOString());
const at = (s: string) => new Date(s);
const localTime = new Intl.DateTimeFormat('fr-FR', {
	timeZone: 'Europe/Paris',
	hour: '2-digit',
	minute: '2-digit',
	hourCycle: 'h23'
});

function rules(overrides: Partial<AvailabilityRules> = {}): AvailabilityRules {
	return {
		weekly: [1, 2, 3, 4, 5].flatMap((weekday) => [
			{ weekday: weekday as 1 | 2 | 3 | 4 | 5, start: '09:00', end: '12:00' },
			{ weekday: weekday as 1 | 2 | 3 | 4 | 5, start: '14:00', end: '17:00' }
		]),
		sessionMinutes: 45,
		bufferBeforeMinutes: 0,
		bufferAfterMinutes: 0,
		minNoticeMinutes: 0,
		horizonDays: 365,
		maxPerDay: null,
		exceptions: [],
		...overrides
	};
}

const session = (startIso: string, minutes = 45): Busy => ({
	start: at(startIso),
	end: new Date(at(startIso).getTime() + minutes * 60_000)
});

describe('freeSlots: daylight saving time', () => {
	const sundayNight = rules({ weekly: [{ weekday: 7, start: '01:00', end: '04:00' }], sessionMinutes: 30 });
	const now = at('2026-03-01T00:00:00Z');

	it('spring forward (29 March 2026): a 01:00–04:00 window lasts two real hours, nothing in the missing hour', () => {
		const slots = freeSlots(sundayNight, [], at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), now);
		expect(iso(slots)).toEqual([
			'2026-03-29T00:00:00.000Z', // 01:00 CET
			'2026-03-29T00:30:00.000Z', // 01:30 CET
			'2026-03-29T01:00:00.000Z', // 03:00 CEST
			'2026-03-29T01:30:00.000Z' // 03:30 CEST
		]);
		for (const s of slots) expect(localTime.format(s.start).startsWith('02')).toBe(false);
		expect(slots.map((s) => localTime.format(s.start))).toEqual(['01:00', '01:30', '03:00', '03:30']);
	});

	it('the Sundays before and after the change use CET then CEST', () => {
		const before = freeSlots(sundayNight, [], at('2026-03-21T12:00:00Z'), at('2026-03-23T00:00:00Z'), now);
		expect(iso(before)).toEqual(
			['00:00', '00:30', '01:00', '01:30', '02:00', '02:30'].map((t) => `2026-03-22T${t}:00.000Z`)
		);
		const after = freeSlots(sundayNight, [], at('2026-04-04T12:00:00Z'), at('2026-04-06T00:00:00Z'), now);
		expect(iso(after)).toEqual([
			'2026-04-04T23:00:00.000Z',
			'2026-04-04T23:30:00.000Z',
			'2026-04-05T00:00:00.000Z',
			'2026-04-05T00:30:00.000Z',
			'2026-04-05T01:00:00.000Z',
			'2026-04-05T01:30:00.000Z'
		]);
	});

	it('a window starting inside the missing hour starts when the clock jumps to 03:00', () => {
		const r = rules({ weekly: [{ weekday: 7, start: '02:30', end: '04:00' }], sessionMinutes: 30 });
		expect(iso(freeSlots(r, [], at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), now))).toEqual([
			'2026-03-29T01:00:00.000Z',
			'2026-03-29T01:30:00.000Z'
		]);
	});

	it('office hours keep their local time: 09:00 is 08:00Z on Saturday 28 March and 07:00Z on Monday 30 March', () => {
		const r = rules({ weekly: [6, 1].map((weekday) => ({ weekday: weekday as 1 | 6, start: '09:00', end: '09:45' })) });
		expect(iso(freeSlots(r, [], at('2026-03-27T00:00:00Z'), at('2026-03-31T00:00:00Z'), now))).toEqual([
			'2026-03-28T08:00:00.000Z',
			'2026-03-30T07:00:00.000Z'
		]);
		const autumn = freeSlots(r, [], at('2026-10-23T00:00:00Z'), at('2026-10-27T00:00:00Z'), now);
		expect(iso(autumn)).toEqual(['2026-10-24T07:00:00.000Z', '2026-10-26T08:00:00.000Z']);
	});

	it('fall back (25 October 2026): the repeated hour gives four real hours, no duplicate and no overlap', () => {
		const slots = freeSlots(sundayNight, [], at('2026-10-24T12:00:00Z'), at('2026-10-26T00:00:00Z'), now);
		expect(iso(slots)).toEqual([
			'2026-10-24T23:00:00.000Z', // 01:00 CEST
			'2026-10-24T23:30:00.000Z',
			'2026-10-25T00:00:00.000Z', // 02:00 CEST
			'2026-10-25T00:30:00.000Z',
			'2026-10-25T01:00:00.000Z', // 02:00 CET (second time)
			'2026-10-25T01:30:00.000Z',
			'2026-10-25T02:00:00.000Z', // 03:00 CET
			'2026-10-25T02:30:00.000Z'
		]);
		expect(new Set(iso(slots)).size).toBe(slots.length);
		for (let i = 1; i < slots.length; i++)
			expect(slots[i].start.getTime()).toBeGreaterThanOrEqual(slots[i - 1].end.getTime());

		const r45 = { ...sundayNight, sessionMinutes: 45 };
		const s45 = freeSlots(r45, [], at('2026-10-24T12:00:00Z'), at('2026-10-26T00:00:00Z'), now);
		expect(iso(s45)).toEqual([
			'2026-10-24T23:00:00.000Z',
			'2026-10-24T23:45:00.000Z',
			'2026-10-25T00:30:00.000Z',
			'2026-10-25T01:15:00.000Z',
			'2026-10-25T02:00:00.000Z'
		]);
		for (let i = 1; i < s45.length; i++)
			expect(s45[i].start.getTime()).toBeGreaterThanOrEqual(s45[i - 1].end.getTime());
	});

	it('a window starting inside the repeated hour starts at its first occurrence (summer time)', () => {
		const r = rules({ weekly: [{ weekday: 7, start: '02:30', end: '03:30' }], sessionMinutes: 30 });
		expect(iso(freeSlots(r, [], at('2026-10-24T12:00:00Z'), at('2026-10-26T00:00:00Z'), now))).toEqual([
			'2026-10-25T00:30:00.000Z',
			'2026-10-25T01:00:00.000Z',
			'2026-10-25T01:30:00.000Z',
			'2026-10-25T02:00:00.000Z'
		]);
	});

	it('a busy session in the repeated hour blocks the right instants only', () => {
		const busy = [session('2026-10-25T01:00:00Z', 30)]; // 02:00 CET, the second 02:00
		const slots = freeSlots(sundayNight, busy, at('2026-10-24T12:00:00Z'), at('2026-10-26T00:00:00Z'), now);
		expect(iso(slots)).toContain('2026-10-25T00:00:00.000Z'); // 02:00 CEST stays free
		expect(iso(slots)).not.toContain('2026-10-25T01:00:00.000Z');
		expect(slots).toHaveLength(7);
	});
});

describe('freeSlots: buffers', () => {
	const monday = { from: at('2026-03-02T00:00:00Z'), to: at('2026-03-03T00:00:00Z') };
	const now = at('2026-03-01T00:00:00Z');
	const morning = (o: Partial<AvailabilityRules>) =>
		rules({ weekly: [{ weekday: 1, start: '09:00', end: '13:00' }], ...o });

	it('buffers fit inside the window and the default step tiles it back to back', () => {
		const r = morning({ bufferBeforeMinutes: 15, bufferAfterMinutes: 15 });
		const slots = freeSlots(r, [], monday.from, monday.to, now);
		expect(slots.map((s) => localTime.format(s.start))).toEqual(['09:15', '10:30', '11:45']);
		const ranges = slots.map((s) => blockedRange(r, s));
		expect(ranges[0].start.toISOString()).toBe('2026-03-02T08:00:00.000Z');
		expect(ranges[2].end.toISOString()).toBe('2026-03-02T11:45:00.000Z'); // 12:45 local: no room left before 13:00
		for (let i = 1; i < ranges.length; i++) expect(ranges[i].start.getTime()).toBe(ranges[i - 1].end.getTime());
	});

	it('a busy session blocks the neighbouring slots by its buffers and theirs', () => {
		const busy = [session('2026-03-02T09:30:00Z')]; // 10:30–11:15 local
		const noBuffer = freeSlots(morning({ slotStepMinutes: 15 }), busy, monday.from, monday.to, now);
		expect(noBuffer.map((s) => localTime.format(s.start))).toContain('09:45'); // ends 10:30 exactly
		expect(noBuffer.map((s) => localTime.format(s.start))).toContain('11:15');

		const r = morning({ slotStepMinutes: 15, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 });
		const slots = freeSlots(r, busy, monday.from, monday.to, now);
		// Busy blocked range 10:15–11:30; a slot at s blocks [s − 15, s + 60).
		expect(slots.map((s) => localTime.format(s.start))).toEqual(['09:15', '11:45', '12:00']);
		for (const s of slots) expect(isBookable(r, busy, s, now, {})).toEqual({ ok: true });
		const neighbour = { start: at('2026-03-02T08:30:00Z'), end: at('2026-03-02T09:15:00Z') }; // 09:30–10:15 local
		const res = isBookable(r, busy, neighbour, now);
		expect(res.ok).toBe(false);
		if (!res.ok) expect(res.reason).toMatch(/chevauche une autre séance/);
	});

	it('blockedRange widens a slot by both buffers', () => {
		const b = blockedRange({ bufferBeforeMinutes: 10, bufferAfterMinutes: 20 }, session('2026-03-02T09:00:00Z'));
		expect([b.start.toISOString(), b.end.toISOString()]).toEqual([
			'2026-03-02T08:50:00.000Z',
			'2026-03-02T10:05:00.000Z'
		]);
	});
});

describe('freeSlots: notice, horizon, exceptions, maximum per day', () => {
	it('no slot starts before now + minimum notice', () => {
		const now = at('2026-03-02T08:10:00Z'); // Monday 09:10 local
		const r = rules({ minNoticeMinutes: 60, slotStepMinutes: 15 });
		const slots = freeSlots(r, [], now, at('2026-03-03T00:00:00Z'), now);
		expect(slots[0].start.toISOString()).toBe('2026-03-02T09:15:00.000Z'); // 10:15 local
		const early = isBookable(r, [], { start: at('2026-03-02T09:00:00Z'), end: at('2026-03-02T09:45:00Z') }, now);
		expect(early).toEqual({
			ok: false,
			reason: `Ce créneau est trop proche${NBSP}: les séances se réservent au moins 1${NBSP}h à l'avance.`
		});
		expect(isBookable(r, [], slots[0], now)).toEqual({ ok: true });
	});

	it('no slot starts after now + horizon', () => {
		const now = at('2026-03-02T08:00:00Z'); // Monday 09:00 local
		const r = rules({ horizonDays: 14 });
		const slots = freeSlots(r, [], now, at('2026-04-30T00:00:00Z'), now);
		expect(slots.at(-1)!.start.toISOString()).toBe('2026-03-16T08:00:00.000Z'); // exactly now + 14 days
		const late = isBookable(r, [], { start: at('2026-03-16T08:45:00Z'), end: at('2026-03-16T09:30:00Z') }, now);
		expect(late.ok).toBe(false);
		if (!late.ok)
			expect(late.reason).toBe(
				`Ce créneau est trop lointain${NBSP}: les séances se réservent au plus 14${NBSP}jours à l'avance.`
			);
	});

	it('a public holiday removes the slots of its day', () => {
		const now = at('2026-04-01T00:00:00Z');
		const holiday = { start: at('2026-04-30T22:00:00Z'), end: at('2026-05-01T22:00:00Z') }; // 1 May, local day
		const r = rules({ exceptions: [holiday] });
		const week = freeSlots(r, [], at('2026-04-27T00:00:00Z'), at('2026-05-05T00:00:00Z'), now);
		const days = new Set(week.map((s) => s.start.toISOString().slice(0, 10)));
		expect([...days]).toEqual(['2026-04-27', '2026-04-28', '2026-04-29', '2026-04-30', '2026-05-04']);
		expect(freeSlots(rules(), [], at('2026-05-01T00:00:00Z'), at('2026-05-02T00:00:00Z'), now)).toHaveLength(8);
		const res = isBookable(r, [], { start: at('2026-05-01T07:00:00Z'), end: at('2026-05-01T07:45:00Z') }, now);
		expect(res).toEqual({ ok: false, reason: "L'animateur est absent à ce moment-là." });
	});

	it('an absence across midnight removes the evening and the next morning only', () => {
		const now = at('2026-03-01T00:00:00Z');
		const weekly = [2, 3].flatMap((weekday) => [
			{ weekday: weekday as 2 | 3, start: '09:00', end: '12:00' },
			{ weekday: weekday as 2 | 3, start: '14:00', end: '20:00' }
		]);
		const absence = { start: at('2026-03-03T17:00:00Z'), end: at('2026-03-04T09:00:00Z') }; // Tue 18:00 → Wed 10:00 local
		const r = rules({ weekly, sessionMinutes: 60, exceptions: [absence] });
		const slots = freeSlots(r, [], at('2026-03-03T00:00:00Z'), at('2026-03-05T00:00:00Z'), now);
		const label = (s: Slot) => `${s.start.toISOString().slice(0, 10)} ${localTime.format(s.start)}`;
		expect(slots.map(label)).toEqual([
			'2026-03-03 09:00',
			'2026-03-03 10:00',
			'2026-03-03 11:00',
			'2026-03-03 14:00',
			'2026-03-03 15:00',
			'2026-03-03 16:00',
			'2026-03-03 17:00',
			'2026-03-04 10:00',
			'2026-03-04 11:00',
			'2026-03-04 14:00',
			'2026-03-04 15:00',
			'2026-03-04 16:00',
			'2026-03-04 17:00',
			'2026-03-04 18:00',
			'2026-03-04 19:00'
		]);
		// With a buffer before, the 10:00 slot would need 09:45, still inside the absence.
		const buffered = { ...r, bufferBeforeMinutes: 15, slotStepMinutes: 60 };
		const withBuffer = freeSlots(buffered, [], at('2026-03-04T00:00:00Z'), at('2026-03-05T00:00:00Z'), now);
		expect(localTime.format(withBuffer[0].start)).toBe('10:15'); // 09:15 is blocked from 09:00
		const ten = { start: at('2026-03-04T09:00:00Z'), end: at('2026-03-04T10:00:00Z') };
		expect(isBookable(r, [], ten, now)).toEqual({ ok: true });
		expect(isBookable(buffered, [], ten, now, { anyStart: true })).toEqual({
			ok: false,
			reason: "L'animateur est absent à ce moment-là."
		});
	});

	it('maxPerDay counts existing sessions of the local day', () => {
		const now = at('2026-03-01T00:00:00Z');
		const r = rules({ maxPerDay: 2 });
		const busy = [session('2026-03-02T08:00:00Z'), session('2026-03-02T13:00:00Z'), session('2026-03-03T08:00:00Z')];
		const slots = freeSlots(r, busy, at('2026-03-02T00:00:00Z'), at('2026-03-04T00:00:00Z'), now);
		const days = new Set(slots.map((s) => s.start.toISOString().slice(0, 10)));
		expect([...days]).toEqual(['2026-03-03']);
		expect(slots.length).toBe(7); // 8 Tuesday slots minus the busy one
		const res = isBookable(r, busy, { start: at('2026-03-02T10:15:00Z'), end: at('2026-03-02T11:00:00Z') }, now, {});
		expect(res).toEqual({
			ok: false,
			reason: "L'animateur a déjà atteint son nombre maximal de séances pour cette journée (2)."
		});
	});

	it('the local day of a late-evening UTC session is the next day in Paris', () => {
		const now = at('2026-03-01T00:00:00Z');
		const r = rules({ maxPerDay: 1 });
		const busy = [session('2026-03-03T23:30:00Z')]; // Wednesday 00:30 local
		const slots = freeSlots(r, busy, at('2026-03-03T00:00:00Z'), at('2026-03-05T00:00:00Z'), now);
		expect(new Set(slots.map((s) => s.start.toISOString().slice(0, 10)))).toEqual(new Set(['2026-03-03']));
		expect(freeSlots(rules({ maxPerDay: 0 }), [], at('2026-03-03T00:00:00Z'), at('2026-03-05T00:00:00Z'), now)).toEqual(
			[]
		);
	});
});

describe('isBookable', () => {
	const now = at('2026-03-01T00:00:00Z');
	const r = rules({ bufferAfterMinutes: 15 }); // step 60 from 09:00 and 14:00
	const ok = { start: at('2026-03-02T08:00:00Z'), end: at('2026-03-02T08:45:00Z') };

	it('gives a clear French reason for each refusal', () => {
		const reason = (slot: Slot, busy: Busy[] = [], opts = {}) => {
			const res = isBookable(r, busy, slot, now, opts);
			return res.ok ? 'ok' : res.reason;
		};
		expect(reason(ok)).toBe('ok');
		expect(reason({ start: ok.end, end: ok.start })).toBe('Le créneau demandé est invalide.');
		expect(reason({ start: ok.start, end: at('2026-03-02T09:00:00Z') })).toBe(
			`La durée du créneau ne correspond pas à celle des séances (45${NBSP}min).`
		);
		expect(reason({ start: at('2026-02-27T08:00:00Z'), end: at('2026-02-27T08:45:00Z') })).toBe(
			'Ce créneau est déjà passé.'
		);
		// 11:15–12:00 fits the window but its buffer after does not.
		expect(reason({ start: at('2026-03-02T10:15:00Z'), end: at('2026-03-02T11:00:00Z') })).toBe(
			"Ce créneau est en dehors des horaires de disponibilité de l'animateur, temps de préparation compris."
		);
		expect(reason({ start: at('2026-03-07T08:00:00Z'), end: at('2026-03-07T08:45:00Z') })).toMatch(
			/en dehors des horaires/
		); // Saturday
		const offGrid = { start: at('2026-03-02T08:20:00Z'), end: at('2026-03-02T09:05:00Z') };
		expect(reason(offGrid)).toBe(
			'Ce créneau ne correspond pas à un horaire proposé. Choisissez un des créneaux libres.'
		);
		expect(reason(offGrid, [], { anyStart: true })).toBe('ok');
		expect(reason(ok, [session('2026-03-02T08:50:00Z', 30)])).toBe(
			`Ce créneau n'est plus disponible${NBSP}: il chevauche une autre séance de l'animateur (temps de préparation compris).`
		);
	});

	it('accepts exactly the slots freeSlots offers', () => {
		const busy = [
			session('2026-03-02T09:00:00Z'),
			session('2026-03-04T13:30:00Z', 90),
			session('2026-03-05T08:20:00Z', 30)
		];
		const rr = rules({
			bufferBeforeMinutes: 10,
			bufferAfterMinutes: 5,
			slotStepMinutes: 15,
			maxPerDay: 3,
			exceptions: [{ start: at('2026-03-06T10:00:00Z'), end: at('2026-03-06T14:00:00Z') }]
		});
		const from = at('2026-03-02T00:00:00Z');
		const to = at('2026-03-07T00:00:00Z');
		const offered = new Set(iso(freeSlots(rr, busy, from, to, now)));
		expect(offered.size).toBeGreaterThan(20);
		let checked = 0;
		for (let t = from.getTime(); t < to.getTime(); t += 5 * 60_000) {
			const slot = { start: new Date(t), end: new Date(t + 45 * 60_000) };
			expect(isBookable(rr, busy, slot, now).ok, slot.start.toISOString()).toBe(offered.has(slot.start.toISOString()));
			checked++;
		}
		expect(checked).toBe(5 * 24 * 12);
	});

	it('rejects malformed rules loudly', () => {
		expect(() => freeSlots(rules({ weekly: [{ weekday: 1, start: '9h', end: '12:00' }] }), [], now, now, now)).toThrow(
			RangeError
		);
		expect(() =>
			freeSlots(rules({ weekly: [{ weekday: 1, start: '12:00', end: '09:00' }] }), [], now, now, now)
		).toThrow(RangeError);
		expect(() => freeSlots(rules({ sessionMinutes: 0 }), [], now, now, now)).toThrow(RangeError);
	});
});

describe('formatting', () => {
	it('formats a slot in French, Europe/Paris time', () => {
		expect(formatSlotFr({ start: at('2026-03-03T13:30:00Z'), end: at('2026-03-03T14:15:00Z') })).toBe(
			`mardi 3 mars 2026 de 14${NBSP}h${NBSP}30 à 15${NBSP}h${NBSP}15`
		);
		expect(formatSlotFr({ start: at('2026-04-01T07:00:00Z'), end: at('2026-04-01T07:45:00Z') })).toBe(
			`mercredi 1er avril 2026 de 9${NBSP}h à 9${NBSP}h${NBSP}45`
		);
		expect(formatSlotFr({ start: at('2026-03-03T22:30:00Z'), end: at('2026-03-04T00:00:00Z') })).toBe(
			`du mardi 3 mars 2026 à 23${NBSP}h${NBSP}30 au mercredi 4 mars 2026 à 1${NBSP}h`
		);
	});

	it('formats durations', () => {
		expect([45, 60, 90, 1440, 2880].map(formatDuration)).toEqual([
			`45${NBSP}min`,
			`1${NBSP}h`,
			`1${NBSP}h${NBSP}30`,
			`1${NBSP}jour`,
			`2${NBSP}jours`
		]);
	});
});

describe('performance', () => {
	it('computes a month of slots for 20 animators with 500 sessions each quickly', () => {
		const now = at('2026-03-01T00:00:00Z');
		let seed = 42;
		const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
		const animators = Array.from({ length: 20 }, (_, i) => {
			const busy: Busy[] = [];
			for (let k = 0; k < 500; k++)
				busy.push(session(new Date(now.getTime() + Math.floor(rand() * 90 * 96) * 15 * 60_000).toISOString()));
			const r = rules({
				bufferBeforeMinutes: 5,
				bufferAfterMinutes: 10,
				slotStepMinutes: 15,
				maxPerDay: 6 + (i % 3),
				minNoticeMinutes: 1440,
				horizonDays: 60
			});
			return { r, busy };
		});
		const t0 = performance.now();
		let total = 0;
		for (const a of animators) total += freeSlots(a.r, a.busy, now, at('2026-04-01T00:00:00Z'), now).length;
		const elapsed = performance.now() - t0;
		expect(total).toBeGreaterThan(0);
		expect(elapsed).toBeLessThan(200);
	});
});
