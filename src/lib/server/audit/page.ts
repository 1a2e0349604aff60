import type { Actor, Database } from '../db';
import { AUDIT_CATEGORIES } from '../../audit-labels';
import { listAuditEntries, type AuditScope } from './service';

/** Parses ?categorie= and ?avant= and reads one page of the journal (unknown values are ignored, not errors). */
export async function loadAuditPage(db: Database, actor: Actor, scope: AuditScope, url: URL) {
	const category = url.searchParams.get('categorie');
	const before = Number(url.searchParams.get('avant'));
	const q = {
		category: category && category in AUDIT_CATEGORIES ? category : undefined,
		before: Number.isSafeInteger(before) && before > 0 ? before : undefined
	};
	const { entries, more } = await listAuditEntries(db, actor, scope, q);
	return { entries, more, category: q.category ?? '', paged: q.before !== undefined };
}
