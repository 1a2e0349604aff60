// Wording of the refusals of the resources rules (RLS and the triggers of the migrations decide; this file only
// says it in French).
import type { Tx } from '../db';
import { AppError, forbidden } from '$lib/server/kit/errors';

/** The resources' own database refusals as French AppErrors (passed to kit's `guard`); null: not one of ours. */
export function resourceErrors(e: unknown): AppError | null {
	const msg = String((e as Error)?.message ?? '');
	if (msg.includes('comment_required'))
		return new AppError('comment_required', 'Expliquez les modifications demandées.', 400, { field: 'comment' });
	if (msg.includes('national_reference_platform_only'))
		return forbidden('Seule l’équipe de la plateforme peut marquer une ressource publique comme référence nationale.');
	return null;
}

/** The collectivité's admins and editors only (the role is read by app.has_org_role). */
export async function requireOrgEditor(tx: Tx, orgId: string, message: string): Promise<void> {
	const [role] = await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin','editor']) as ok`, [orgId]);
	if (!role?.ok) throw forbidden(message);
}

export async function requireAttacher(tx: Tx, resourceId: string): Promise<void> {
	const [ok] = await tx.query<{ ok: boolean }>(
		`select app.has_org_role(app.resource_org($1), array['admin','editor']) as ok`,
		[resourceId]
	);
	if (!ok?.ok)
		throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité ajoutent des pièces jointes.');
}
