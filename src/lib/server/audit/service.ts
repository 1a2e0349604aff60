// Reading the audit log. Rows are written by triggers only; what a person may read is decided by RLS
// (admins of the collectivité, animators of the network, platform admins).
import { withUser, type Actor, type Database } from '../db';
import type { AuditEntry } from '../../audit-labels';

export type { AuditEntry };

export type AuditScope = { orgId: string } | { networkId: string };

export interface AuditQuery {
	/** First word of the action: 'membre', 'reseau', 'spaser'. */
	category?: string;
	/** Rows older than this id (pagination). */
	before?: number;
	limit?: number;
}

export async function listAuditEntries(
	db: Database,
	actor: Actor,
	scope: AuditScope,
	q: AuditQuery = {}
): Promise<{ entries: AuditEntry[]; more: boolean }> {
	const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
	const rows = await withUser(db, actor, (tx) =>
		tx.query<AuditEntry>(
			`select a.id, a.at, a.action, a.target_table, a.target_id, a.details,
			        n.actor_name, n.subject_name, o.name as org_name
			   from public.audit_log a
			   cross join lateral app.audit_names(a.id) n
			   left join public.organisations o on o.id = a.org_id
			  where ${'orgId' in scope ? 'a.org_id = $1' : 'a.network_id = $1'}
			    and ($2::text is null or split_part(a.action, '.', 1) = $2)
			    and ($3::bigint is null or a.id < $3)
			  order by a.id desc
			  limit $4`,
			['orgId' in scope ? scope.orgId : scope.networkId, q.category ?? null, q.before ?? null, limit + 1]
		)
	);
	return { entries: rows.slice(0, limit).map((r) => ({ ...r, id: Number(r.id) })), more: rows.length > limit };
}
