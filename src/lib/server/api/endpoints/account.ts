import { meSchema } from '$lib/server/api/schemas';
import { listMyOrganisations } from '../../organisations/service';
import { listNetworks } from '../../networks/service';
import { getProfile } from '../queries';
import { defineEndpoint } from '../registry';

export const accountEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/me',
		operationId: 'getMe',
		summary: 'La personne à qui appartient le jeton',
		description:
			'Identité, permissions du jeton, collectivités dont la personne est membre (avec son rôle) et réseaux qu’elle anime.',
		tags: ['Compte'],
		scope: 'read',
		response: meSchema,
		handler: async ({ db, actor, caller }) => {
			const me = actor!;
			const [profile, orgs, networks] = [
				await getProfile(db, me),
				await listMyOrganisations(db, me),
				await listNetworks(db, me)
			];
			return {
				id: profile.id,
				email: profile.email,
				displayName: profile.display_name,
				emailVerified: profile.email_verified_at !== null,
				isPlatformAdmin: profile.is_platform_admin,
				scopes: caller!.scopes,
				memberships: orgs.flatMap((o) =>
					o.my_role ? [{ orgId: o.id, slug: o.slug, name: o.name, role: o.my_role }] : []
				),
				animatedNetworks: networks.filter((n) => n.i_animate).map((n) => ({ id: n.id, slug: n.slug, name: n.name }))
			};
		}
	})
];
