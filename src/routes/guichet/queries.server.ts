// Presentation helpers shared by the Guichet vert pages (the data comes from $lib/server/guichet/service).
import { formatSlotFr, type Slot } from '$lib/server/guichet/slots';

export const STATUS_WORDS: Record<string, string> = {
	open: 'En attente de réponse',
	answered: 'Répondue',
	closed: 'Close',
	pending: 'À confirmer',
	confirmed: 'Confirmé',
	cancelled: 'Annulé',
	done: 'Séance tenue',
	no_show: 'Absence'
};

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
