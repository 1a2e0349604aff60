import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import {
	decideMembership,
	endMembership,
	getNetworkBySlug,
	requestToJoin,
	updateNetwork
} from '$lib/server/networks/service';
import { myOpenMemberships, networkMemberCounts } from '$lib/server/networks/queries';
import { listMyOrganisations } from '$lib/server/organisations/service';
import { orHttpError } from '$lib/server/kit/errors';
import {
	decideMembershipInput,
	joinRequestInput,
	networkInput,
	removeMembershipInput
} from '$lib/server/networks/input';

export const load: PageServerLoad = async ({ locals, params }) => {
	const user = locals.user;
	const db = await getDb();
	const { network, animators, memberships } = await orHttpError(getNetworkBySlug(db, user, params.slug));
	const counts = await networkMemberCounts(db, user);
	const canManage = !!user && (network.i_animate || user.isPlatformAdmin);
	let joinable: { id: string; name: string }[] = [];
	let mine: { org_name: string; org_slug: string; status: string }[] = [];
	if (user) {
		const [orgs, open] = await Promise.all([listMyOrganisations(db, user), myOpenMemberships(db, user)]);
		const openHere = open.filter((m) => m.network_id === network.id);
		mine = openHere.map((m) => ({ org_name: m.org_name, org_slug: m.org_slug, status: m.status }));
		joinable = orgs
			.filter((o) => o.my_role === 'admin' && !openHere.some((m) => m.org_id === o.id))
			.map((o) => ({ id: o.id, name: o.name }));
	}
	return {
		network,
		animators,
		canManage,
		signedIn: !!user,
		memberCount: counts[network.id] ?? 0,
		members: memberships.filter((m) => m.status === 'approved'),
		pending: canManage ? memberships.filter((m) => m.status === 'pending') : [],
		history: canManage
			? memberships
					.filter((m) => m.status !== 'pending' && m.decided_at)
					.sort((a, b) => new Date(b.decided_at!).getTime() - new Date(a.decided_at!).getTime())
			: [],
		joinable,
		mine
	};
};

async function networkOf(event: RequestEvent) {
	const user = requireUser(event);
	const db = await getDb();
	const { network } = await getNetworkBySlug(db, user, event.params.slug);
	return { user, db, network };
}

export const actions: Actions = {
	decide: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, decideMembershipInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db } = await networkOf(event);
			await decideMembership(db, user, parsed.data.membershipId, parsed.data.decision, parsed.data.reason);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'decide',
			target: parsed.data.membershipId,
			success:
				parsed.data.decision === 'approved'
					? 'Demande acceptée\u00a0: la collectivité est maintenant membre du réseau. Ses administrateurs en sont avertis par e-mail.'
					: 'Demande refusée. Les administrateurs de la collectivité en sont avertis par e-mail, avec le motif.'
		};
	},

	remove: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, removeMembershipInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db } = await networkOf(event);
			await endMembership(db, user, parsed.data.membershipId, parsed.data.reason);
		});
		if (!res.ok) return res.failure;
		return { intent: 'remove', target: parsed.data.membershipId, success: 'La collectivité a été retirée du réseau.' };
	},

	update: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, networkInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, network } = await networkOf(event);
			await updateNetwork(db, user, network.id, parsed.data);
		});
		if (!res.ok) return res.failure;
		return { intent: 'update', success: 'La présentation du réseau a été enregistrée.' };
	},

	join: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, joinRequestInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, network } = await networkOf(event);
			await requestToJoin(db, user, network.id, parsed.data.orgId, parsed.data.message);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'join',
			success:
				"Votre demande d'adhésion a été envoyée. Les animateurs du réseau en sont avertis par e-mail\u00a0; vous le serez de leur décision."
		};
	}
};
