import { error } from '@sveltejs/kit';
import type { RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { networkDashboard } from '$lib/server/guichet/service';
import { orHttpError } from '$lib/server/kit/errors';
import { animatedNetworks } from '$lib/server/guichet/service';

/** The dashboard of the network chosen by ?reseau= (first animated network by default) for ?annee=. */
export async function dashboardFor(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const db = await getDb();
	const networks = await animatedNetworks(db, user);
	const slug = event.url.searchParams.get('reseau');
	const network = networks.find((n) => n.slug === slug) ?? networks[0];
	if (!network) error(403, { message: 'Le tableau de bord est réservé aux animateurs et animatrices du réseau.' });
	const thisYear = Number(new Intl.DateTimeFormat('fr-FR', { timeZone: 'Europe/Paris', year: 'numeric' }).format(new Date()));
	const asked = Number(event.url.searchParams.get('annee'));
	const year = Number.isInteger(asked) && asked >= 2020 && asked <= thisYear + 1 ? asked : thisYear;
	const dashboard = await orHttpError(networkDashboard(db, user, network.id, { year }));
	return { networks, network, dashboard, thisYear };
}

export const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
