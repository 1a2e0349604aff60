import type { Database, Tx } from '../db';
import { asService, withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, toAppError } from '$lib/server/kit/errors';
import { hashSecret, randomToken, secretMatches, splitToken } from './crypto';
import { hashPassword, passwordProblem, verifyPassword } from './password';
import { LOGIN_LIMITS, SIGNUP_LIMITS, addressKey, hit, loginDelayMs, release, reset } from './rate-limit';
import { createSession, invalidateUserSessions, sessionsEnded } from './session';

const VERIFY_TTL_H = 48;
const RESET_TTL_MIN = 60;

// A real hash, so that a login for an unknown e-mail costs the same time as a wrong password.
let dummyHash: Promise<string> | null = null;

export interface NewUser {
	email: string;
	displayName: string;
	password: string;
}

async function issueToken(
	tx: Tx,
	userId: string,
	email: string,
	purpose: 'email_verification' | 'password_reset',
	ttlMs: number
) {
	const id = randomToken();
	const secret = randomToken(20);
	await tx.query(
		`insert into public.auth_tokens (id, user_id, purpose, secret_hash, email, expires_at) values ($1, $2, $3, $4, $5, $6)`,
		[id, userId, purpose, hashSecret(secret), email, new Date(Date.now() + ttlMs)]
	);
	return `${id}.${secret}`;
}

async function queueVerification(tx: Tx, userId: string, email: string, name: string) {
	const token = await issueToken(tx, userId, email, 'email_verification', VERIFY_TTL_H * 3600_000);
	const url = `${appOrigin()}/verifier-email?token=${encodeURIComponent(token)}`;
	await enqueueEmail(
		tx,
		{
			to: email,
			subject: 'Confirmez votre adresse e-mail — SPASER Commun',
			kind: 'email_verification',
			...renderEmail({
				greeting: `Bonjour ${name},`,
				paragraphs: [
					'Vous venez de créer un compte sur SPASER Commun. Pour confirmer votre adresse e-mail, ouvrez le lien ci-dessous.',
					`Ce lien est valable ${VERIFY_TTL_H} heures. Si vous n'êtes pas à l'origine de cette inscription, ignorez ce message.`
				],
				action: { label: 'Confirmer mon adresse', url }
			})
		},
		{ elevate: false }
	);
}

/**
 * Creates an account (argon2id hash, common-password check) and queues the verification e-mail in the same
 * transaction. When `verifiedByInvitation` is set (the person arrived through an e-mailed invitation link to
 * this very address), the address counts as verified.
 */
export async function signUp(
	db: Database,
	input: NewUser,
	opts: { verified?: boolean; ip?: string } = {}
): Promise<{ userId: string }> {
	const problem = passwordProblem(input.password, [input.email, input.displayName]);
	if (problem) throw new AppError('weak_password', problem, 400, { field: 'password' });
	if (opts.ip === undefined) return createAccount(db, input, opts);
	// Accounts per address: the place is reserved atomically before the work, and given back if no account results.
	const key = `signup:ip:${addressKey(opts.ip)}`;
	await asService(db, 'sign-up rate limit', async (tx) => {
		const { hits, resetAt } = await hit(tx, key, SIGNUP_LIMITS.windowSeconds);
		if (hits > SIGNUP_LIMITS.perIp)
			throw new AppError(
				'rate_limited',
				`Trop de comptes créés depuis cette adresse. Réessayez dans ${minutesUntil(resetAt)} minute(s).`,
				429
			);
	});
	try {
		return await createAccount(db, input, opts);
	} catch (e) {
		await asService(db, 'sign-up rate limit release', (tx) => release(tx, key));
		throw e;
	}
}

async function createAccount(db: Database, input: NewUser, opts: { verified?: boolean }): Promise<{ userId: string }> {
	const passwordHash = await hashPassword(input.password);
	const taken = () =>
		new AppError(
			'email_taken',
			'Un compte existe déjà avec cette adresse e-mail. Connectez-vous ou réinitialisez votre mot de passe.',
			409,
			{ field: 'email' }
		);
	return asService(db, 'sign-up', async (tx) => {
		const existing = await tx.query('select 1 from public.users where lower(email) = lower($1)', [input.email]);
		if (existing.length) throw taken();
		const [u] = await tx.query<{ id: string }>(
			`insert into public.users (email, display_name, email_verified_at) values ($1, $2, $3) returning id`,
			[input.email, input.displayName.trim(), opts.verified ? new Date() : null]
		);
		await tx.query('insert into public.user_credentials (user_id, password_hash) values ($1, $2)', [
			u.id,
			passwordHash
		]);
		if (!opts.verified) await queueVerification(tx, u.id, input.email, input.displayName.trim());
		return { userId: u.id };
	}).catch((e: { code?: string; constraint_name?: string; constraint?: string }) => {
		// Two simultaneous sign-ups with the same address: the unique index decides (postgres.js / PGlite field names).
		if (e?.code === '23505' && (e.constraint_name ?? e.constraint) === 'users_email_key') throw taken();
		throw e;
	});
}

