// Guichet vert: what a closed collectivité leaves behind.
import type { Tx } from '../db';
import { loadBooking, notify } from './booking-record';

/**
 * Before a collectivité is closed (organisations/data.ts, as the service role, in the closure's transaction): what the
 * network keeps of its Guichet vert history is anonymous. Its sessions to come are cancelled (the animator is
 * told, with the calendar cancellation), its open requests closed, its messages, attached files and survey
 * comments deleted and its questions' text replaced; dates, topics, stages, statuses and ratings stay for the
 * network's figures. The foreign keys then set org_id to null.
 */
export async function anonymiseForClosedOrganisation(
	tx: Tx,
	orgId: string,
	orgName: string
): Promise<{ cancelledSessions: number; requests: number }> {
	const upcoming = await tx.query<{ id: string }>(
		`update public.guichet_bookings set status = 'cancelled', sequence = sequence + 1, updated_at = now()
		  where org_id = $1 and status in ('pending', 'confirmed') and upper(during) > now()
		 returning id`,
		[orgId]
	);
	for (const { id } of upcoming) {
		await tx.query(
			`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during)
			 select $1, auth.uid(), 'cancelled', 'Collectivité fermée', during from public.guichet_bookings where id = $1`,
			[id]
		);
		await notify(
			tx,
			await loadBooking(tx, id),
			'animator',
			'rendez-vous annulé',
			`Le rendez-vous a été annulé : la collectivité « ${orgName} » a été fermée sur SPASER Commun.`,
			'CANCEL'
		);
	}
	await tx.query(
		`delete from public.guichet_attachments where request_id in (select id from public.guichet_requests where org_id = $1)`,
		[orgId]
	);
	await tx.query(
		`delete from public.guichet_messages where request_id in (select id from public.guichet_requests where org_id = $1)`,
		[orgId]
	);
	await tx.query(
		`update public.guichet_surveys set comment = '' where booking_id in (select id from public.guichet_bookings where org_id = $1)`,
		[orgId]
	);
	const requests = await tx.query<{ id: string }>(
		`update public.guichet_requests
		    set question = 'Demande d’une collectivité fermée : son contenu a été supprimé.', segment = '',
		        status = case when status = 'open' then 'closed' else status end,
		        closed_at = case when status = 'open' then now() else closed_at end
		  where org_id = $1 returning id`,
		[orgId]
	);
	return { cancelledSessions: upcoming.length, requests: requests.length };
}
