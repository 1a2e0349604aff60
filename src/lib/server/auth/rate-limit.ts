import type { Tx } from '../db';

/**
 * Fixed-window counter stored in Postgres so that every app instance shares it.
 * Must run as the service role (the table has no policy).
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

export async function peek(tx: Tx, key: string, windowSeconds: number): Promise<{ hits: number; resetAt: Date }> {
	const [row] = await tx.query<{ hits: number; window_started_at: Date }>(
		`select hits, window_started_at from public.rate_limits
		  where key = $1 and window_started_at >= now() - make_interval(secs => $2)`,
		[key, windowSeconds]
	);
	if (!row) return { hits: 0, resetAt: new Date() };
	return { hits: row.hits, resetAt: new Date(row.window_started_at.getTime() + windowSeconds * 1000) };
}

export async function reset(tx: Tx, key: string) {
	await tx.query('delete from public.rate_limits where key = $1', [key]);
}

export const LOGIN_LIMITS = {
	windowSeconds: 15 * 60,
	perIp: Number(process.env.LOGIN_LIMIT_PER_IP || 30),
	perAccount: Number(process.env.LOGIN_LIMIT_PER_ACCOUNT || 8)
};