export async function resendVerification(db: Database, userId: string) {
	await asService(db, 'resend verification', async (tx) => {
		const [u] = await tx.query<{ email: string; display_name: string; email_verified_at: Date | null }>(
			'select email, display_name, email_verified_at from public.users where id = $1',
			[userId]
		);
		if (!u || u.email_verified_at) return;
		const key = `verify:${userId}`;
		const { hits } = await hit(tx, key, 3600);
		if (hits > 5) throw new AppError('rate_limited', 'Trop de demandes : réessayez dans une heure.', 429);
		await queueVerification(tx, userId, u.email, u.display_name);
	});
}

async function consumeToken(tx: Tx, token: string, purpose: 'email_verification' | 'password_reset') {
	const parts = splitToken(token);
	if (!parts) return null;
	const [row] = await tx.query<{
		id: string;
		user_id: string;
		secret_hash: Uint8Array;
		email: string;
		expires_at: Date;
		used_at: Date | null;
	}>(
		`select id, user_id, secret_hash, email, expires_at, used_at from public.auth_tokens where id = $1 and purpose = $2 for update`,
		[parts.id, purpose]
	);
	if (!row || !secretMatches(parts.secret, row.secret_hash)) return null;
	if (row.used_at) throw new AppError('token_used', 'Ce lien a déjà été utilisé.', 410);
	if (row.expires_at.getTime() < Date.now())
		throw new AppError('token_expired', 'Ce lien a expiré : demandez-en un nouveau.', 410);
	await tx.query('update public.auth_tokens set used_at = now() where id = $1', [row.id]);
	return row;
}

export async function verifyEmail(db: Database, token: string): Promise<{ userId: string }> {
	return asService(db, 'email verification', async (tx) => {
		const row = await consumeToken(tx, token, 'email_verification');
		if (!row) throw new AppError('token_invalid', "Ce lien de vérification n'est pas valable.", 400);
		const updated = await tx.query(
			`update public.users set email_verified_at = coalesce(email_verified_at, now()) where id = $1 and lower(email) = lower($2) returning id`,
			[row.user_id, row.email]
		);
		if (!updated.length) throw new AppError('token_invalid', "Ce lien ne correspond plus à l'adresse du compte.", 400);
		return { userId: row.user_id };
	});
}

/**
 * The « vérifier l'adresse » page: verifies, or says why not — an expired or used link is an answer shown on the
 * page, not an error page.
 */
export async function verifyEmailOutcome(
	db: Database,
	token: string
): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
	try {
		await verifyEmail(db, token);
		return { ok: true };
	} catch (e) {
		const err = toAppError(e);
		return { ok: false, code: err.code, message: err.message };
	}
}

export interface LoginMeta {
	ip: string;
	userAgent?: string | null;
}

function minutesUntil(d: Date) {
	return Math.max(1, Math.ceil((d.getTime() - Date.now()) / 60_000));
}

/**
 * Checks the password; returns a new session token. Limits (see LOGIN_LIMITS): a failure is reserved atomically
 * BEFORE the argon2 check — per (account, address) and per address — and given back when the password is right,
 * so only failures count. Beyond the per-(account, address) limit the attempt is refused. Beyond the per-address
 * limit, an account that address has already failed on is refused, while an account it has not failed on is only
 * slowed down (people who mistype in one training room never lock out a colleague typing the right password).
 * Failures on the account from every address slow each attempt down (a few seconds at most), never a lock.
 */
