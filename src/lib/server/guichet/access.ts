// Guichet vert: the refusals, worded. The rules themselves are SQL (row-level security and the app.guichet_*
// security-definer functions); these helpers ask them and say no in French.
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { forbidden, guard, notFound } from '$lib/server/kit/errors';
import { READER_MESSAGE } from '$lib/guichet/labels';

/** Is the caller an animator of the network? */
export async function isNetworkAnimator(tx: Tx, networkId: string): Promise<boolean> {
	const [r] = await tx.query<{ ok: boolean }>('select app.is_network_animator($1) as ok', [networkId]);
	return !!r?.ok;
}

export async function requireAnimator(
	tx: Tx,
	networkId: string,
	message = 'Seuls les animateurs du réseau peuvent faire cette action.'
) {
	if (!(await isNetworkAnimator(tx, networkId))) throw forbidden(message);
}

/** 404 unless the caller sees the network's guichet (animator, member of an adherent collectivité, admin). */
export async function requireGuichet(tx: Tx, networkId: string, what = 'Ce guichet') {
	const [r] = await tx.query<{ ok: boolean }>('select app.guichet_sees_network($1) as ok', [networkId]);
	if (!r?.ok) throw notFound(what);
}

/** The same, as a call of its own (the API checks it before a service that would refuse otherwise). */
export async function seeGuichet(db: Database, actor: Actor, networkId: string) {
	return guard(withUser(db, actor, (tx) => requireGuichet(tx, networkId)));
}

/** The caller's own guichet profile (403 otherwise). */
export async function requireOwnProfile(tx: Tx, profileId: string) {
	const [own] = await tx.query<{ ok: boolean }>('select app.guichet_owns_profile($1) as ok', [profileId]);
	if (!own?.ok) throw forbidden();
}

/** The network's dashboard: its animators and the platform admins. */
export async function requireDashboard(tx: Tx, networkId: string) {
	const [r] = await tx.query<{ ok: boolean }>('select app.is_network_animator($1) or app.is_platform_admin() as ok', [
		networkId
	]);
	if (!r?.ok) throw forbidden('Le tableau de bord est réservé aux animateurs du réseau.');
}

/** The collectivité the caller asks or books for: one where they may act (admin or rédacteur, app.guichet_may_act). */
export async function requireBuyerOrg(tx: Tx, networkId: string, orgId?: string): Promise<string> {
	const [row] = await tx.query<{ org_id: string; may_act: boolean }>(
		`select m.org_id, app.guichet_may_act($1, m.org_id) as may_act from public.organisation_members m
		  where m.user_id = auth.uid() and ($2::uuid is null or m.org_id = $2) and app.guichet_is_buyer($1, m.org_id)
		  order by app.guichet_may_act($1, m.org_id) desc, m.created_at limit 1`,
		[networkId, orgId ?? null]
	);
	if (!row) throw forbidden('Le guichet est réservé aux membres des collectivités adhérentes du réseau.');
	if (!row.may_act) throw forbidden(READER_MESSAGE);
	return row.org_id;
}

/** A side of a request or booking (app.guichet_request_side / guichet_booking_side) that may write in it. */
export function requireActingSide(side: string | null, allowed: readonly string[]) {
	if (side === 'reader') throw forbidden(READER_MESSAGE);
	if (!side || !allowed.includes(side)) throw forbidden();
}
