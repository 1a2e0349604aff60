import type { Actor, Database, Tx } from './types';

/**
 * Runs `fn` in one transaction as role `authenticated` (or `anon` without an actor), with
 * `request.jwt.claims` set the way Supabase sets them, so row-level security decides what is visible.
 */
export function withUser<T>(db: Database, actor: Actor | null, fn: (tx: Tx) => Promise<T>): Promise<T> {
	return db.transaction((tx) => {
		const claims = actor ? { sub: actor.id, role: 'authenticated', email: actor.email ?? null } : { role: 'anon' };
		const setup = tx.query(`select set_config('request.jwt.claims', $1, true), set_config('role', $2, true)`, [
			JSON.stringify(claims),
			actor ? 'authenticated' : 'anon'
		]);
		return runAfter(db, setup, tx, fn);
	});
}

/**
 * Runs `fn` once the role is set. On PostgreSQL the setup is pipelined with fn's first query (postgres.js keeps
 * the order on the transaction's connection, and a failed setup aborts the transaction, so nothing runs with the
 * wrong role): one round trip less per transaction. PGlite awaits it first.
 */
async function runAfter<T>(db: Database, setup: Promise<unknown>, tx: Tx, fn: (tx: Tx) => Promise<T>): Promise<T> {
	if (db.kind !== 'postgres') {
		await setup;
		return fn(tx);
	}
	setup.catch(() => {}); // observed below
	let result: T;
	try {
		result = await fn(tx);
	} catch (e) {
		await setup; // a failed setup is the real cause: report it
		throw e;
	}
	await setup;
	return result;
}

/**
 * Service-role access, bypassing row-level security. Rare and named: `reason` says why (it appears in the
 * query log as a comment), e.g. 'session validation' or 'sign-up'.
 */
export function asService<T>(db: Database, reason: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
	return db.transaction((tx) => {
		const setup = tx.query(`select set_config('role', 'service_role', true) /* ${reason.replace(/\*\//g, '')} */`);
		return runAfter(db, setup, tx, fn);
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

/**
 * One autocommit statement with the connection owner's rights (which, like service_role, bypass RLS), named by
 * `reason`. For hot paths where a transaction's extra round trips (BEGIN, role, COMMIT) would dominate: the
 * collaboration log append, which must be durable before an edit is broadcast. Use asService everywhere else.
 */
export function serviceStatement<T = Record<string, unknown>>(
	db: Database,
	reason: string,
	text: string,
	params: readonly unknown[] = []
) {
	return db.query<T>(`/* ${reason.replace(/\*\//g, '')} */ ${text}`, params);
}
