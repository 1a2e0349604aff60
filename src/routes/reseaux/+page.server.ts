import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { listNetworks } from '$lib/server/networks/service';
import { myOpenMemberships, networkMemberCounts } from '$lib/server/networks/queries';

/** Public directory of networks (anonymous visitors too); search and region filter live in the URL. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const user = locals.user;
	const db = await getDb();
	const [networks, counts, mine] = await Promise.all([
		listNetworks(db, user),
		networkMemberCounts(db, user),
		user ? myOpenMemberships(db, user) : Promise.resolve([])
	]);
	const q = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
	const region = url.searchParams.get('region') ?? '';
	const fold = (s: string) =>
		s
			.normalize('NFD')
			.replace(/[\u0300-\u036f]/g, '')
			.toLowerCase();
	const needle = fold(q);
	const shown = networks.filter(
		(n) =>
			(!needle || fold(`${n.name} ${n.description}`).includes(needle)) && (!region || n.region_codes.includes(region))
	);
	return {
		q,
		region,
		total: networks.length,
		signedIn: !!user,
		networks: shown.map((n) => ({
			id: n.id,
			slug: n.slug,
			name: n.name,
			description: n.description,
			region_codes: n.region_codes,
			i_animate: n.i_animate,
			member_count: counts[n.id] ?? 0,
			mine: mine.filter((m) => m.network_id === n.id).map((m) => ({ org_name: m.org_name, status: m.status }))
		}))
	};
};
