import type { RequestHandler } from './$types';
import { csvDocument } from '$lib/server/files/csv';
import { download } from '$lib/server/kit/download';
import { MONTHS } from '$lib/guichet/labels';
import { dashboardFor } from '../dashboard.server';

const dec = (n: number | null) => (n == null ? '' : String(n).replace('.', ','));

// CSV export of the dashboard (semicolon-separated, UTF-8 with BOM: opens as-is in French spreadsheets).
export const GET: RequestHandler = async (event) => {
	const { network, dashboard: d } = await dashboardFor(event);
	const rows: unknown[][] = [['Section', 'Libellé', 'Valeur', 'Valeur 2']];
	for (const m of d.months)
		rows.push([
			'Demandes par mois (questions minute ; rendez-vous)',
			`${MONTHS[m.month - 1]} ${d.year}`,
			m.questions,
			m.sessions
		]);
	for (const t of d.topics) rows.push(['Sujets', t.topic, t.count, '']);
	for (const s of d.stages) rows.push(['Étapes', s.label, s.count, '']);
	for (const o of d.served) rows.push(['Collectivités accompagnées', o.name, o.requests, '']);
	for (const o of d.neverServed) rows.push(['Collectivités jamais accompagnées', o.name, '', '']);
	rows.push(['Indicateurs', 'Délai médian avant le rendez-vous (heures)', dec(d.medianHoursToSession), '']);
	rows.push(['Indicateurs', 'Délai médian de réponse aux questions minute (heures)', dec(d.medianHoursToAnswer), '']);
	rows.push([
		'Indicateurs',
		'Satisfaction moyenne (sur 5) ; nombre de réponses',
		dec(d.satisfaction.mean),
		d.satisfaction.answers
	]);
	rows.push(['Indicateurs', 'Séances tenues', d.sessionsDone, '']);
	rows.push(['Indicateurs', 'Absences', d.noShows, '']);
	const body = csvDocument(rows, { separator: ';' });
	return download(body, `guichet-vert-${network.slug}-${d.year}.csv`, { type: 'text/csv; charset=utf-8' });
};
