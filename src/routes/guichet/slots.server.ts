// Presentation helpers shared by the Guichet vert pages (the data comes from $lib/server/guichet).
import { fail } from '@sveltejs/kit';
import { formatSlotFr, type Slot } from '$lib/server/guichet/slots';
import { AppError } from '$lib/server/kit/errors';
import { runAction } from '$lib/server/kit/forms';

/** Groups free slots by day label (« mardi 3 mars 2026 ») for display. */
export function groupSlots<S extends Slot & { animatorName?: string }>(slots: S[]) {
	const days: { day: string; slots: { iso: string; time: string; label: string; animatorName?: string }[] }[] = [];
	for (const s of slots) {
		const label = formatSlotFr(s);
		const i = label.indexOf(' de ');
		const day = i > 0 ? label.slice(0, i) : label;
		const time = i > 0 ? label.slice(i + 4) : label;
		let g = days[days.length - 1];
		if (!g || g.day !== day) days.push((g = { day, slots: [] }));
		g.slots.push({ iso: s.start.toISOString(), time, label, animatorName: s.animatorName });
	}
	return days;
}

export interface OfferedSlot {
	start: string;
	label: string;
	animatorName: string;
}

/**
 * A booking action (book, move) through runAction; when the slot was just taken (or the day is full), the
 * failure carries the next free slots the service offers (`nextSlots`), shown as one-click choices.
 */
export async function bookingAction<T>(raw: Record<string, unknown>, codes: string[], fn: () => Promise<T>) {
	let nextSlots: OfferedSlot[] | null = null;
	const res = await runAction(raw, async () => {
		try {
			return await fn();
		} catch (e) {
			const offered =
				e instanceof AppError && codes.includes(e.code)
					? (e.details?.nextSlots as { start: Date; label: string; animatorName: string }[] | undefined)
					: undefined;
			if (offered)
				nextSlots = offered.map((s) => ({
					start: new Date(s.start).toISOString(),
					label: s.label,
					animatorName: s.animatorName
				}));
			throw e;
		}
	});
	if (res.ok || !nextSlots) return res;
	return { ok: false as const, failure: fail(409, { ...(res.failure.data as Record<string, unknown>), nextSlots }) };
}
