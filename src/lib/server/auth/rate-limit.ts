import { isIPv4, isIPv6 } from 'node:net';
import type { Tx } from '../db';
import { config } from '../kit/config';

/**
 * The key of a client address for every per-address limit. An IPv6 host usually holds a whole /64 (and can pick any
 * address in it at will), so IPv6 addresses count by their /64 prefix; an IPv4-mapped IPv6 address counts as its
 * IPv4 address. Anything else is kept as given.
 */
export function addressKey(address: string): string {
	const a = address
		.trim()
		.toLowerCase()
		.replace(/^\[|\](:\d+)?$/g, '')
		.replace(/%.*$/, '');
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
	if (mapped && isIPv4(mapped[1])) return mapped[1];
	if (!isIPv6(a)) return address;
	const [head, tail = ''] = a.split('::');
	const parts = (s: string) => (s ? s.split(':') : []);
	const h = parts(head);
	const t = parts(tail);
	// An embedded IPv4 tail takes two groups; it only ever lies in the low 64 bits, so it is just counted.
	const size = (g: string[]) => g.reduce((n, x) => n + (x.includes('.') ? 2 : 1), 0);
	const groups = a.includes('::') ? [...h, ...Array(8 - size(h) - size(t)).fill('0'), ...t] : h;
	return (
		groups
			.slice(0, 4)
			.map((g) => parseInt(g, 16).toString(16))
			.join(':') + '::/64'
	);
}

/**
 * Fixed-window counter stored in Postgres so that every app instance shares it. One upsert increments and returns
 * the count: concurrent callers on one key queue on its row, so a check made on the returned count holds under
 * concurrency (a reservation taken before the work it limits). Must run as the service role (no policy).
 */
export async function hit(tx: Tx, key: string, windowSeconds: number): Promise<{ hits: number; resetAt: Date }> {
	const [row] = await tx.query<{ hits: number; window_started_at: Date }>(
		`insert into public.rate_limits as r (key, window_started_at, hits) values ($1, now(), 1)
		 on conflict (key) do update set
		   hits = case when r.window_started_at < now() - make_interval(secs => $2) then 1 else r.hits + 1 end,
		   window_started_at = case when r.window_started_at < now() - make_interval(secs => $2) then now() else r.window_started_at end
		 returning hits, window_started_at`,
		[key, windowSeconds]
	);
	return { hits: row.hits, resetAt: new Date(row.window_started_at.getTime() + windowSeconds * 1000) };
}

/** Gives back one reservation taken by `hit` (the attempt turned out not to count, e.g. a right password). */
export async function release(tx: Tx, key: string) {
	await tx.query('update public.rate_limits set hits = greatest(hits - 1, 0) where key = $1', [key]);
}

export async function reset(tx: Tx, key: string) {
	await tx.query('delete from public.rate_limits where key = $1', [key]);
}

/**
 * Sign-in limits. Only failed attempts count (a right password gives its reservation back):
 * - perAccountAddress: failures for one account from one address, a hard limit (the answer is 429 without checking
 *   the password). A guesser elsewhere therefore never locks the account's owner out.
 * - perIp: failures from one address whatever the account (password spraying). Beyond it, accounts that address
 *   already failed on are refused and any other account waits slowdownMaxMs per attempt (never refused: a correct
 *   password typed in a room where others mistyped still gets in). Addresses are keyed by addressKey (IPv6 by /64).
 * - slowdown: failures for one account from every address make each further attempt on it wait
 *   (slowdownStepMs per failure beyond slowdownAfter, at most slowdownMaxMs) — a cost, never a lock.
 * - passwordChecks: password checks at password change and account deletion (one counter per account).
 */
export const LOGIN_LIMITS = {
	windowSeconds: 15 * 60,
	perAccountAddress: config.login.perAccountAddress,
	perIp: config.login.perIp,
	slowdownAfter: config.login.slowdownAfter,
	slowdownStepMs: 250,
	slowdownMaxMs: config.login.slowdownMaxMs,
	passwordChecks: config.login.passwordChecks
};

/**
 * The wait before checking a password, given the failures already recorded for the account (all addresses) and
 * whether the address is past its failure limit (then every attempt on a new account waits the longest).
 */
export function loginDelayMs(earlierFailures: number, addressOverLimit = false): number {
	const { slowdownAfter, slowdownStepMs, slowdownMaxMs } = LOGIN_LIMITS;
	if (addressOverLimit) return slowdownMaxMs;
	return Math.min(slowdownMaxMs, Math.max(0, earlierFailures - slowdownAfter) * slowdownStepMs);
}

/** Accounts created per address per hour (sign-up). */
export const SIGNUP_LIMITS = {
	windowSeconds: 3600,
	perIp: config.login.signupPerIp
};
