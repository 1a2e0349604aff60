/** Service rows (snake_case, Date, numeric strings) → API bodies (camelCase, ISO dates, numbers). */
import type { z } from 'zod';
import type {
	memberSchema,
	membershipSchema,
	networkDetailSchema,
	networkSchema,
	organisationSchema
} from '$lib/server/api/schemas';
import type { Member, Organisation } from '../organisations/service';
import type { Membership, Network } from '../networks/service';
import { iso, num } from './http';

export function organisationDto(o: Organisation): z.input<typeof organisationSchema> {
	return {
		id: o.id,
		slug: o.slug,
		name: o.name,
		kind: o.kind,
		siren: o.siren,
		siret: o.siret,
		regionCode: o.region_code,
		departementCode: o.departement_code,
		population: num(o.population),
		purchaseVolumeEur: num(o.purchase_volume_eur),
		referentsCount: num(o.referents_count),
		spaserMandatory: o.spaser_mandatory,
		hasLogo: o.has_logo,
		myRole: o.my_role,
		createdAt: iso(o.created_at),
		archivedAt: iso(o.archived_at)
	};
}

export function memberDto(m: Member): z.input<typeof memberSchema> {
	return { userId: m.user_id, displayName: m.display_name, email: m.email, role: m.role, joinedAt: iso(m.created_at) };
}

export function networkDto(n: Network, anonymous: boolean): z.input<typeof networkSchema> {
	return {
		id: n.id,
		slug: n.slug,
		name: n.name,
		description: n.description,
		regionCodes: n.region_codes ?? [],
		createdAt: iso(n.created_at),
		iAnimate: n.i_animate,
		memberCount: anonymous ? null : num(n.member_count)
	};
}

export function membershipDto(m: Membership): z.input<typeof membershipSchema> {
	return {
		id: m.id,
		networkId: m.network_id,
		orgId: m.org_id,
		orgName: m.org_name,
		orgSlug: m.org_slug,
		orgKind: m.org_kind,
		departementCode: m.departement_code,
		status: m.status,
		message: m.message,
		reason: m.reason,
		requestedAt: iso(m.requested_at),
		requestedByName: m.requested_by_name,
		decidedAt: iso(m.decided_at),
		decidedByName: m.decided_by_name
	};
}

export function networkDetailDto(
	detail: {
		network: Network;
		animators: { user_id: string; display_name: string | null; email: string | null }[];
		memberships: Membership[];
	},
	anonymous: boolean
): z.input<typeof networkDetailSchema> {
	return {
		...networkDto(detail.network, anonymous),
		animators: detail.animators.map((a) => ({ userId: a.user_id, displayName: a.display_name, email: a.email })),
		members: detail.memberships
			.filter((m) => m.status === 'approved')
			.map((m) => ({
				membershipId: m.id,
				orgId: m.org_id,
				orgName: m.org_name,
				orgSlug: m.org_slug,
				orgKind: m.org_kind,
				departementCode: m.departement_code,
				since: iso(m.decided_at)
			}))
	};
}
