import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { runAction } from '$lib/server/kit/forms';
import {
	animatedNetworkSettings,
	benchmarkView,
	isValidatedOrg,
	KINDS,
	latestPublication,
	peerScopes,
	publishBenchmarks,
	setNetworkK,
	SIZES
} from '$lib/server/benchmark/service';
import { listCatalogue, listValues } from '$lib/server/indicators/service';
import { orgContext } from '../indicateurs/context.server';

export const load: PageServerLoad = async (event) => {
	const { db, user, org, orgs } = await orgContext(event);
	const [animated, publication] = await Promise.all([animatedNetworkSettings(db, user), latestPublication(db, user)]);
	const base = {
		animated,
		canPublish: animated.length > 0 || user.isPlatformAdmin,
		publication,
		kinds: KINDS,
		sizes: SIZES,
		ctxOrg: org ? { slug: org.slug, name: org.name } : null,
		ctxOrgs: orgs.map((o) => ({ slug: o.slug, name: o.name }))
	};
	if (!org) return { ...base, validated: false, scopes: [], catalogue: [], years: [], query: null, view: null };
	const sp = event.url.searchParams;
	const [scopes, catalogue, mine, validated] = await Promise.all([
		peerScopes(db, user, org.id),
		listCatalogue(db, user, org.id),
		listValues(db, user, org.id),
		isValidatedOrg(db, user, org.id)
	]);
	const comparable = catalogue.filter((d) => !d.orgId);
	const indicator =
		comparable.find((d) => d.id === sp.get('indicateur')) ??
		comparable.find((d) => d.code === (sp.get('code') ?? 'CAN-ENV-01')) ??
		comparable[0];
	const myYears = mine.filter((v) => v.indicatorId === indicator?.id).map((v) => v.year);
	const now = new Date().getFullYear();
	const years = [...new Set([now - 5, now - 4, now - 3, now - 2, now - 1, now, ...myYears])].sort((a, b) => b - a);
	const year = Number(sp.get('annee')) || (myYears.length ? Math.max(...myYears) : now - 1);
	const scope = scopes.find((s) => s.scope === sp.get('groupe'))?.scope ?? scopes[0]?.scope ?? null;
	const kind = sp.get('type') && sp.get('type')! in KINDS ? sp.get('type')! : '*';
	const size = sp.get('taille') && sp.get('taille')! in SIZES ? sp.get('taille')! : '*';
	const query = { indicator: indicator?.id ?? null, year, scope, kind, size };
	const view =
		indicator && scope
			? await benchmarkView(db, user, { indicator: indicator.id, year, scope, kind, size, org: org.id })
			: null;
	return { ...base, validated, scopes, catalogue: comparable, years, query, view };
};

export const actions: Actions = {
	publish: async (event) => {
		const { db, user } = await orgContext(event);
		const res = await runAction({}, () => publishBenchmarks(db, user));
		if (!res.ok) return res.failure;
		return { published: true };
	},
	k: async (event) => {
		const { db, user } = await orgContext(event);
		const form = await event.request.formData();
		const networkId = String(form.get('network') ?? '');
		const raw = { k: String(form.get('k') ?? '') };
		const res = await runAction(raw, () => setNetworkK(db, user, networkId, Number(raw.k)));
		if (!res.ok) return res.failure;
		if (!networkId) return fail(400, { message: 'Réseau manquant.' });
		return { kSaved: Number(raw.k) };
	}
};