export async function login(db: Database, emailAddr: string, password: string, meta: LoginMeta) {
	const email = emailAddr.trim().toLowerCase();
	const address = addressKey(meta.ip);
	const keys = {
		pair: `login:fail:pair:${email}|${address}`,
		ip: `login:fail:ip:${address}`,
		account: `login:fail:account:${email}`
	};
	const { windowSeconds, perAccountAddress, perIp } = LOGIN_LIMITS;
	const tooMany = (resetAt: Date) =>
		new AppError(
			'rate_limited',
			`Trop de tentatives de connexion. Réessayez dans ${minutesUntil(resetAt)} minute(s) ou réinitialisez votre mot de passe.`,
			429
		);
	// One transaction: when a limit is reached, the error rolls the reservations back (the attempt is not checked).
	const { earlierFailures, addressOverLimit } = await asService(db, 'login rate limit', async (tx) => {
		const pair = await hit(tx, keys.pair, windowSeconds);
		if (pair.hits > perAccountAddress) throw tooMany(pair.resetAt);
		const ip = await hit(tx, keys.ip, windowSeconds);
		// pair.hits > 1: this address already failed on this account within the window.
		if (ip.hits > perIp && pair.hits > 1) throw tooMany(ip.resetAt);
		const account = await hit(tx, keys.account, windowSeconds);
		return { earlierFailures: account.hits - 1, addressOverLimit: ip.hits > perIp };
	});
	const delay = loginDelayMs(earlierFailures, addressOverLimit);
	if (delay > 0) await new Promise((r) => setTimeout(r, delay));

	const [row] = await asService(db, 'login lookup', (tx) =>
		tx.query<{ id: string; password_hash: string }>(
			`select u.id, c.password_hash from public.users u join public.user_credentials c on c.user_id = u.id where lower(u.email) = $1`,
			[email]
		)
	);
	dummyHash ??= hashPassword('not-a-real-password-' + randomToken());
	const ok = row
		? await verifyPassword(row.password_hash, password)
		: (await verifyPassword(await dummyHash, password), false);
	// A failure keeps its reservations.
	if (!row || !ok) throw new AppError('invalid_credentials', 'Adresse e-mail ou mot de passe incorrect.', 400);
	const { token, session } = await asService(db, 'login success', async (tx) => {
		await reset(tx, keys.pair);
		await release(tx, keys.ip);
		await release(tx, keys.account);
		return createSession(tx, row.id, { ip: meta.ip, userAgent: meta.userAgent });
	});
	return { token, session, userId: row.id };
}

/** Always answers the same way, whether the account exists or not (no account enumeration). */
export async function requestPasswordReset(db: Database, emailAddr: string, ip: string) {
	const email = emailAddr.trim().toLowerCase();
	await asService(db, 'password reset request', async (tx) => {
		const { hits } = await hit(tx, `reset:${email}`, 3600);
		const ipHits = await hit(tx, `reset:ip:${addressKey(ip)}`, 3600);
		if (hits > 3 || ipHits.hits > 20) return;
		const [u] = await tx.query<{ id: string; email: string; display_name: string }>(
			'select id, email, display_name from public.users where lower(email) = $1',
			[email]
		);
		if (!u) return;
		// A new link voids the older ones still unused (a link left in a mailbox or a forwarded mail stops working).
		await tx.query(
			`update public.auth_tokens set expires_at = least(expires_at, now()) where user_id = $1 and purpose = 'password_reset' and used_at is null`,
			[u.id]
		);
		const token = await issueToken(tx, u.id, u.email, 'password_reset', RESET_TTL_MIN * 60_000);
		await enqueueEmail(
			tx,
			{
				to: u.email,
				subject: 'Réinitialisation de votre mot de passe — SPASER Commun',
				kind: 'password_reset',
				...renderEmail({
					greeting: `Bonjour ${u.display_name},`,
					paragraphs: [
						'Une réinitialisation du mot de passe de votre compte SPASER Commun a été demandée.',
						`Ce lien est valable ${RESET_TTL_MIN} minutes et ne peut servir qu'une fois. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.`
					],
					action: {
						label: 'Choisir un nouveau mot de passe',
						url: `${appOrigin()}/mot-de-passe/nouveau?token=${encodeURIComponent(token)}`
					}
				})
			},
			{ elevate: false }
		);
	});
}

