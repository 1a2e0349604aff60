/**
 * RLS matrix rows for SPASER imports (supabase/migrations/20261123040000_spaser_import.sql):
 *   impA      the original file of sA, imported by adminA (read by whoever reads sA: A's members, anim1 as sA is shared)
 *   impDraftA a draft of editorA for collectivité A (seen, changed and deleted by editorA only)
 *   impB      the original file of sB, imported by adminB (read by adminB, and anim2 as sB is shared with N2)
 */
import { ORGS, SPASERS, USERS } from '../rls-fixture';
import type { RlsExtension } from '../rls-types';

const imp = (k: number) => `74000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const IMPORTS = { impA: imp(1), impDraftA: imp(2), impB: imp(3) } as const;
const TEXT = 'text/plain; charset=utf-8';

export const extension: RlsExtension = {
	ids: IMPORTS,
	async build(tx) {
		const row = (id: string, org: string, doc: string | null, by: string) =>
			tx.query(
				`insert into public.spaser_imports (id, org_id, document_id, created_by, file_name, kind, mime, size, content, review, imported_at)
				 values ($1, $2, $3, $4, 'spaser.txt', 'txt', $5, 3, '\\x414243', case when $3::uuid is null then '{}'::jsonb end,
				         case when $3::uuid is null then null else now() end)`,
				[id, org, doc, by, TEXT]
			);
		await row(IMPORTS.impA, ORGS.A, SPASERS.sA, USERS.adminA);
		await row(IMPORTS.impDraftA, ORGS.A, null, USERS.editorA);
		await row(IMPORTS.impB, ORGS.B, SPASERS.sB, USERS.adminB);
	},
	matrix: {
		spaser_imports: {
			key: 'id',
			insert: `insert into public.spaser_imports (org_id, file_name, kind, mime, size, content) values ('${ORGS.A}', 'x.txt', 'txt', '${TEXT}', 1, '\\x41')`,
			set: 'review = review',
			expect: {
				//          anon      outsider  viewer   editor              admin    animN2   animN1   platform
				select: ['denied', 'impB', 'impA', 'impA impDraftA', 'impA', 'impB', 'impA', '-'],
				insert: ['denied', 'rls', 'rls', 'ok', 'ok', 'rls', 'rls', 'rls'],
				update: ['denied', '-', '-', 'impDraftA', '-', '-', '-', '-'],
				delete: ['denied', '-', '-', 'impDraftA', '-', '-', '-', '-']
			}
		}
	}
};
