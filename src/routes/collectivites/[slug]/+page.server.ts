import type { PageServerLoad } from './$types';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { listMembers } from '$lib/server/organisations/service';
import { listOrgMemberships } from '$lib/server/networks/service';
import { listSpaserDocuments } from '$lib/server/spaser/documents';

export const load: PageServerLoad = async (event) => {
	const user = requireUser(event);
	const { org } = await event.parent();
	const db = await getDb();
	const [members, memberships, spasers] = await Promise.all([
		listMembers(db, user, org.id),
		listOrgMemberships(db, user, org.id),
		listSpaserDocuments(db, user, org.id)
	]);
	return {
		memberCount: members.length,
		adminCount: members.filter((m) => m.role === 'admin').length,
		networks: memberships.filter((m) => m.status === 'approved' || m.status === 'pending'),
		spasers: spasers.map((d) => ({
			id: d.id,
			title: d.title,
			status: d.status,
			period_start: d.period_start,
			period_end: d.period_end,
			published_at: d.published_at
		}))
	};
};
