// Who may do what in a collectivité, as the pages and the API word it. The rules are SQL (RLS on organisations and
// their data, app.org_role, app.has_org_role): these helpers read the role that RLS returned (`my_role`) to show or
// refuse early with a clear French message; the database refuses anyway.
import { forbidden } from '$lib/server/kit/errors';
import type { MemberRole } from '../../organisations/labels';

/** Administrators and editors write for the collectivité (SPASER, indicators, imports). */
export function writesFor(org: { my_role: MemberRole | null }): boolean {
	return org.my_role === 'admin' || org.my_role === 'editor';
}

/** The collectivité's settings: its administrators, and the platform administrators. */
export function requireOrgAdmin(org: { my_role: MemberRole | null }, isPlatformAdmin: boolean): void {
	if (org.my_role !== 'admin' && !isPlatformAdmin)
		throw forbidden('Seuls les administrateurs de la collectivité peuvent modifier ses informations.');
}
