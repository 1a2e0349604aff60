// Guichet vert: free-slot computation for one animator (pure: no database, no clock).
//
// Conventions (all documented here because the service and the database rely on them):
// - Weekly hours are wall-clock times in Europe/Paris. A window 'HH:MM'–'HH:MM' of a local day is the
//   contiguous range of instants [first instant showing `start`, first instant showing `end`):
//     · a wall time that does not exist (spring-forward gap, 02:00–02:59 on the last Sunday of March)
//       resolves to the instant the clock jumps (03:00 CEST), so a 01:00–04:00 window that day lasts 2 h;
//     · a wall time that occurs twice (fall-back overlap, 02:00–02:59 on the last Sunday of October)
//       resolves to its first occurrence (summer time), so a 01:00–04:00 window that day lasts 4 h.
//   `end` may be '24:00' (midnight at the end of the day); windows never cross midnight.
// - Candidate start times are absolute instants stepped every `slotStepMinutes` from the start of each
//   window plus `bufferBeforeMinutes`. Stepping in absolute time means no slot ever falls in the
//   non-existent hour and the repeated hour never yields duplicate or overlapping slots.
//   Default step = sessionMinutes + bufferBeforeMinutes + bufferAfterMinutes, which tiles a window
//   back to back (each slot's blocked range touches the next one's).
// - Buffers are part of the animator's working time: the blocked range
//   [start − bufferBefore, end + bufferAfter) must lie inside a weekly window, must not overlap an
//   exception (absence), and must not overlap the blocked range of any existing session (every session of
//   one animator is widened by the same buffers; this is exactly what the database exclusion constraint
//   stores, see `blockedRange`).
// - Minimum notice: start ≥ now + minNotice. Horizon: start ≤ now + horizonDays × 24 h.
// - maxPerDay counts existing sessions whose start falls on the same Europe/Paris calendar day.
// - A candidate is offered only if it is on the grid; `isBookable` checks the same rules (including the
//   grid, unless `{ anyStart: true }`), so `isBookable(slot)` is true exactly for the slots `freeSlots`
//   returns. When rescheduling, the caller removes the session being moved from `busy`.

export const GUICHET_TZ = 'Europe/Paris';

export interface WeeklyHours {
	/** ISO weekday, Monday = 1 … Sunday = 7. */
	weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7;
	/** 'HH:MM', local time in Europe/Paris. */
	start: string;
	/** 'HH:MM' (or '24:00'), local time in Europe/Paris, after `start`. */
	end: string;
}

export interface AvailabilityRules {
	weekly: WeeklyHours[];
	sessionMinutes: number;
	bufferBeforeMinutes: number;
	bufferAfterMinutes: number;
	minNoticeMinutes: number;
	horizonDays: number;
	maxPerDay: number | null;
	/** Absences (absolute instants): no blocked range may overlap them. */
	exceptions: { start: Date; end: Date }[];
	/** Start times every N minutes from each window start (+ buffer before). Default: session + both buffers. */
	slotStepMinutes?: number;
}

/** An existing pending/confirmed session of the animator (without buffers). */
export interface Busy {
	start: Date;
	end: Date;
}

export interface Slot {
	start: Date;
	end: Date;
}

