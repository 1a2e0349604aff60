import type { LayoutServerLoad } from './$types';
import { orgContext } from './context.server';

export const load: LayoutServerLoad = async (event) => {
	const { org, orgs, role, canWrite } = await orgContext(event);
	return {
		ctxOrg: org ? { id: org.id, slug: org.slug, name: org.name, siren: org.siren } : null,
		ctxOrgs: orgs.map((o) => ({ slug: o.slug, name: o.name })),
		role,
		canWrite
	};
};
