import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { getOrganisationBySlug } from '$lib/server/organisations/service';
import { endMembership, listNetworks, listOrgMemberships, requestToJoin } from '$lib/server/networks/service';
import { endMembershipInput, joinNetworkInput } from '$lib/server/networks/input';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const db = await getDb();
	const [memberships, networks] = await Promise.all([listOrgMemberships(db, user, org.id), listNetworks(db, user)]);
	const open = new Set(
		memberships.filter((m) => m.status === 'pending' || m.status === 'approved').map((m) => m.network_id)
	);
	return {
		memberships,
		networkCount: networks.length,
		available: networks
			.filter((n) => !open.has(n.id))
			.map((n) => ({ id: n.id, name: n.name, slug: n.slug, region_codes: n.region_codes }))
	};
};

async function orgOf(event: RequestEvent) {
	const user = requireUser(event);
	const db = await getDb();
	return { user, db, org: await getOrganisationBySlug(db, user, event.params.slug) };
}

async function end(event: RequestEvent, intent: string, success: string) {
	requireUser(event);
	const parsed = await parseForm(event.request, endMembershipInput);
	if (parsed.failure) return parsed.failure;
	const res = await runAction(parsed.raw, async () => {
		const { user, db } = await orgOf(event);
		await endMembership(db, user, parsed.data.membershipId, parsed.data.reason);
	});
	if (!res.ok) return res.failure;
	return { intent, target: parsed.data.membershipId, success };
}

export const actions: Actions = {
	join: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, joinNetworkInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await requestToJoin(db, user, parsed.data.networkId, org.id, parsed.data.message);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'join',
			success:
				"Votre demande d'adhésion a été envoyée. Les animateurs du réseau en sont avertis par e-mail\u00a0; vous le serez de leur décision."
		};
	},
	withdraw: (event) => end(event, 'withdraw', 'Votre demande a été retirée.'),
	leaveNetwork: (event) => end(event, 'leaveNetwork', 'Votre collectivité a quitté le réseau.')
};
