// Rights checked BEFORE an upload is read or parsed (issue 14): a user who may not write into a collectivité gets
// its 403/404 at once, without making the server read their file. The writing transaction checks again (RLS).
import { withUser, type Actor, type Database } from '../db';
import { forbidden, guard } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';

/** The user must be an administrator or editor of the collectivité (403 otherwise, as the writes would answer). */
export async function requireOrgWriter(db: Database, actor: Actor, orgId: string, message: string): Promise<void> {
	if (!isUuid(orgId)) throw forbidden(message);
	const [row] = await guard(
		withUser(db, actor, (tx) => tx.query<{ role: string | null }>('select app.org_role($1) as role', [orgId]))
	);
	if (row?.role !== 'admin' && row?.role !== 'editor') throw forbidden(message);
}