/** Sets a new password from a one-time link; every existing session of the account ends. */
export async function resetPassword(db: Database, token: string, newPassword: string) {
	const passwordHashP = (async () => {
		return { hash: await hashPassword(newPassword) };
	})();
	const result = await asService(db, 'password reset', async (tx) => {
		const row = await consumeToken(tx, token, 'password_reset');
		if (!row) throw new AppError('token_invalid', "Ce lien de réinitialisation n'est pas valable.", 400);
		const [u] = await tx.query<{ email: string; display_name: string }>(
			'select email, display_name from public.users where id = $1',
			[row.user_id]
		);
		const problem = passwordProblem(newPassword, [u.email, u.display_name]);
		if (problem) throw new AppError('weak_password', problem, 400, { field: 'password' });
		const { hash } = await passwordHashP;
		await tx.query('update public.user_credentials set password_hash = $2, updated_at = now() where user_id = $1', [
			row.user_id,
			hash
		]);
		// The link proves access to the mailbox.
		await tx.query('update public.users set email_verified_at = coalesce(email_verified_at, now()) where id = $1', [
			row.user_id
		]);
		// Whoever held a session or an API token of the account loses it (the link proves access to the mailbox).
		await endEverySessionAndToken(tx, row.user_id);
		const email = u.email.toLowerCase();
		await tx.query(`delete from public.rate_limits where key = $1 or starts_with(key, $2)`, [
			`login:fail:account:${email}`,
			`login:fail:pair:${email}|`
		]);
		return { userId: row.user_id };
	});
	sessionsEnded(result.userId);
	return result;
}

/**
 * Someone holding a stolen session must not be able to guess the account's password at leisure where it is asked
 * again (password change, account deletion): one shared counter per account, the login's limits.
 */
export async function limitPasswordChecks(db: Database, userId: string, field: string) {
	const { hits, resetAt } = await asService(db, 'password check rate limit', (tx) =>
		hit(tx, `password-check:${userId}`, LOGIN_LIMITS.windowSeconds)
	);
	if (hits > LOGIN_LIMITS.passwordChecks)
		throw new AppError('rate_limited', `Trop de tentatives. Réessayez dans ${minutesUntil(resetAt)} minute(s).`, 429, {
			field
		});
}

export async function changePassword(
	db: Database,
	userId: string,
	current: string,
	next: string,
	keepSessionId: string
) {
	await limitPasswordChecks(db, userId, 'currentPassword');
	const [row] = await asService(db, 'password change', (tx) =>
		tx.query<{ password_hash: string; email: string; display_name: string }>(
			`select c.password_hash, u.email, u.display_name from public.user_credentials c join public.users u on u.id = c.user_id where c.user_id = $1`,
			[userId]
		)
	);
	if (!row || !(await verifyPassword(row.password_hash, current)))
		throw new AppError('invalid_credentials', 'Le mot de passe actuel est incorrect.', 400, {
			field: 'currentPassword'
		});
	const problem = passwordProblem(next, [row.email, row.display_name]);
	if (problem) throw new AppError('weak_password', problem, 400, { field: 'newPassword' });
	const hash = await hashPassword(next);
	await asService(db, 'password change', async (tx) => {
		await tx.query('update public.user_credentials set password_hash = $2, updated_at = now() where user_id = $1', [
			userId,
			hash
		]);
		// Whoever stole the old password may have made a session or an API token with it: both end (this session stays).
		await invalidateUserSessions(tx, userId, keepSessionId);
		await revokeEveryApiToken(tx, userId);
	});
	sessionsEnded(userId);
}

export async function updateProfile(db: Database, actor: { id: string }, displayName: string) {
	await withUser(db, actor, (tx) =>
		tx.query('update public.users set display_name = $2 where id = $1', [actor.id, displayName])
	);
}

export async function listSessions(db: Database, actor: { id: string }) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; created_at: Date; last_verified_at: Date; user_agent: string | null; ip: string | null }>(
			'select id, created_at, last_verified_at, user_agent, ip from public.sessions order by last_verified_at desc'
		)
	);
}

/** Every session ends and every API token is revoked (password reset, « se déconnecter partout »). */
async function endEverySessionAndToken(tx: Tx, userId: string) {
	await tx.query('delete from public.sessions where user_id = $1', [userId]);
	await revokeEveryApiToken(tx, userId);
}

async function revokeEveryApiToken(tx: Tx, userId: string) {
	await tx.query('update public.api_tokens set revoked_at = now() where user_id = $1 and revoked_at is null', [userId]);
}

/**
 * "Log out everywhere": every session, this one included, and every API token. Runs under the user's own rights
 * (RLS lets them delete only their sessions and revoke only their tokens).
 */
export async function logoutEverywhere(db: Database, actor: { id: string }) {
	await withUser(db, actor, (tx) => endEverySessionAndToken(tx, actor.id));
	sessionsEnded(actor.id);
}
