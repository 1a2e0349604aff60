// Guichet vert: the network's rules for cancelling and moving sessions (set by its animators).
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { guard } from '$lib/server/kit/errors';
import { requireAnimator } from './access';
import { parseInput, settingsRules } from './input';

export interface GuichetSettings {
	cancelMinNoticeMinutes: number;
	rescheduleMinNoticeMinutes: number;
	buyerMayCancel: boolean;
	buyerMayReschedule: boolean;
}
const DEFAULT_SETTINGS: GuichetSettings = {
	cancelMinNoticeMinutes: 1440,
	rescheduleMinNoticeMinutes: 1440,
	buyerMayCancel: true,
	buyerMayReschedule: true
};

export async function readSettings(tx: Tx, networkId: string): Promise<GuichetSettings> {
	const [s] = await tx.query<{ c: number; r: number; bc: boolean; br: boolean }>(
		`select cancel_min_notice_minutes as c, reschedule_min_notice_minutes as r, buyer_may_cancel as bc, buyer_may_reschedule as br
		   from public.guichet_settings where network_id = $1`,
		[networkId]
	);
	return s
		? { cancelMinNoticeMinutes: s.c, rescheduleMinNoticeMinutes: s.r, buyerMayCancel: s.bc, buyerMayReschedule: s.br }
		: { ...DEFAULT_SETTINGS };
}

export async function getSettings(db: Database, actor: Actor, networkId: string) {
	return guard(withUser(db, actor, (tx) => readSettings(tx, networkId)));
}

export async function updateSettings(db: Database, actor: Actor, networkId: string, input: GuichetSettings) {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireAnimator(tx, networkId);
			parseInput(settingsRules, input);
			await tx.query(
				`insert into public.guichet_settings (network_id, cancel_min_notice_minutes, reschedule_min_notice_minutes, buyer_may_cancel, buyer_may_reschedule)
				 values ($1, $2, $3, $4, $5)
				 on conflict (network_id) do update set cancel_min_notice_minutes = excluded.cancel_min_notice_minutes,
				   reschedule_min_notice_minutes = excluded.reschedule_min_notice_minutes, buyer_may_cancel = excluded.buyer_may_cancel,
				   buyer_may_reschedule = excluded.buyer_may_reschedule, updated_at = now()`,
				[
					networkId,
					input.cancelMinNoticeMinutes,
					input.rescheduleMinNoticeMinutes,
					input.buyerMayCancel,
					input.buyerMayReschedule
				]
			);
		})
	);
}
