// The audit log (supabase/migrations/20261123090000_audit.sql) is written by triggers only: the rows here are
// those the base fixture's own inserts produced (members, network memberships, animators, SPASERs and their
// versions). A row is named by its scope (its collectivité, else its network) and the first word of its action,
// e.g. 'A:membre', 'N1:reseau'; a network membership has both scopes, so N1's animators see 'A:reseau' too.
import type { RlsExtension } from '../rls-types';

const D = 'denied';
export const extension: RlsExtension = {
	ids: {},
	async build() {},
	matrix: {
		audit_log: {
			key: `coalesce(org_id, network_id)::text || ':' || split_part(action, '.', 1)`,
			insert: `insert into public.audit_log (action, target_table) values ('membre.ajout', 'organisation_members')`,
			set: 'action = action',
			expect: {
				//        anon  outsider              viewer editor admin                animN2               animN1               platform
				select: [
					D,
					'B:indicateur B:membre B:reseau B:ressource B:spaser',
					'-',
					'-',
					'A:indicateur A:membre A:reseau A:ressource A:spaser',
					'B:reseau B:ressource N2:reseau',
					'A:reseau A:ressource B:reseau C:reseau N1:reseau',
					'*'
				],
				insert: [D, D, D, D, D, D, D, D],
				update: [D, D, D, D, D, D, D, D],
				delete: [D, D, D, D, D, D, D, D]
			}
		}
	}
};
