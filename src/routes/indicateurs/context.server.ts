// The collectivité an /indicateurs or /comparaison page works on: ?org=<slug>, else the person's first one.
import { error, type RequestEvent } from '@sveltejs/kit';
import { getDb } from '$lib/server/db';
import { requireUser } from '$lib/server/kit/forms';
import { listMyOrganisations } from '$lib/server/organisations/service';

export async function orgContext(event: Pick<RequestEvent, 'locals' | 'url'>) {
	const user = requireUser(event);
	const db = await getDb();
	const orgs = await listMyOrganisations(db, user);
	const slug = event.url.searchParams.get('org');
	const org = slug ? orgs.find((o) => o.slug === slug) : orgs[0];
	if (slug && !org) error(404, "Cette collectivité n'existe pas ou vous n'en êtes pas membre.");
	const role = (org as { my_role?: string } | undefined)?.my_role ?? null;
	return { user, db, orgs, org: org ?? null, role, canWrite: role === 'admin' || role === 'editor' };
}
