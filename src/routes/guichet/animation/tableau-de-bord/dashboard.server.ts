import { error } from '@sveltejs/kit';
import type { RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { orHttpError } from '$lib/server/kit/errors';
import { networkDashboard } from '$lib/server/guichet/dashboard';
import { animatedNetworks } from '$lib/server/guichet/lists';
import { dashboardYear } from '$lib/server/guichet/input';

/** The dashboard of the network chosen by ?reseau= (first animated network by default) for ?annee=. */
export async function dashboardFor(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const db = await getDb();
	const networks = await orHttpError(animatedNetworks(db, user));
	const slug = event.url.searchParams.get('reseau');
	const network = networks.find((n) => n.slug === slug) ?? networks[0];
	if (!network) error(403, { message: 'Le tableau de bord est réservé aux animateurs et animatrices du réseau.' });
	const thisYear = Number(
		new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', year: 'numeric' }).format(new Date())
	);
	const year = dashboardYear(event.url.searchParams.get('annee'), thisYear);
	const dashboard = await orHttpError(networkDashboard(db, user, network.id, { year }));
	return { networks, network, dashboard, thisYear };
}
