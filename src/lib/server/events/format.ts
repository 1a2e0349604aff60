// Formatting helpers for events (French, Europe/Paris), pure.
export const EVENTS_TZ = 'Europe/Paris';
const NBSP = '\u00a0';

const dayFmt = new Intl.DateTimeFormat('fr-FR', {
	timeZone: EVENTS_TZ,
	weekday: 'long',
	day: 'numeric',
	month: 'long',
	year: 'numeric'
});
const shortDayFmt = new Intl.DateTimeFormat('fr-FR', {
	timeZone: EVENTS_TZ,
	day: '2-digit',
	month: '2-digit',
	year: 'numeric'
});
const timeFmt = new Intl.DateTimeFormat('fr-FR', { timeZone: EVENTS_TZ, hour: '2-digit', minute: '2-digit' });

/** Replaces narrow no-break spaces (Intl) by no-break spaces: PDF standard fonts are WinAnsi. */
export const nbsp = (s: string) => s.replace(/[\u202f\u2009]/g, NBSP);

export const formatDay = (d: Date) => nbsp(dayFmt.format(d));
export const formatShortDay = (d: Date) => nbsp(shortDayFmt.format(d));

/** « jeudi 12 mars 2030, 09 h 30 – 12 h 00 » or across days. */
export function formatRange(start: Date, end: Date): string {
	const t = (d: Date) => nbsp(timeFmt.format(d)).replace(':', `${NBSP}h${NBSP}`);
	if (formatShortDay(start) === formatShortDay(end)) return `${formatDay(start)}, ${t(start)} – ${t(end)}`;
	return `du ${formatDay(start)}, ${t(start)} au ${formatDay(end)}, ${t(end)}`;
}

export const formatHourMinute = (d: Date) => nbsp(timeFmt.format(d)).replace(':', `${NBSP}h${NBSP}`);

/** Hours as « 3 h 30 » from a number of minutes. */
export function formatHours(minutes: number): string {
	const m = Math.round(minutes);
	const hh = Math.floor(m / 60);
	const mm = m % 60;
	if (hh === 0) return `${mm}${NBSP}min`;
	return mm ? `${hh}${NBSP}h${NBSP}${String(mm).padStart(2, '0')}` : `${hh}${NBSP}h`;
}

const wallFmt = new Intl.DateTimeFormat('en-GB', {
	timeZone: EVENTS_TZ,
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
	hour: '2-digit',
	minute: '2-digit',
	hourCycle: 'h23'
});

/** The Paris wall-clock parts of an instant, as two-digit strings (year: four). */
export function parisParts(d: Date): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
	const parts = wallFmt.formatToParts(d);
	const g = (k: string) => parts.find((p) => p.type === k)?.value ?? '';
	return { year: g('year'), month: g('month'), day: g('day'), hour: g('hour'), minute: g('minute') };
}

/** Value for <input type="datetime-local"> in Paris time. */
export function toLocalInput(d: Date | null | undefined): string {
	if (!d) return '';
	const p = parisParts(d);
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}
