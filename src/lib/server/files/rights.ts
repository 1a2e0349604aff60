// Rights checked BEFORE an upload is read or parsed (issue 14): a user who may not write into a collectivité gets
// its 403/404 at once, without making the server read their file. The writing transaction checks again (RLS).
import { withUser, type Actor, type Database } from '../db';
import { forbidden, toAppError } from '$lib/server/kit/errors';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The user must be an administrator or editor of the collectivité (403 otherwise, as the writes would answer). */
export async function requireOrgWriter(db: Database, actor: Actor, orgId: string, message: string): Promise<void> {
	if (!UUID_RE.test(orgId)) throw forbidden(message);
	try {
		const [row] = await withUser(db, actor, (tx) => tx.query<{ role: string | null }>('select app.org_role($1) as role', [orgId]));
		if (row?.role !== 'admin' && row?.role !== 'editor') throw forbidden(message);
	} catch (e) {
		throw toAppError(e);
	}
}
