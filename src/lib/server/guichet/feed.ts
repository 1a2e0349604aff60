// Guichet vert: the private calendar feed of a person's sessions, behind revocable tokens.
import type { Actor, Database } from '../db';
import { asService, withUser } from '../db';
import { randomToken, hashSecret } from '../auth/crypto';
import { appOrigin } from '../email/outbox';
import { guard, notFound } from '$lib/server/kit/errors';
import { calendarToIcs } from './ics';
import { feedToken } from './input';
import { BOOKING_SELECT, icsFor, type BookingRow } from './booking-record';

/** A new private feed URL for the caller (the token is shown once; only its hash is stored). */
export async function createFeedToken(db: Database, actor: Actor): Promise<{ id: string; token: string; url: string }> {
	const token = randomToken(20);
	return guard(
		withUser(db, actor, async (tx) => {
			const [row] = await tx.query<{ id: string }>(
				`insert into public.guichet_feed_tokens (user_id, token_hash) values (auth.uid(), $1) returning id`,
				[hashSecret(token)]
			);
			return { id: row.id, token, url: `${appOrigin()}/guichet/calendrier/${token}.ics` };
		})
	);
}

/** The caller's calendar feed links (never the token itself: it is shown once, at creation). */
export async function listFeedTokens(db: Database, actor: Actor) {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string; created_at: Date; revoked_at: Date | null }>(
				`select id, created_at, revoked_at from public.guichet_feed_tokens where user_id = auth.uid() order by created_at desc`
			)
		)
	);
}

export async function revokeFeedToken(db: Database, actor: Actor, id: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				`update public.guichet_feed_tokens set revoked_at = now() where id = $1 and revoked_at is null returning id`,
				[id]
			);
			if (!rows.length) throw notFound('Ce lien de calendrier');
		})
	);
}

/** The ICS feed behind a token (bookings as booker or animator, 90 days back), or null when unknown/revoked. */
export async function calendarFeed(db: Database, token: string): Promise<string | null> {
	if (!feedToken.safeParse(token).success) return null;
	return asService(db, 'guichet calendar feed', async (tx) => {
		const [t] = await tx.query<{ user_id: string }>(
			`select user_id from public.guichet_feed_tokens where token_hash = $1 and revoked_at is null`,
			[hashSecret(token)]
		);
		if (!t) return null;
		const rows = await tx.query<BookingRow>(
			`${BOOKING_SELECT} where (b.booker_id = $1 or b.animator_id = $1) and upper(b.during) > now() - interval '90 days' order by lower(b.during)`,
			[t.user_id]
		);
		return calendarToIcs(
			'Guichet vert',
			rows.map((b) => icsFor(b, 'PUBLISH'))
		);
	});
}