export interface BookableOptions {
	/** Accept a start time off the step grid (e.g. an animator placing a session by hand). */
	anyStart?: boolean;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NBSP = '\u00a0';

// ---------------------------------------------------------------------------------------------
// Europe/Paris offset, cached per UTC day, and per UTC hour on transition days (Paris changes offset
// on whole UTC hours, at most once a day).

const offsetFormatter = new Intl.DateTimeFormat('en-GB', {
	timeZone: GUICHET_TZ,
	hourCycle: 'h23',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	second: '2-digit'
});
const offsetCache = new Map<number, number>();

function computeOffset(ms: number): number {
	const p: Record<string, number> = {};
	for (const part of offsetFormatter.formatToParts(new Date(ms)))
		if (part.type !== 'literal') p[part.type] = Number(part.value);
	const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
	const floored = Math.floor(ms / 1000) * 1000;
	return Math.round((wall - floored) / MINUTE) * MINUTE;
}

/** Offset at the start of a UTC hour (cached). */
function hourOffset(hour: number): number {
	let off = offsetCache.get(hour);
	if (off === undefined) {
		off = computeOffset(hour * HOUR);
		if (offsetCache.size > 200_000) offsetCache.clear();
		offsetCache.set(hour, off);
	}
	return off;
}

// Per UTC day: the offset when it is the same at both ends of the day (no transition that day), else null.
const dayOffsetCache = new Map<number, number | null>();

/** Offset (ms) of Europe/Paris local time from UTC at instant `ms`. */
function offsetAt(ms: number): number {
	const day = Math.floor(ms / DAY);
	let off = dayOffsetCache.get(day);
	if (off === undefined) {
		const a = hourOffset(day * 24);
		off = a === hourOffset(day * 24 + 24) ? a : null;
		if (dayOffsetCache.size > 100_000) dayOffsetCache.clear();
		dayOffsetCache.set(day, off);
	}
	return off ?? hourOffset(Math.floor(ms / HOUR));
}

/** Local (Europe/Paris) day number since 1970-01-01 of an instant. */
function localDayOf(ms: number): number {
	return Math.floor((ms + offsetAt(ms)) / DAY);
}

/** ISO weekday (Monday = 1) of a local day number (1970-01-01 was a Thursday). */
function isoWeekday(day: number): number {
	return ((((day + 3) % 7) + 7) % 7) + 1;
}

/**
 * First instant whose Europe/Paris wall clock shows `wallMs` (wall time encoded as if it were UTC):
 * ambiguous times give the first occurrence, non-existent ones the instant the clock jumps forward.
 */
function wallToInstant(wallMs: number): number {
	const offBefore = offsetAt(wallMs - DAY);
	const offAfter = offsetAt(wallMs + DAY);
	let best: number | null = null;
	for (const off of offBefore === offAfter ? [offBefore] : [offBefore, offAfter]) {
		const t = wallMs - off;
		if (offsetAt(t) === off && (best === null || t < best)) best = t;
	}
	if (best !== null) return best;
	// In a gap: binary search the transition instant between the two candidates.
	let lo = Math.min(wallMs - offBefore, wallMs - offAfter);
	let hi = Math.max(wallMs - offBefore, wallMs - offAfter);
	const offLo = offsetAt(lo);
	while (hi - lo > MINUTE) {
		const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
		if (offsetAt(mid) === offLo) lo = mid;
		else hi = mid;
	}
	return hi;
}

/** A « YYYY-MM-DDTHH:MM » wall-clock time in Europe/Paris (a datetime-local field) as an instant. */
export function parisToDate(local: string): Date {
	const [d, t] = local.split('T');
	const [y, mo, da] = d.split('-').map(Number);
	const [h, mi] = t.split(':').map(Number);
	return new Date(wallToInstant(Date.UTC(y, mo - 1, da, h, mi)));
}

function parseHHMM(s: string): number {
	const m = /^(\d{2}):(\d{2})$/.exec(s);
	if (!m) throw new RangeError(`Invalid time '${s}' (expected HH:MM)`);
	const h = Number(m[1]);
	const min = Number(m[2]);
	if (min > 59 || h > 24 || (h === 24 && min !== 0)) throw new RangeError(`Invalid time '${s}'`);
	return h * 60 + min;
}

// ---------------------------------------------------------------------------------------------

interface Prepared {
	session: number;
	before: number;
	after: number;
	step: number;
	/** Windows per ISO weekday (index 1..7), minutes of day, sorted by start. */
	windows: [number, number][][];
	/** Busy (widened) and exceptions, merged into sorted disjoint intervals. */
	blocked: [number, number][];
	/** Sessions per local day. */
	perDay: Map<number, number>;
	maxPerDay: number | null;
}

function positiveInt(n: number, name: string, allowZero: boolean) {
	if (!Number.isFinite(n) || !Number.isInteger(n) || n < 0 || (!allowZero && n === 0))
		throw new RangeError(`Invalid ${name}: ${n}`);
}

/** `lo`/`hi`: only sessions and absences near this range of instants matter (the rest is skipped). */
function prepare(rules: AvailabilityRules, busy: Busy[], lo = -Infinity, hi = Infinity): Prepared {
	positiveInt(rules.sessionMinutes, 'sessionMinutes', false);
	positiveInt(rules.bufferBeforeMinutes, 'bufferBeforeMinutes', true);
	positiveInt(rules.bufferAfterMinutes, 'bufferAfterMinutes', true);
	positiveInt(rules.minNoticeMinutes, 'minNoticeMinutes', true);
	positiveInt(rules.horizonDays, 'horizonDays', true);
	if (rules.maxPerDay !== null) positiveInt(rules.maxPerDay, 'maxPerDay', true);
	const session = rules.sessionMinutes * MINUTE;
	const before = rules.bufferBeforeMinutes * MINUTE;
	const after = rules.bufferAfterMinutes * MINUTE;
	const stepMinutes =
		rules.slotStepMinutes ?? rules.sessionMinutes + rules.bufferBeforeMinutes + rules.bufferAfterMinutes;
	positiveInt(stepMinutes, 'slotStepMinutes', false);

	const windows: [number, number][][] = Array.from({ length: 8 }, () => []);
	for (const w of rules.weekly) {
		if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7)
			throw new RangeError(`Invalid weekday: ${w.weekday}`);
		const s = parseHHMM(w.start);
		const e = parseHHMM(w.end);
		if (e <= s) throw new RangeError(`Window ${w.start}–${w.end} ends before it starts`);
		windows[w.weekday].push([s, e]);
	}
	for (const list of windows) list.sort((a, b) => a[0] - b[0]);

