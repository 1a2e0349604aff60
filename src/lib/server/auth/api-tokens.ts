import type { Database } from '../db';
import { asService, withUser } from '../db';
import { AppError, unverified } from '$lib/server/kit/errors';
import { hashSecret, randomToken, secretMatches } from './crypto';

export type Scope = 'read' | 'write';

export interface ApiTokenInfo {
	id: string;
	name: string;
	scopes: Scope[];
	created_at: Date;
	last_used_at: Date | null;
	expires_at: Date | null;
	revoked_at: Date | null;
}

const PREFIX = 'spc_';

/** Creates a personal access token; the clear token is returned once and never stored. */
export async function createApiToken(
	db: Database,
	actor: { id: string },
	input: { name: string; scopes: Scope[]; expiresInDays?: number }
): Promise<{ token: string; id: string }> {
	const id = randomToken(10);
	const secret = randomToken(20);
	const expires = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86400_000) : null;
	const count = await withUser(db, actor, (tx) =>
		tx.query<{ n: number }>('select count(*)::int as n from public.api_tokens where revoked_at is null')
	);
	if (count[0].n >= 20)
		throw new AppError(
			'too_many_tokens',
			"Vous avez déjà 20 jetons actifs : révoquez-en un avant d'en créer un autre.",
			409
		);
	// Only a verified account gets a token (an unverified one may only verify its address).
	const inserted = await asService(db, 'api token creation', (tx) =>
		tx.query(
			`insert into public.api_tokens (id, user_id, name, secret_hash, scopes, expires_at)
			 select $1, u.id, $3, $4, $5, $6 from public.users u where u.id = $2 and u.email_verified_at is not null and u.deleted_at is null
			 returning id`,
			[id, actor.id, input.name, hashSecret(secret), [...new Set(input.scopes)], expires]
		)
	);
	if (!inserted.length) throw unverified();
	return { token: `${PREFIX}${id}_${secret}`, id };
}

export async function listApiTokens(db: Database, actor: { id: string }): Promise<ApiTokenInfo[]> {
	return withUser(db, actor, (tx) =>
		tx.query<ApiTokenInfo>(
			'select id, name, scopes, created_at, last_used_at, expires_at, revoked_at from public.api_tokens order by created_at desc'
		)
	);
}

export async function revokeApiToken(db: Database, actor: { id: string }, id: string) {
	const rows = await withUser(db, actor, (tx) =>
		tx.query('update public.api_tokens set revoked_at = now() where id = $1 and revoked_at is null returning id', [id])
	);
	if (!rows.length) throw new AppError('not_found', "Ce jeton n'existe pas ou est déjà révoqué.", 404);
}

/** Resolves a bearer token to its user and scopes (service role: no user is known yet). */
export async function authenticateApiToken(db: Database, token: string) {
	const m = /^spc_([a-z2-7]{16})_([a-z2-7]{32})$/.exec(token);
	if (!m) return null;
	return asService(db, 'api token check', async (tx) => {
		const [row] = await tx.query<{
			user_id: string;
			secret_hash: Uint8Array;
			scopes: Scope[];
			expires_at: Date | null;
			revoked_at: Date | null;
			email: string;
			last_used_at: Date | null;
			display_name: string;
			is_platform_admin: boolean;
			email_verified_at: Date | null;
		}>(
			`select t.user_id, t.secret_hash, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, u.email, u.display_name,
			        u.is_platform_admin, u.email_verified_at
			   from public.api_tokens t join public.users u on u.id = t.user_id
			  where t.id = $1 and u.deleted_at is null and u.email_verified_at is not null`,
			[m[1]]
		);
		if (!row || !secretMatches(m[2], row.secret_hash) || row.revoked_at) return null;
		if (row.expires_at && row.expires_at.getTime() < Date.now()) return null;
		if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000)
			await tx.query('update public.api_tokens set last_used_at = now() where id = $1', [m[1]]);
		return {
			user: {
				id: row.user_id,
				email: row.email,
				displayName: row.display_name,
				isPlatformAdmin: row.is_platform_admin,
				emailVerified: row.email_verified_at !== null
			},
			scopes: row.scopes
		};
	});
}
