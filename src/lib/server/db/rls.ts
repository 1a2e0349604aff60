import type { Actor, Database, Tx } from './types';

/**
 * Runs `fn` in one transaction as role `authenticated` (or `anon` without an actor), with
 * `request.jwt.claims` set the way Supabase sets them, so row-level security decides what is visible.
 */
export function withUser<T>(db: Database, actor: Actor | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
	return db.transaction(async (tx) => {
		const claims = actor
			? { sub: actor.id, role: 'authenticated', email: actor.email ?? null }
			: { role: 'anon' };
		await tx.query(`select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)`, [
			JSON.stringify(claims),
			actor ? 'authenticated' : 'anon'
		]);
		return fn(tx);
	});
}

/**
 * Service-role access, bypassing row-level security. Rare and named: `reason` says why (it appears in the
 * query log as a comment), e.g. 'session validation' or 'sign-up'.
 */
export function asService<T>(db: Database, reason: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
	return db.transaction(async (tx) => {
		await tx.query(`select set_config('role', 'service_role', true) /* ${reason.replace(/\*\//g, '')} */`);
		return fn(tx);
	});
}

/**
 * Inside a `withUser` transaction, runs `fn` as the service role and switches back: used to write rows that the
 * user's action causes but that the user may not write directly (outbox e-mails), in the same transaction.
 */
export async function elevated<T>(tx: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
	const [{ role }] = await tx.query<{ role: string }>(`select current_user as role`);
	await tx.query(`select set_config('role', 'service_role', true)`);
	try {
		return await fn(tx);
	} finally {
		await tx.query(`select set_config('role', $1, true)`, [role === 'postgres' ? 'none' : role]);
	}
}
