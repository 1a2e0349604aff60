// Who may act on a network membership, as the pages and the API word it. The rules are SQL (RLS on
// network_memberships, app.is_network_animator, app.has_org_role): the service reads those facts for the row and
// these helpers turn them into a decision or a clear French refusal; the database refuses anyway.
import { AppError } from '$lib/server/kit/errors';
import type { MembershipStatus } from './service';

/** Deciding on a request: the network's animators (and the platform administrators). */
export function requireAnimator(m: { i_animate: boolean }): void {
	if (!m.i_animate)
		throw new AppError('forbidden', 'Seuls les animateurs du réseau peuvent décider des adhésions.', 403);
}

/**
 * Ending a membership: the collectivité's admins withdraw a pending request or leave; an animator removes a member.
 * The status the membership takes, or a 403.
 */
export function endingStatus(m: {
	status: string;
	is_admin: boolean;
	i_animate: boolean;
}): Extract<MembershipStatus, 'withdrawn' | 'left' | 'removed'> {
	if (m.status === 'pending' && m.is_admin) return 'withdrawn';
	if (m.status === 'approved' && m.is_admin) return 'left';
	if (m.status === 'approved' && m.i_animate) return 'removed';
	throw new AppError('forbidden', 'Vous ne pouvez pas modifier cette adhésion.', 403);
}
