// The refusals of the SPASER rules, worded for people. The rules themselves are SQL: app.spaser_access(id) ('write',
// 'read' or null, under RLS) and app.has_org_role; these helpers only turn a refusal into a clear French message.
import type { Tx } from '../db';
import { AppError, forbidden } from '$lib/server/kit/errors';

export type SpaserAccess = 'write' | 'read';

const WRITE_REFUSED = 'Seuls les administrateurs et rédacteurs des collectivités du SPASER peuvent le modifier.';

/** The document (as read with its `my_access`) may be changed by this person; else 403 with `message`. */
export function requireWrite(doc: { my_access: SpaserAccess | null }, message = WRITE_REFUSED): void {
	if (doc.my_access !== 'write') throw forbidden(message);
}

/** Restoring a version: the same rule, its own message. */
export function requireWriteToRestore(doc: { my_access: SpaserAccess | null }): void {
	if (doc.my_access !== 'write')
		throw new AppError(
			'forbidden',
			'Seuls les administrateurs et rédacteurs des collectivités du SPASER peuvent restaurer une version.',
			403
		);
}

/** The person is an administrator or editor of every one of these collectivités (creating or joining a SPASER). */
export async function requireEditorOf(tx: Tx, orgIds: string[]): Promise<void> {
	const rows = await tx.query<{ id: string; ok: boolean }>(
		`select o as id, app.has_org_role(o, array['admin', 'editor']) as ok from unnest($1::uuid[]) as o`,
		[orgIds]
	);
	if (rows.some((r) => !r.ok))
		throw forbidden('Vous devez être administrateur ou rédacteur de chaque collectivité associée au SPASER.');
}