	const intervals: [number, number][] = [];
	const perDay = new Map<number, number>();
	for (const b of busy) {
		const s = b.start.getTime();
		const e = b.end.getTime();
		if (e + after < lo || s - before > hi) continue;
		intervals.push([s - before, e + after]);
		const day = localDayOf(s);
		perDay.set(day, (perDay.get(day) ?? 0) + 1);
	}
	for (const x of rules.exceptions) {
		const s = x.start.getTime();
		const e = x.end.getTime();
		if (e >= lo && s <= hi) intervals.push([s, e]);
	}
	intervals.sort((a, b) => a[0] - b[0]);
	const blocked: [number, number][] = [];
	for (const [s, e] of intervals) {
		if (!(e > s)) continue;
		const last = blocked[blocked.length - 1];
		if (last && s <= last[1]) last[1] = Math.max(last[1], e);
		else blocked.push([s, e]);
	}
	return { session, before, after, step: stepMinutes * MINUTE, windows, blocked, perDay, maxPerDay: rules.maxPerDay };
}

/** Absolute window ranges of a local day, in start order. */
function dayWindows(p: Prepared, day: number): [number, number][] {
	return p.windows[isoWeekday(day)].map(([s, e]) => [
		wallToInstant(day * DAY + s * MINUTE),
		wallToInstant(day * DAY + e * MINUTE)
	]);
}

