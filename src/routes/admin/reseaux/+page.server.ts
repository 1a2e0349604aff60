import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, runAction } from '$lib/server/kit/forms';
import { requirePlatformAdmin } from '$lib/server/admin/access';
import { addAnimatorInput, removeAnimatorInput } from '$lib/server/admin/input';
import { addAnimator, createNetwork, listNetworks, removeAnimator } from '$lib/server/networks/service';
import { listAllAnimators, networkMemberCounts } from '$lib/server/networks/queries';
import { networkInput } from '$lib/server/networks/input';

export const load: PageServerLoad = async (event) => {
	const user = requirePlatformAdmin(event);
	const db = await getDb();
	const [networks, animators, counts] = await Promise.all([
		listNetworks(db, user),
		listAllAnimators(db, user),
		networkMemberCounts(db, user)
	]);
	return {
		networks: networks.map((n) => ({
			id: n.id,
			slug: n.slug,
			name: n.name,
			region_codes: n.region_codes,
			member_count: counts[n.id] ?? 0,
			animators: animators.filter((a) => a.network_id === n.id)
		}))
	};
};

export const actions: Actions = {
	create: async (event) => {
		const user = requirePlatformAdmin(event);
		const parsed = await parseForm(event.request, networkInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => createNetwork(await getDb(), user, parsed.data));
		if (!res.ok) return res.failure;
		return {
			intent: 'create',
			success: `Le réseau «\u00a0${parsed.data.name}\u00a0» a été créé. Nommez maintenant ses animateurs.`
		};
	},

	addAnimator: async (event) => {
		const user = requirePlatformAdmin(event);
		const parsed = await parseForm(event.request, addAnimatorInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () =>
			addAnimator(await getDb(), user, parsed.data.networkId, parsed.data.email)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'addAnimator',
			target: parsed.data.networkId,
			success: `${parsed.data.email} anime désormais ce réseau.`
		};
	},

	removeAnimator: async (event) => {
		const user = requirePlatformAdmin(event);
		const parsed = await parseForm(event.request, removeAnimatorInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () =>
			removeAnimator(await getDb(), user, parsed.data.networkId, parsed.data.userId)
		);
		if (!res.ok) return res.failure;
		return { intent: 'removeAnimator', target: parsed.data.networkId, success: "La personne n'anime plus ce réseau." };
	}
};
