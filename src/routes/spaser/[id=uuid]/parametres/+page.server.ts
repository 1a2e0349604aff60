import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import { listMyOrganisations } from '$lib/server/organisations/service';
import {
	addCoOwner,
	deleteSpaserDocument,
	getSpaserDocument,
	removeCoOwner,
	setSharingWithNetworks,
	STATUS_TRANSITIONS,
	updateSpaserMetadata
} from '$lib/server/spaser/documents';
import { metadataForm } from '$lib/server/spaser/input';
import { DOC_STATUSES } from '$lib/spaser/model';
import { writesFor } from '$lib/server/organisations/access';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { spaser } = await event.parent();
	const mine = await listMyOrganisations(await getDb(), user);
	const lead = spaser.orgs.find((o) => o.is_lead);
	return {
		transitions: STATUS_TRANSITIONS[spaser.status].map((s) => ({ key: s, label: DOC_STATUSES[s] })),
		/** Collectivités the user edits for and that do not own this SPASER yet (candidates for a joint SPASER). */
		coOwnerCandidates: mine
			.filter((o) => writesFor(o) && !spaser.orgs.some((x) => x.id === o.id))
			.map((o) => ({ id: o.id, name: o.name })),
		myAdminOrgIds: mine.filter((o) => o.my_role === 'admin').map((o) => o.id),
		isLeadAdmin: !!lead && mine.some((o) => o.id === lead.id && o.my_role === 'admin')
	};
};

export const actions: Actions = {
	metadata: async (event) => {
		const user = requireUser(event);
		const parsed = await parseForm(event.request, metadataForm);
		if (parsed.failure) return fail(400, { ...parsed.failure.data, intent: 'metadata' });
		const v = parsed.data;
		const res = await runAction({ ...parsed.raw, intent: 'metadata' }, async () =>
			updateSpaserMetadata(await getDb(), user, event.params.id, {
				title: v.title,
				periodStart: v.periodStart,
				periodEnd: v.periodEnd,
				status: (v.status as keyof typeof DOC_STATUSES | undefined) || undefined,
				adoptedOn: v.adoptedOn?.trim() || null,
				deliberationRef: v.deliberationRef?.trim() || null
			})
		);
		if (!res.ok) return res.failure;
		return { intent: 'metadata', success: 'Les informations du SPASER ont été enregistrées.' };
	},

	sharing: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const shared = form.get('shared') === 'on';
		const res = await runAction({ intent: 'sharing' }, async () =>
			setSharingWithNetworks(await getDb(), user, event.params.id, shared)
		);
		if (!res.ok) return res.failure;
		return {
			intent: 'sharing',
			success: shared
				? 'Les animateurs des réseaux de vos collectivités peuvent maintenant lire ce SPASER (sans le modifier).'
				: 'Le SPASER n’est plus partagé avec les animateurs des réseaux.'
		};
	},

	addOwner: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const orgId = String(form.get('orgId') ?? '');
		if (!orgId)
			return fail(400, {
				intent: 'addOwner',
				values: { intent: 'addOwner' },
				errors: { orgId: 'Choisissez une collectivité.' },
				message: 'Choisissez une collectivité.'
			});
		const res = await runAction({ intent: 'addOwner', orgId }, async () =>
			addCoOwner(await getDb(), user, event.params.id, orgId)
		);
		if (!res.ok) return res.failure;
		const added = res.value.orgs.find((o) => o.id === orgId);
		return {
			intent: 'addOwner',
			success: `${added?.name ?? 'La collectivité'} est maintenant associée à ce SPASER conjoint.`
		};
	},

	removeOwner: async (event) => {
		const user = requireUser(event);
		const form = await event.request.formData();
		const orgId = String(form.get('orgId') ?? '');
		const db = await getDb();
		const res = await runAction({ intent: 'removeOwner', orgId }, () =>
			removeCoOwner(db, user, event.params.id, orgId)
		);
		if (!res.ok) return res.failure;
		// leaving may remove one's own access
		if (!res.value.my_access) {
			const still = await getSpaserDocument(db, user, event.params.id).catch(() => null);
			if (!still) redirect(303, '/collectivites');
		}
		return { intent: 'removeOwner', success: 'La collectivité a été retirée de ce SPASER.', target: orgId };
	},

	delete: async (event) => {
		const user = requireUser(event);
		const db = await getDb();
		const doc = await getSpaserDocument(db, user, event.params.id).catch(() => null);
		const res = await runAction({ intent: 'delete' }, () => deleteSpaserDocument(db, user, event.params.id));
		if (!res.ok) return res.failure;
		const lead = doc?.orgs.find((o) => o.is_lead);
		redirect(303, lead ? `/collectivites/${lead.slug}/spaser?supprime=1` : '/collectivites');
	}
};