/** Index of the first blocked interval ending after `t` (blocked intervals are disjoint and sorted). */
function firstEndingAfter(blocked: [number, number][], t: number): number {
	let lo = 0;
	let hi = blocked.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (blocked[mid][1] <= t) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

/**
 * Free slots of one animator whose start lies in [from, to), in chronological order.
 * `busy` = the animator's existing pending/confirmed sessions (unwidened); `now` = the current instant.
 */
export function freeSlots(rules: AvailabilityRules, busy: Busy[], from: Date, to: Date, now: Date): Slot[] {
	const earliest = Math.max(from.getTime(), now.getTime() + rules.minNoticeMinutes * MINUTE);
	const latestIncl = now.getTime() + rules.horizonDays * DAY;
	const toExcl = to.getTime();
	const lastStart = Math.min(toExcl - 1, latestIncl);
	// Two days of margin on each side keep every session of the local days concerned (maxPerDay).
	const p = prepare(rules, busy, earliest - 2 * DAY, lastStart + 2 * DAY);
	if (!(earliest < toExcl) || earliest > latestIncl) return [];
	const firstDay = localDayOf(earliest);
	const lastDay = localDayOf(lastStart);
	const out: Slot[] = [];
	let cursor = firstEndingAfter(p.blocked, earliest - p.before);
	let lastEmitted = -Infinity;
	for (let day = firstDay; day <= lastDay; day++) {
		if (p.maxPerDay !== null && (p.perDay.get(day) ?? 0) >= p.maxPerDay) continue;
		const starts: number[] = [];
		for (const [ws, we] of dayWindows(p, day)) {
			for (let s = ws + p.before; s + p.session + p.after <= we; s += p.step) {
				if (s < earliest) continue;
				if (s > lastStart) break;
				starts.push(s);
			}
		}
		starts.sort((a, b) => a - b);
		for (const s of starts) {
			if (s <= lastEmitted) continue; // overlapping windows of the same weekday
			const bs = s - p.before;
			const be = s + p.session + p.after;
			while (cursor < p.blocked.length && p.blocked[cursor][1] <= bs) cursor++;
			if (cursor < p.blocked.length && p.blocked[cursor][0] < be) continue;
			out.push({ start: new Date(s), end: new Date(s + p.session) });
			lastEmitted = s;
		}
	}
	return out;
}

/** Whether `slot` can be booked now, with a French reason when it cannot. */
export function isBookable(
	rules: AvailabilityRules,
	busy: Busy[],
	slot: Slot,
	now: Date,
	options: BookableOptions = {}
): { ok: true } | { ok: false; reason: string } {
	const s = slot.start.getTime();
	const e = slot.end.getTime();
	if (!Number.isFinite(s) || !Number.isFinite(e) || e <= s)
		return { ok: false, reason: 'Le créneau demandé est invalide.' };
	const p = prepare(rules, busy);
	if (e - s !== p.session)
		return {
			ok: false,
			reason: `La durée du créneau ne correspond pas à celle des séances (${formatDuration(rules.sessionMinutes)}).`
		};
	if (s < now.getTime() + rules.minNoticeMinutes * MINUTE)
		return {
			ok: false,
			reason:
				rules.minNoticeMinutes === 0
					? 'Ce créneau est déjà passé.'
					: `Ce créneau est trop proche${NBSP}: les séances se réservent au moins ${formatDuration(rules.minNoticeMinutes)} à l'avance.`
		};
	if (s > now.getTime() + rules.horizonDays * DAY)
		return {
			ok: false,
			reason: `Ce créneau est trop lointain${NBSP}: les séances se réservent au plus ${rules.horizonDays}${NBSP}jour${rules.horizonDays > 1 ? 's' : ''} à l'avance.`
		};
	const bs = s - p.before;
	const be = e + p.after;
	const containing = dayWindows(p, localDayOf(bs)).filter(([ws, we]) => ws <= bs && be <= we);
	if (containing.length === 0) {
		const buffers = p.before + p.after > 0 ? ', temps de préparation compris' : '';
		return { ok: false, reason: `Ce créneau est en dehors des horaires de disponibilité de l'animateur${buffers}.` };
	}
	if (!options.anyStart && !containing.some(([ws]) => (s - (ws + p.before)) % p.step === 0))
		return {
			ok: false,
			reason: 'Ce créneau ne correspond pas à un horaire proposé. Choisissez un des créneaux libres.'
		};
	for (const x of rules.exceptions)
		if (x.start.getTime() < be && bs < x.end.getTime())
			return { ok: false, reason: "L'animateur est absent à ce moment-là." };
	for (const b of busy)
		if (b.start.getTime() - p.before < be && bs < b.end.getTime() + p.after)
			return {
				ok: false,
				reason: `Ce créneau n'est plus disponible${NBSP}: il chevauche une autre séance de l'animateur (temps de préparation compris).`
			};
	if (p.maxPerDay !== null && (p.perDay.get(localDayOf(s)) ?? 0) >= p.maxPerDay)
		return {
			ok: false,
			reason: `L'animateur a déjà atteint son nombre maximal de séances pour cette journée (${p.maxPerDay}).`
		};
	return { ok: true };
}

/** The slot widened by the buffers: the range the database exclusion constraint stores. */
export function blockedRange(
	rules: Pick<AvailabilityRules, 'bufferBeforeMinutes' | 'bufferAfterMinutes'>,
	slot: Slot
): Slot {
	return {
		start: new Date(slot.start.getTime() - rules.bufferBeforeMinutes * MINUTE),
		end: new Date(slot.end.getTime() + rules.bufferAfterMinutes * MINUTE)
	};
}

/** '45 min', '1 h', '1 h 30', '2 jours'… (French, non-breaking spaces). */
export function formatDuration(minutes: number): string {
	if (minutes >= 1440 && minutes % 1440 === 0) {
		const d = minutes / 1440;
		return `${d}${NBSP}jour${d > 1 ? 's' : ''}`;
	}
	if (minutes < 60) return `${minutes}${NBSP}min`;
	const h = Math.floor(minutes / 60);
	const m = minutes % 60;
	return m === 0 ? `${h}${NBSP}h` : `${h}${NBSP}h${NBSP}${String(m).padStart(2, '0')}`;
}

const dayFmt = new Intl.DateTimeFormat('fr-FR', {
	timeZone: GUICHET_TZ,
	weekday: 'long',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});

function frDay(d: Date): string {
	return dayFmt
		.formatToParts(d)
		.map((part) => (part.type === 'day' && part.value === '1' ? '1er' : part.value))
		.join('');
}

function frTime(ms: number): string {
	const local = ms + offsetAt(ms);
	const minutesOfDay = Math.floor((((local % DAY) + DAY) % DAY) / MINUTE);
	const h = Math.floor(minutesOfDay / 60);
	const m = minutesOfDay % 60;
	return m === 0 ? `${h}${NBSP}h` : `${h}${NBSP}h${NBSP}${String(m).padStart(2, '0')}`;
}

/** « mardi 3 mars 2026 de 14 h 30 à 15 h 15 » (Europe/Paris, non-breaking spaces inside times). */
export function formatSlotFr(slot: Slot): string {
	const s = slot.start.getTime();
	const e = slot.end.getTime();
	if (localDayOf(s) === localDayOf(e) || (localDayOf(e) === localDayOf(s) + 1 && frTime(e) === `0${NBSP}h`))
		return `${frDay(slot.start)} de ${frTime(s)} à ${frTime(e)}`;
	return `du ${frDay(slot.start)} à ${frTime(s)} au ${frDay(slot.end)} à ${frTime(e)}`;
}
