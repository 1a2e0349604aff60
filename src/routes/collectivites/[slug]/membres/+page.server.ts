import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getDb } from '$lib/server/db';
import { parseForm, requireUser, runAction } from '$lib/server/kit/forms';
import {
	changeMemberRole,
	getOrganisationBySlug,
	inviteMember,
	leaveOrganisation,
	listInvitations,
	listMembers,
	removeMember,
	revokeInvitation,
	transferAdmin
} from '$lib/server/organisations/service';
import { invitationIdInput, invitationInput, memberInput, roleChangeInput } from '$lib/server/organisations/input';
import { ROLE_LABELS } from '$lib/organisations/labels';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const db = await getDb();
	const members = await listMembers(db, user, org.id);
	const invitations = org.my_role === 'admin' ? await listInvitations(db, user, org.id) : [];
	return { members, invitations, me: user.id };
};

/** The collectivité of the URL, as RLS lets this person see it. */
async function orgOf(event: RequestEvent) {
	const user = requireUser(event);
	const db = await getDb();
	const org = await getOrganisationBySlug(db, user, event.params.slug);
	return { user, db, org };
}

export const actions: Actions = {
	role: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, roleChangeInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await changeMemberRole(db, user, org.id, parsed.data.userId, parsed.data.role);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'role',
			target: parsed.data.userId,
			success: `Rôle modifié\u00a0: ${ROLE_LABELS[parsed.data.role].toLowerCase()}.`
		};
	},

	remove: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, memberInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await removeMember(db, user, org.id, parsed.data.userId);
		});
		if (!res.ok) return res.failure;
		return { intent: 'remove', target: parsed.data.userId, success: 'Le membre a été retiré de la collectivité.' };
	},

	invite: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, invitationInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await inviteMember(db, user, org.id, parsed.data.email, parsed.data.role);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'invite',
			success: `Invitation envoyée à ${parsed.data.email}. Le lien, valable 7\u00a0jours, arrive par e-mail.`
		};
	},

	revoke: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, invitationIdInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await revokeInvitation(db, user, org.id, parsed.data.invitationId);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'revoke',
			target: parsed.data.invitationId,
			success: "L'invitation a été annulée\u00a0: son lien ne fonctionne plus."
		};
	},

	transfer: async (event) => {
		requireUser(event);
		const parsed = await parseForm(event.request, memberInput);
		if (parsed.failure) return parsed.failure;
		const res = await runAction(parsed.raw, async () => {
			const { user, db, org } = await orgOf(event);
			await transferAdmin(db, user, org.id, parsed.data.userId);
		});
		if (!res.ok) return res.failure;
		return {
			intent: 'transfer',
			success: 'Le rôle d’administrateur a été transmis. Vous êtes maintenant rédacteur·rice de la collectivité.'
		};
	},

	leave: async (event) => {
		const res = await runAction({ intent: 'leave' }, async () => {
			const { user, db, org } = await orgOf(event);
			await leaveOrganisation(db, user, org.id);
		});
		if (!res.ok) return res.failure;
		redirect(303, '/collectivites?quitte=1');
	}
};
