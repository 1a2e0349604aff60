import type { Cookies } from '@sveltejs/kit';
import type { Database, Tx } from '../db';
import { asService } from '../db';
import { hashSecret, randomToken, secretMatches, splitToken } from './crypto';

/** Sessions end after this long without activity. */
export const INACTIVITY_TIMEOUT_MS = 10 * 24 * 60 * 60 * 1000;
/** last_verified_at is bumped at most this often (one write per hour, not per request). */
export const ACTIVITY_CHECK_INTERVAL_MS = 60 * 60 * 1000;
export const SESSION_COOKIE = 'spaser_session';

export interface SessionUser {
	id: string;
	email: string;
	displayName: string;
	emailVerified: boolean;
	isPlatformAdmin: boolean;
}

export interface Session {
	id: string;
	userId: string;
	createdAt: Date;
	lastVerifiedAt: Date;
}

export async function createSession(
	db: Database | Tx,
	userId: string,
	meta: { userAgent?: string | null; ip?: string | null } = {}
): Promise<{ token: string; session: Session }> {
	const id = randomToken();
	const secret = randomToken(20);
	const run = async (tx: Tx) => {
		const [row] = await tx.query<{ created_at: Date; last_verified_at: Date }>(
			`insert into public.sessions (id, user_id, secret_hash, user_agent, ip) values ($1, $2, $3, $4, $5)
			 returning created_at, last_verified_at`,
			[id, userId, hashSecret(secret), meta.userAgent?.slice(0, 300) ?? null, meta.ip ?? null]
		);
		return row;
	};
	const row = 'transaction' in db ? await asService(db, 'create session', run) : await run(db);
	return {
		token: `${id}.${secret}`,
		session: { id, userId, createdAt: row.created_at, lastVerifiedAt: row.last_verified_at }
	};
}

interface SessionRow {
	id: string;
	user_id: string;
	secret_hash: Uint8Array;
	created_at: Date;
	last_verified_at: Date;
	email: string;
	display_name: string;
	email_verified_at: Date | null;
	is_platform_admin: boolean;
}

/** Validates "<id>.<secret>": constant-time hash comparison, inactivity timeout, hourly activity bump. */
export async function validateSessionToken(
	db: Database,
	token: string
): Promise<{ session: Session; user: SessionUser } | null> {
	const parts = splitToken(token);
	if (!parts) return null;
	return asService(db, 'session validation', async (tx) => {
		const [row] = await tx.query<SessionRow>(
			`select s.id, s.user_id, s.secret_hash, s.created_at, s.last_verified_at,
			        u.email, u.display_name, u.email_verified_at, u.is_platform_admin
			   from public.sessions s join public.users u on u.id = s.user_id
			  where s.id = $1`,
			[parts.id]
		);
		if (!row || !secretMatches(parts.secret, row.secret_hash)) return null;
		const now = Date.now();
		if (now - row.last_verified_at.getTime() >= INACTIVITY_TIMEOUT_MS) {
			await tx.query('delete from public.sessions where id = $1', [row.id]);
			return null;
		}
		let last = row.last_verified_at;
		if (now - last.getTime() >= ACTIVITY_CHECK_INTERVAL_MS) {
			last = new Date(now);
			await tx.query('update public.sessions set last_verified_at = $2 where id = $1', [row.id, last]);
		}
		return {
			session: { id: row.id, userId: row.user_id, createdAt: row.created_at, lastVerifiedAt: last },
			user: {
				id: row.user_id,
				email: row.email,
				displayName: row.display_name,
				emailVerified: row.email_verified_at !== null,
				isPlatformAdmin: row.is_platform_admin
			}
		};
	});
}

const ENDED = Symbol.for('spaser.sessions.ended');
type EndedHolder = { [ENDED]?: Set<(userId: string) => void> };

/**
 * Listens for "some sessions of this user just ended" (after the deleting transaction): the collaboration server
 * re-validates that user's open sockets at once. One set per process (globalThis: Vite reloads share it).
 */
export function onSessionsEnded(fn: (userId: string) => void): () => void {
	const g = globalThis as EndedHolder;
	const set = (g[ENDED] ??= new Set());
	set.add(fn);
	return () => set.delete(fn);
}

/** Tells the listeners that sessions of `userId` were deleted (call once the deletion is committed). */
export function sessionsEnded(userId: string) {
	for (const fn of (globalThis as EndedHolder)[ENDED] ?? []) {
		try {
			fn(userId);
		} catch {
			/* a listener never blocks a sign-out */
		}
	}
}

/** Whether a session still exists and is not past its inactivity timeout. */
export async function sessionAlive(db: Database, sessionId: string): Promise<boolean> {
	const rows = await asService(db, 'session re-check', (tx) =>
		tx.query('select 1 from public.sessions where id = $1 and last_verified_at > $2', [
			sessionId,
			new Date(Date.now() - INACTIVITY_TIMEOUT_MS)
		])
	);
	return rows.length > 0;
}

export async function invalidateSession(db: Database, sessionId: string) {
	const rows = await asService(db, 'logout', (tx) =>
		tx.query<{ user_id: string }>('delete from public.sessions where id = $1 returning user_id', [sessionId])
	);
	for (const r of rows) sessionsEnded(r.user_id);
}

/** "Log out everywhere" (and after a password change): every session of the user. */
export async function invalidateUserSessions(db: Database | Tx, userId: string, exceptSessionId?: string) {
	const run = (tx: Tx) =>
		tx.query('delete from public.sessions where user_id = $1 and id is distinct from $2', [
			userId,
			exceptSessionId ?? null
		]);
	if ('transaction' in db) await asService(db, 'logout everywhere', run);
	else await run(db);
}

export function setSessionCookie(cookies: Cookies, token: string, secure: boolean) {
	cookies.set(SESSION_COOKIE, token, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure,
		maxAge: Math.floor(INACTIVITY_TIMEOUT_MS / 1000)
	});
}

export function deleteSessionCookie(cookies: Cookies, secure: boolean) {
	cookies.delete(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
