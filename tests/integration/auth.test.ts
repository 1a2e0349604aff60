import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import {
	changePassword,
	listSessions,
	login,
	logoutEverywhere,
	requestPasswordReset,
	resendVerification,
	resetPassword,
	signUp,
	updateProfile,
	verifyEmail
} from '../../src/lib/server/auth/service';
import { createOrganisation } from '../../src/lib/server/organisations/service';
import { INACTIVITY_TIMEOUT_MS, validateSessionToken, invalidateSession } from '../../src/lib/server/auth/session';
import {
	authenticateApiToken,
	createApiToken,
	listApiTokens,
	revokeApiToken
} from '../../src/lib/server/auth/api-tokens';
import { hashSecret } from '../../src/lib/server/auth/crypto';
import { LOGIN_LIMITS, SIGNUP_LIMITS, addressKey, loginDelayMs } from '../../src/lib/server/auth/rate-limit';
import { AppError, toAppError } from '../../src/lib/server/kit/errors';
import { engines, openTestDb } from '../helpers/engines';
import { createUser, DEFAULT_PASSWORD, lastMail, linkFrom, outbox, uniqueEmail } from '../helpers/factories';

const NEW_PASSWORD = 'Lanterne-Ardoise-Pivoine-77';
let ipSeq = 0;
/** A fresh client address per use, so that the per-IP limit never interferes unless a test wants it to. */
const ip = () => `198.51.100.${++ipSeq % 250}:${ipSeq}`;

describe.each(engines)('authentication on %s', (engine) => {
	let db: Database;

	beforeAll(async () => {
		db = await openTestDb(engine);
	});
	afterAll(async () => {
		await db?.close();
	});

	const svc = <T>(fn: (tx: import('../../src/lib/server/db').Tx) => Promise<T>) => asService(db, 'test', fn);

	async function tokenFromMail(to: string, path: string) {
		const mail = await lastMail(db, to);
		return { mail, token: linkFrom(mail.text_body, path).searchParams.get('token')! };
	}

	describe('sign-up', () => {
		it('stores an argon2id hash in user_credentials only, and queues the verification e-mail', async () => {
			const email = uniqueEmail('signup');
			const { userId } = await signUp(db, { email, displayName: ' Camille Martin ', password: DEFAULT_PASSWORD });
			const [user] = await svc((tx) =>
				tx.query<Record<string, unknown>>('select * from public.users where id = $1', [userId])
			);
			expect(user).toMatchObject({
				email,
				display_name: 'Camille Martin',
				email_verified_at: null,
				is_platform_admin: false
			});
			expect(JSON.stringify(user)).not.toMatch(/argon2|Cheval/);
			const [cred] = await svc((tx) =>
				tx.query<{ password_hash: string }>('select password_hash from public.user_credentials where user_id = $1', [
					userId
				])
			);
			expect(cred.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
			expect(cred.password_hash).not.toContain(DEFAULT_PASSWORD);

			const mails = await outbox(db, email);
			expect(mails).toHaveLength(1);
			expect(mails[0]).toMatchObject({
				kind: 'email_verification',
				subject: 'Confirmez votre adresse e-mail — SPASER Commun',
				sent_at: null
			});
			expect(mails[0].text_body).toContain('Bonjour Camille Martin,');
			expect(linkFrom(mails[0].text_body, '/verifier-email').searchParams.get('token')).toMatch(
				/^[a-z2-7]+\.[a-z2-7]+$/
			);
		});

		it('refuses a short or common password with a French message, creating nothing', async () => {
			const email = uniqueEmail('weak');
			await expect(signUp(db, { email, displayName: 'Anne', password: 'Court-123' })).rejects.toMatchObject({
				code: 'weak_password',
				status: 400,
				message: 'Le mot de passe doit contenir au moins 12 caractères.',
				details: { field: 'password' }
			});
			await expect(signUp(db, { email, displayName: 'Anne', password: 'password1234' })).rejects.toMatchObject({
				code: 'weak_password',
				message: expect.stringMatching(/plus courants/)
			});
			const users = await svc((tx) => tx.query('select 1 from public.users where email = $1', [email]));
			expect(users).toEqual([]);
			expect(await outbox(db, email)).toEqual([]);
		});

		it('refuses a duplicate e-mail whatever its case, and queues no second mail', async () => {
			const email = uniqueEmail('dup');
			await signUp(db, { email, displayName: 'Premier', password: DEFAULT_PASSWORD });
			await expect(
				signUp(db, { email: email.toUpperCase(), displayName: 'Second', password: DEFAULT_PASSWORD })
			).rejects.toMatchObject({
				code: 'email_taken',
				status: 409,
				message: expect.stringMatching(/Un compte existe déjà avec cette adresse/)
			});
			expect(await outbox(db, email)).toHaveLength(1);
		});

		it('two simultaneous sign-ups with the same address: one account, a clear error for the other', async () => {
			const email = uniqueEmail('race');
			const results = await Promise.allSettled([
				signUp(db, { email, displayName: 'Un', password: DEFAULT_PASSWORD }),
				signUp(db, { email: email.toUpperCase(), displayName: 'Deux', password: DEFAULT_PASSWORD })
			]);
			expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
			const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
			expect(rejected.reason).toBeInstanceOf(AppError);
			expect(rejected.reason).toMatchObject({ code: 'email_taken', status: 409 });
			const [{ n }] = await svc((tx) =>
				tx.query<{ n: number }>('select count(*)::int as n from public.users where lower(email) = $1', [email])
			);
			expect(n).toBe(1);
			expect(await outbox(db, email)).toHaveLength(1);
		});

		// Only PostgreSQL runs transactions concurrently (PGlite serialises them, so the race cannot happen there).
		if (engine === 'postgres')
			it('a sign-up that loses the race on the unique index gets the same clear error', async () => {
				const email = uniqueEmail('race2');
				let release!: () => void;
				const gate = new Promise<void>((r) => (release = r));
				let inserted!: () => void;
				const didInsert = new Promise<void>((r) => (inserted = r));
				// Another transaction creates the same account and stays open while our sign-up runs.
				const holder = svc(async (tx) => {
					await tx.query(`insert into public.users (email, display_name) values ($1, 'Concurrent')`, [email]);
					inserted();
					await gate;
				});
				await didInsert;
				// (the outcome is captured at once, so a rejection is never left unhandled while we wait)
				const pending = signUp(db, {
					email: email.toUpperCase(),
					displayName: 'Perdant',
					password: DEFAULT_PASSWORD
				}).then(
					() => null,
					(e: unknown) => e
				);
				// Hashing, then the insert waits on the unique index: wait until PostgreSQL shows it waiting on a lock.
				for (let i = 0; i < 200; i++) {
					const [w] = await db.query<{ n: number }>(
						`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike '%insert into public.users%'`
					);
					if (w.n > 0) break;
					await new Promise((r) => setTimeout(r, 50));
				}
				release();
				await holder;
				expect(await pending).toMatchObject({ code: 'email_taken', status: 409 });
				expect(await outbox(db, email)).toEqual([]);
			});

		it('a sign-up the database refuses leaves neither an account nor a mail (one transaction)', async () => {
			const bad = 'sans-domaine@localhost'; // violates the users.email check constraint
			await expect(signUp(db, { email: bad, displayName: 'Personne', password: DEFAULT_PASSWORD })).rejects.toThrow();
			expect(await svc((tx) => tx.query('select 1 from public.users where email = $1', [bad]))).toEqual([]);
			expect(await outbox(db, bad)).toEqual([]);
		});
	});

	describe('e-mail verification', () => {
		it('verifies with the token from the mail, once', async () => {
			const email = uniqueEmail('verify');
			const { userId } = await signUp(db, { email, displayName: 'Vérifiée', password: DEFAULT_PASSWORD });
			const { token } = await tokenFromMail(email, '/verifier-email');
			expect(await verifyEmail(db, token)).toEqual({ userId });
			const [u] = await svc((tx) =>
				tx.query<{ email_verified_at: Date | null }>('select email_verified_at from public.users where id = $1', [
					userId
				])
			);
			expect(u.email_verified_at).toBeInstanceOf(Date);
			await expect(verifyEmail(db, token)).rejects.toMatchObject({
				code: 'token_used',
				status: 410,
				message: 'Ce lien a déjà été utilisé.'
			});
		});

		it('refuses a tampered token and an expired one', async () => {
			const email = uniqueEmail('tamper');
			const { userId } = await signUp(db, { email, displayName: 'Personne', password: DEFAULT_PASSWORD });
			const { token } = await tokenFromMail(email, '/verifier-email');
			const [id, secret] = token.split('.');
			const tampered = `${id}.${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
			await expect(verifyEmail(db, tampered)).rejects.toMatchObject({ code: 'token_invalid', status: 400 });
			await expect(verifyEmail(db, 'pas-un-jeton')).rejects.toMatchObject({ code: 'token_invalid' });
			// The untampered token still works after failed attempts… unless it has expired.
			await svc((tx) =>
				tx.query(`update public.auth_tokens set expires_at = now() - interval '1 minute' where id = $1`, [id])
			);
			await expect(verifyEmail(db, token)).rejects.toMatchObject({
				code: 'token_expired',
				status: 410,
				message: 'Ce lien a expiré : demandez-en un nouveau.'
			});
			const [u] = await svc((tx) =>
				tx.query<{ email_verified_at: Date | null }>('select email_verified_at from public.users where id = $1', [
					userId
				])
			);
			expect(u.email_verified_at).toBeNull();
			// A new link can be requested and works.
			await resendVerification(db, userId);
			const fresh = await tokenFromMail(email, '/verifier-email');
			expect(fresh.token).not.toBe(token);
			await verifyEmail(db, fresh.token);
		});
	});

	describe('login and sessions', () => {
		it('logs in with the right password (any case of the e-mail) and refuses a wrong one', async () => {
			const u = await createUser(db);
			const res = await login(db, u.email.toUpperCase(), u.password, { ip: ip(), userAgent: 'vitest' });
			expect(res.userId).toBe(u.id);
			await expect(login(db, u.email, u.password + 'x', { ip: ip() })).rejects.toMatchObject({
				code: 'invalid_credentials',
				status: 400,
				message: 'Adresse e-mail ou mot de passe incorrect.'
			});
			// Unknown account: exactly the same answer.
			await expect(login(db, uniqueEmail('nobody'), u.password, { ip: ip() })).rejects.toMatchObject({
				code: 'invalid_credentials',
				message: 'Adresse e-mail ou mot de passe incorrect.'
			});
		});

		it('session token is "<id>.<secret>" and only the SHA-256 of the secret is stored', async () => {
			const u = await createUser(db);
			const { token, session } = await login(db, u.email, u.password, { ip: ip(), userAgent: 'Firefox' });
			const [id, secret] = token.split('.');
			expect(id).toMatch(/^[a-z2-7]{24}$/);
			expect(secret).toMatch(/^[a-z2-7]{32}$/);
			expect(session.id).toBe(id);
			const [row] = await svc((tx) =>
				tx.query<Record<string, unknown>>('select * from public.sessions where id = $1', [id])
			);
			expect(Array.from(row.secret_hash as Uint8Array)).toEqual(Array.from(hashSecret(secret)));
			expect(JSON.stringify(row)).not.toContain(secret);
			expect(row.user_agent).toBe('Firefox');

			const valid = await validateSessionToken(db, token);
			expect(valid?.user).toEqual({
				id: u.id,
				email: u.email,
				displayName: u.displayName,
				emailVerified: true,
				isPlatformAdmin: false
			});
			expect(valid?.session.id).toBe(id);

			const flipped = secret.slice(0, -1) + (secret.endsWith('a') ? 'b' : 'a');
			expect(await validateSessionToken(db, `${id}.${flipped}`)).toBeNull();
			expect(await validateSessionToken(db, `${id}.${secret}x`)).toBeNull();
			expect(await validateSessionToken(db, id)).toBeNull();
			// The tampered attempts did not end the real session.
			expect(await validateSessionToken(db, token)).not.toBeNull();

			await invalidateSession(db, id);
			expect(await validateSessionToken(db, token)).toBeNull();
		});

		it('bumps last_verified_at at most hourly and deletes an inactive session', async () => {
			const u = await createUser(db);
			const { token, session } = await login(db, u.email, u.password, { ip: ip() });
			await svc((tx) =>
				tx.query(`update public.sessions set last_verified_at = now() - interval '2 hours' where id = $1`, [session.id])
			);
			const bumped = await validateSessionToken(db, token);
			expect(Date.now() - bumped!.session.lastVerifiedAt.getTime()).toBeLessThan(60_000);
			const [row] = await svc((tx) =>
				tx.query<{ last_verified_at: Date }>('select last_verified_at from public.sessions where id = $1', [session.id])
			);
			expect(Date.now() - row.last_verified_at.getTime()).toBeLessThan(60_000);

			await svc((tx) =>
				tx.query(`update public.sessions set last_verified_at = now() - make_interval(secs => $2) where id = $1`, [
					session.id,
					INACTIVITY_TIMEOUT_MS / 1000 + 60
				])
			);
			expect(await validateSessionToken(db, token)).toBeNull();
			expect(await svc((tx) => tx.query('select 1 from public.sessions where id = $1', [session.id]))).toEqual([]);
		});

		it('per (account, address) limit: after N failures from one address even the right password is refused there (429, French), not elsewhere', async () => {
			const u = await createUser(db);
			const here = ip();
			for (let i = 0; i < LOGIN_LIMITS.perAccountAddress; i++)
				await expect(login(db, u.email, 'Mauvais-mot-de-passe-' + i, { ip: here })).rejects.toMatchObject({
					code: 'invalid_credentials'
				});
			const err = await login(db, u.email, u.password, { ip: here }).catch((e) => e);
			expect(err).toBeInstanceOf(AppError);
			expect(err).toMatchObject({ code: 'rate_limited', status: 429 });
			expect(err.message).toMatch(
				/^Trop de tentatives de connexion\. Réessayez dans \d+ minute\(s\) ou réinitialisez votre mot de passe\.$/
			);
			// The owner elsewhere is not locked out, and another account is not affected.
			await expect(login(db, u.email, u.password, { ip: ip() })).resolves.toMatchObject({ userId: u.id });
			const other = await createUser(db);
			await expect(login(db, other.email, other.password, { ip: here })).resolves.toMatchObject({ userId: other.id });
		});

		it('30 simultaneous wrong passwords from one address: at most the limit are checked, the others refused before argon2', async () => {
			const u = await createUser(db);
			const here = ip();
			const results = await Promise.allSettled(
				Array.from({ length: 30 }, (_, i) => login(db, u.email, `Mauvais-mot-de-passe-${i}`, { ip: here }))
			);
			const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok'));
			// A wrong-password answer only comes out of a password check: at most the limit of them.
			expect(codes.filter((c) => c === 'invalid_credentials').length).toBe(LOGIN_LIMITS.perAccountAddress);
			expect(codes.filter((c) => c === 'rate_limited').length).toBe(30 - LOGIN_LIMITS.perAccountAddress);
			const [pair] = await svc((tx) =>
				tx.query<{ hits: number }>('select hits from public.rate_limits where key = $1', [
					`login:fail:pair:${u.email}|${here}`
				])
			);
			expect(pair.hits).toBe(LOGIN_LIMITS.perAccountAddress);
		});

		it('an attacker cannot lock the owner out: many failures from address A, the right password from B still gets in', async () => {
			const u = await createUser(db);
			const attacker = ip();
			const codes: string[] = [];
			for (let i = 0; i < LOGIN_LIMITS.perAccountAddress + 4; i++)
				codes.push(
					await login(db, u.email, `Devine-${i}`, { ip: attacker }).then(
						() => 'ok',
						(e: AppError) => e.code
					)
				);
			expect(codes.slice(0, LOGIN_LIMITS.perAccountAddress).every((c) => c === 'invalid_credentials')).toBe(true);
			expect(codes.slice(LOGIN_LIMITS.perAccountAddress).every((c) => c === 'rate_limited')).toBe(true);
			// The failures are counted for the account too (they slow every further attempt down), not as a lock.
			const [acct] = await svc((tx) =>
				tx.query<{ hits: number }>('select hits from public.rate_limits where key = $1', [
					`login:fail:account:${u.email}`
				])
			);
			expect(acct.hits).toBe(LOGIN_LIMITS.perAccountAddress);
			const victim = await login(db, u.email, u.password, { ip: ip(), userAgent: 'victime' });
			expect(victim.userId).toBe(u.id);
			expect(await validateSessionToken(db, victim.token)).not.toBeNull();
		});

		it('the slowdown grows with the failures on the account (every address) and stays within a few seconds', () => {
			const { slowdownAfter, slowdownMaxMs } = LOGIN_LIMITS;
			expect(loginDelayMs(0)).toBe(0);
			expect(loginDelayMs(slowdownAfter)).toBe(0);
			expect(loginDelayMs(slowdownAfter + 1)).toBeGreaterThan(0);
			expect(loginDelayMs(slowdownAfter + 2)).toBeGreaterThan(loginDelayMs(slowdownAfter + 1));
			expect(loginDelayMs(10_000)).toBe(slowdownMaxMs);
			expect(slowdownMaxMs).toBeLessThanOrEqual(5000);
		});

		it('a successful login clears the failures from that address', async () => {
			const u = await createUser(db);
			const here = ip();
			for (let round = 0; round < 2; round++) {
				for (let i = 0; i < LOGIN_LIMITS.perAccountAddress - 1; i++)
					await expect(login(db, u.email, 'Mauvais-mot-de-passe', { ip: here })).rejects.toMatchObject({
						code: 'invalid_credentials'
					});
				await expect(login(db, u.email, u.password, { ip: here })).resolves.toMatchObject({ userId: u.id });
			}
		});

		it(
			'only failures count: 200 people signing in correctly from one address within the window all get in',
			{ timeout: 240_000 },
			async () => {
				const townHall = '192.0.2.200';
				const people = await Promise.all(Array.from({ length: 200 }, () => createUser(db)));
				for (let i = 0; i < people.length; i += 10) {
					const batch = people.slice(i, i + 10);
					const results = await Promise.all(
						batch.map((p) =>
							login(db, p.email, p.password, { ip: townHall }).then(
								(r) => r.userId,
								(e: AppError) => e.code
							)
						)
					);
					expect(results).toEqual(batch.map((p) => p.id));
				}
				const [row] = await svc((tx) =>
					tx.query<{ hits: number }>('select hits from public.rate_limits where key = $1', [
						`login:fail:ip:${townHall}`
					])
				);
				expect(row.hits).toBe(0);
			}
		);

		it(
			'per-address failure limit across accounts (spraying): accounts that address failed on are refused; an unrelated right password still gets in',
			{ timeout: 180_000 },
			async () => {
				const u = await createUser(db);
				const sprayed = await createUser(db);
				const attacker = '203.0.113.9';
				await expect(login(db, sprayed.email, 'Mauvais-mot-de-passe', { ip: attacker })).rejects.toMatchObject({
					code: 'invalid_credentials'
				});
				for (let i = 1; i < LOGIN_LIMITS.perIp; i++)
					await expect(login(db, uniqueEmail('spray'), 'Mauvais-mot-de-passe', { ip: attacker })).rejects.toMatchObject(
						{ code: 'invalid_credentials' }
					);
				// Past the limit, guessing again on an account that address failed on is refused before the password check.
				await expect(login(db, sprayed.email, sprayed.password, { ip: attacker })).rejects.toMatchObject({
					code: 'rate_limited',
					status: 429,
					message: expect.stringMatching(/^Trop de tentatives de connexion/)
				});
				// A colleague in the same room typing the right password is never refused by the per-address limit (only slowed).
				await expect(login(db, u.email, u.password, { ip: attacker })).resolves.toMatchObject({ userId: u.id });
				expect(loginDelayMs(0, true)).toBe(LOGIN_LIMITS.slowdownMaxMs);
				await expect(login(db, sprayed.email, sprayed.password, { ip: ip() })).resolves.toMatchObject({
					userId: sprayed.id
				});
			}
		);

		it('IPv6 addresses count by /64: rotating addresses within one /64 shares the login failure counter', async () => {
			const u = await createUser(db);
			for (let i = 0; i < LOGIN_LIMITS.perAccountAddress; i++)
				await expect(
					login(db, u.email, 'Mauvais-' + i, { ip: `2001:db8:aa:1:${(i + 1).toString(16)}::1` })
				).rejects.toMatchObject({ code: 'invalid_credentials' });
			await expect(
				login(db, u.email, 'Mauvais-encore', { ip: '2001:db8:aa:1:ffff:ffff:ffff:ffff' })
			).rejects.toMatchObject({ code: 'rate_limited' });
			await expect(login(db, u.email, u.password, { ip: '2001:db8:aa:2::1' })).resolves.toMatchObject({ userId: u.id });
			expect(addressKey('2001:0DB8:00aa:0001:0:0:0:1')).toBe('2001:db8:aa:1::/64');
			expect(addressKey('[2001:db8::1]:443')).toBe('2001:db8:0:0::/64');
			expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
			expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
		});

		it('logoutEverywhere ends every session of the user only', async () => {
			const u = await createUser(db);
			const other = await createUser(db);
			const a = await login(db, u.email, u.password, { ip: ip() });
			const b = await login(db, u.email, u.password, { ip: ip() });
			const o = await login(db, other.email, other.password, { ip: ip() });
			expect((await listSessions(db, u)).map((s) => s.id).sort()).toEqual([a.session.id, b.session.id].sort());
			await logoutEverywhere(db, u);
			expect(await validateSessionToken(db, a.token)).toBeNull();
			expect(await validateSessionToken(db, b.token)).toBeNull();
			expect(await validateSessionToken(db, o.token)).not.toBeNull();
		});

		it('« se déconnecter partout » also revokes every API token of the user (a thief keeps no door open)', async () => {
			const u = await createUser(db);
			const other = await createUser(db);
			await login(db, u.email, u.password, { ip: ip() });
			const stolen = await createApiToken(db, u, { name: 'Volé', scopes: ['read', 'write'] });
			const spare = await createApiToken(db, u, { name: 'Script', scopes: ['read'] });
			const theirs = await createApiToken(db, other, { name: 'Autre', scopes: ['read'] });
			expect(await authenticateApiToken(db, stolen.token)).not.toBeNull();
			await logoutEverywhere(db, u);
			expect(await authenticateApiToken(db, stolen.token)).toBeNull();
			expect(await authenticateApiToken(db, spare.token)).toBeNull();
			expect((await listApiTokens(db, u)).every((t) => t.revoked_at instanceof Date)).toBe(true);
			expect(await authenticateApiToken(db, theirs.token)).not.toBeNull();
		});

		it('changePassword keeps the current session only, revokes every API token and checks both passwords', async () => {
			const u = await createUser(db);
			const current = await login(db, u.email, u.password, { ip: ip() });
			const elsewhere = await login(db, u.email, u.password, { ip: ip() });
			// A thief who knew the old password made a token: changing the password must end it too.
			const stolen = await createApiToken(db, u, { name: 'Volé', scopes: ['read', 'write'] });
			await expect(
				changePassword(db, u.id, 'Pas-le-bon-mot-de-passe', NEW_PASSWORD, current.session.id)
			).rejects.toMatchObject({
				code: 'invalid_credentials',
				details: { field: 'currentPassword' }
			});
			await expect(changePassword(db, u.id, u.password, 'court', current.session.id)).rejects.toMatchObject({
				code: 'weak_password',
				details: { field: 'newPassword' }
			});
			expect(await validateSessionToken(db, elsewhere.token)).not.toBeNull();

			expect(await authenticateApiToken(db, stolen.token)).not.toBeNull();

			await changePassword(db, u.id, u.password, NEW_PASSWORD, current.session.id);
			expect(await validateSessionToken(db, current.token)).not.toBeNull();
			expect(await validateSessionToken(db, elsewhere.token)).toBeNull();
			expect(await authenticateApiToken(db, stolen.token)).toBeNull();
			expect((await listApiTokens(db, u)).every((t) => t.revoked_at instanceof Date)).toBe(true);
			await expect(login(db, u.email, u.password, { ip: ip() })).rejects.toMatchObject({ code: 'invalid_credentials' });
			await expect(login(db, u.email, NEW_PASSWORD, { ip: ip() })).resolves.toMatchObject({ userId: u.id });
		});
	});

	describe('password reset', () => {
		it('the e-mailed link sets a new password and ends every session; the link works once', async () => {
			const u = await createUser(db, { verified: false });
			const s1 = await login(db, u.email, u.password, { ip: ip() });
			const s2 = await login(db, u.email, u.password, { ip: ip() });
			await requestPasswordReset(db, u.email.toUpperCase(), ip());
			const { mail, token } = await tokenFromMail(u.email, '/mot-de-passe/nouveau');
			expect(mail).toMatchObject({
				kind: 'password_reset',
				subject: 'Réinitialisation de votre mot de passe — SPASER Commun'
			});

			await expect(resetPassword(db, token, 'court')).rejects.toMatchObject({ code: 'weak_password' });
			// The weak attempt rolled back: the link is still usable and the sessions still live.
			expect(await validateSessionToken(db, s1.token)).not.toBeNull();

			expect(await resetPassword(db, token, NEW_PASSWORD)).toEqual({ userId: u.id });
			expect(await validateSessionToken(db, s1.token)).toBeNull();
			expect(await validateSessionToken(db, s2.token)).toBeNull();
			await expect(login(db, u.email, u.password, { ip: ip() })).rejects.toMatchObject({ code: 'invalid_credentials' });
			const fresh = await login(db, u.email, NEW_PASSWORD, { ip: ip() });
			expect((await validateSessionToken(db, fresh.token))?.user.emailVerified).toBe(true);
			await expect(resetPassword(db, token, 'Encore-un-autre-mot-2026')).rejects.toMatchObject({
				code: 'token_used',
				status: 410
			});
		});

		it('a reset also revokes every API token; a new link voids the older ones', async () => {
			const u = await createUser(db);
			const session = await login(db, u.email, u.password, { ip: ip() });
			const token = await createApiToken(db, u, { name: 'Tableur', scopes: ['read', 'write'] });
			await requestPasswordReset(db, u.email, ip());
			const older = (await tokenFromMail(u.email, '/mot-de-passe/nouveau')).token;
			await requestPasswordReset(db, u.email, ip());
			const newer = (await tokenFromMail(u.email, '/mot-de-passe/nouveau')).token;
			expect(newer).not.toBe(older);
			// The older link, e.g. left in a mailbox someone else reads, no longer works…
			await expect(resetPassword(db, older, NEW_PASSWORD)).rejects.toMatchObject({ status: 410 });
			await expect(login(db, u.email, u.password, { ip: ip() })).resolves.toMatchObject({ userId: u.id });
			// …the newest does, and ends every session and every token.
			await resetPassword(db, newer, NEW_PASSWORD);
			expect(await validateSessionToken(db, session.token)).toBeNull();
			expect(await authenticateApiToken(db, token.token)).toBeNull();
			expect(await svc((tx) => tx.query('select 1 from public.sessions where user_id = $1', [u.id]))).toEqual([]);
		});

		it('refuses a tampered or expired reset link', async () => {
			const u = await createUser(db);
			await requestPasswordReset(db, u.email, ip());
			const { token } = await tokenFromMail(u.email, '/mot-de-passe/nouveau');
			const [id, secret] = token.split('.');
			await expect(
				resetPassword(db, `${id}.${secret.split('').reverse().join('')}`, NEW_PASSWORD)
			).rejects.toMatchObject({ code: 'token_invalid', status: 400 });
			await svc((tx) =>
				tx.query(`update public.auth_tokens set expires_at = now() - interval '1 second' where id = $1`, [id])
			);
			await expect(resetPassword(db, token, NEW_PASSWORD)).rejects.toMatchObject({ code: 'token_expired' });
			await expect(login(db, u.email, u.password, { ip: ip() })).resolves.toMatchObject({ userId: u.id });
		});

		it('an e-mail verification token is not a reset token', async () => {
			const email = uniqueEmail('purpose');
			await signUp(db, { email, displayName: 'Personne', password: DEFAULT_PASSWORD });
			const { token } = await tokenFromMail(email, '/verifier-email');
			await expect(resetPassword(db, token, NEW_PASSWORD)).rejects.toMatchObject({ code: 'token_invalid' });
		});

		it('no account enumeration: an unknown address gets the same answer and queues nothing', async () => {
			const before = (await outbox(db)).length;
			const unknown = uniqueEmail('inconnu');
			await expect(requestPasswordReset(db, unknown, ip())).resolves.toBeUndefined();
			expect((await outbox(db)).length).toBe(before);
			const known = await createUser(db);
			await expect(requestPasswordReset(db, known.email, ip())).resolves.toBeUndefined();
			expect((await outbox(db)).length).toBe(before + 1);
		});

		it('limits reset mails per address', async () => {
			const u = await createUser(db);
			for (let i = 0; i < 5; i++) await requestPasswordReset(db, u.email, ip());
			expect(await outbox(db, u.email)).toHaveLength(3);
		});
	});

	describe('sign-up throttling', () => {
		it(
			'25 sign-ups at once from one address: at most the limit of accounts, a French 429 for the rest; other addresses unaffected',
			{ timeout: 120_000 },
			async () => {
				const from = ip();
				const emails = Array.from({ length: 25 }, () => uniqueEmail('flood'));
				const results = await Promise.allSettled(
					emails.map((email) => signUp(db, { email, displayName: 'Robot', password: DEFAULT_PASSWORD }, { ip: from }))
				);
				const created = results.filter((r) => r.status === 'fulfilled').length;
				expect(created).toBe(SIGNUP_LIMITS.perIp);
				for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected'))
					expect(r.reason).toMatchObject({
						code: 'rate_limited',
						status: 429,
						message: expect.stringMatching(
							/^Trop de comptes créés depuis cette adresse\. Réessayez dans \d+ minute\(s\)\.$/
						)
					});
				const [{ n }] = await svc((tx) =>
					tx.query<{ n: number }>('select count(*)::int as n from public.users where email = any($1)', [emails])
				);
				expect(n).toBe(SIGNUP_LIMITS.perIp);
				await expect(
					signUp(
						db,
						{ email: uniqueEmail('ailleurs'), displayName: 'Ailleurs', password: DEFAULT_PASSWORD },
						{ ip: ip() }
					)
				).resolves.toHaveProperty('userId');
			}
		);

		it(
			'rotating IPv6 addresses within one /64 does not bypass the sign-up throttle',
			{ timeout: 120_000 },
			async () => {
				const results: string[] = [];
				for (let i = 0; i < SIGNUP_LIMITS.perIp + 2; i++)
					results.push(
						await signUp(
							db,
							{ email: uniqueEmail('v6'), displayName: 'Robot', password: DEFAULT_PASSWORD },
							{ ip: `2001:db8:5:6::${(i + 1).toString(16)}` }
						).then(
							() => 'ok',
							(e: AppError) => e.code
						)
					);
				expect(results.filter((r) => r === 'ok').length).toBe(SIGNUP_LIMITS.perIp);
				expect(results.slice(SIGNUP_LIMITS.perIp)).toEqual(['rate_limited', 'rate_limited']);
				await expect(
					signUp(
						db,
						{ email: uniqueEmail('v6'), displayName: 'Voisin', password: DEFAULT_PASSWORD },
						{ ip: '2001:db8:5:7::1' }
					)
				).resolves.toHaveProperty('userId');
			}
		);

		it('a refused sign-up (weak password, taken address) does not use up the address allowance', async () => {
			const from = ip();
			const taken = await createUser(db);
			for (let i = 0; i < SIGNUP_LIMITS.perIp + 2; i++) {
				await expect(
					signUp(db, { email: taken.email, displayName: 'Doublon', password: DEFAULT_PASSWORD }, { ip: from })
				).rejects.toMatchObject({ code: 'email_taken' });
				await expect(
					signUp(db, { email: uniqueEmail('faible'), displayName: 'Faible', password: 'court' }, { ip: from })
				).rejects.toMatchObject({ code: 'weak_password' });
			}
			await expect(
				signUp(db, { email: uniqueEmail('enfin'), displayName: 'Enfin', password: DEFAULT_PASSWORD }, { ip: from })
			).resolves.toHaveProperty('userId');
		});
	});

	describe('an unverified account can do nothing but verify its address', () => {
		it('no API token, no collectivité, no profile change; its old tokens do not work; signing out and verifying do', async () => {
			const email = uniqueEmail('nonverifie');
			const { userId } = await signUp(db, { email, displayName: 'Pas Vérifié', password: DEFAULT_PASSWORD });
			const me = { id: userId, email };
			const s = await login(db, email, DEFAULT_PASSWORD, { ip: ip() });
			expect((await validateSessionToken(db, s.token))?.user.emailVerified).toBe(false);

			await expect(createApiToken(db, me, { name: 'Script', scopes: ['read', 'write'] })).rejects.toMatchObject({
				code: 'email_not_verified',
				status: 403
			});
			expect(await svc((tx) => tx.query('select 1 from public.api_tokens where user_id = $1', [userId]))).toEqual([]);
			await expect(createOrganisation(db, me, { name: 'Commune Pirate', kind: 'commune' })).rejects.toMatchObject({
				code: 'email_not_verified',
				status: 403
			});
			expect(await svc((tx) => tx.query(`select 1 from public.organisations where name = 'Commune Pirate'`))).toEqual(
				[]
			);
			const profileError = await updateProfile(db, me, 'Nouveau Nom').catch((e) => e);
			expect(toAppError(profileError)).toMatchObject({ code: 'email_not_verified', status: 403 });
			// Straight SQL under its own rights is refused by the database itself.
			await expect(
				withUser(db, me, (tx) =>
					tx.query(
						`insert into public.organisations (slug, name, kind, created_by) values ('pirate-sql', 'Pirate SQL', 'commune', $1)`,
						[userId]
					)
				)
			).rejects.toThrow(/email_not_verified/);
			// A token left from before (or written behind the service's back) does not authenticate.
			const legacy = '2222222222222222';
			const secret = 'a'.repeat(32);
			await svc((tx) =>
				tx.query(
					`insert into public.api_tokens (id, user_id, name, secret_hash, scopes) values ($1, $2, 'ancien', $3, '{read,write}')`,
					[legacy, userId, hashSecret(secret)]
				)
			);
			expect(await authenticateApiToken(db, `spc_${legacy}_${secret}`)).toBeNull();

			// What it may do: sign out everywhere, ask for a new link, verify.
			await logoutEverywhere(db, me);
			expect(await validateSessionToken(db, s.token)).toBeNull();
			await resendVerification(db, userId);
			await verifyEmail(db, (await tokenFromMail(email, '/verifier-email')).token);
			expect(await authenticateApiToken(db, `spc_${legacy}_${secret}`)).toBeNull(); // revoked by « partout »
			await expect(createApiToken(db, me, { name: 'Script', scopes: ['read'] })).resolves.toHaveProperty('token');
			await expect(createOrganisation(db, me, { name: 'Commune Vérifiée', kind: 'commune' })).resolves.toHaveProperty(
				'id'
			);
		});

		it('every table users write to carries the database guard (new tables too)', async () => {
			const missing = await svc((tx) =>
				tx.query<{ relname: string }>(
					`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
					  where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not in ('sessions', 'api_tokens', 'spaser_migrations')
					    and not exists (select 1 from pg_trigger t where t.tgrelid = c.oid and t.tgname = 'zz_forbid_unverified_writes')
					  order by 1`
				)
			);
			expect(missing.map((m) => m.relname)).toEqual([]);
		});
	});

	describe('API tokens', () => {
		it('a created token authenticates with its scopes; only the hash is stored', async () => {
			const u = await createUser(db);
			const { token, id } = await createApiToken(db, u, { name: 'Tableur', scopes: ['read', 'write', 'read'] });
			expect(token).toMatch(/^spc_[a-z2-7]{16}_[a-z2-7]{32}$/);
			const secret = token.split('_')[2];
			const auth = await authenticateApiToken(db, token);
			expect(auth).toEqual({
				user: {
					id: u.id,
					email: u.email,
					displayName: expect.any(String),
					isPlatformAdmin: false,
					emailVerified: true
				},
				scopes: ['read', 'write']
			});

			const [row] = await svc((tx) =>
				tx.query<Record<string, unknown>>('select * from public.api_tokens where id = $1', [id])
			);
			expect(Array.from(row.secret_hash as Uint8Array)).toEqual(Array.from(hashSecret(secret)));
			expect(JSON.stringify(row)).not.toContain(secret);
			expect(row.last_used_at).toBeInstanceOf(Date);

			const listed = await listApiTokens(db, u);
			expect(listed).toHaveLength(1);
			expect(listed[0]).toMatchObject({ id, name: 'Tableur', scopes: ['read', 'write'], revoked_at: null });
			expect(Object.keys(listed[0])).not.toContain('secret_hash');
			// Users cannot read the hash column even of their own tokens.
			await expect(withUser(db, u, (tx) => tx.query('select secret_hash from public.api_tokens'))).rejects.toThrow(
				/permission denied/
			);
		});

		it('refuses tampered, revoked and expired tokens; revocation is per owner', async () => {
			const u = await createUser(db);
			const other = await createUser(db);
			const { token, id } = await createApiToken(db, u, { name: 'Script', scopes: ['read'], expiresInDays: 30 });
			expect(await authenticateApiToken(db, token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a'))).toBeNull();
			expect(await authenticateApiToken(db, 'spc_nimportequoi')).toBeNull();

			await expect(revokeApiToken(db, other, id)).rejects.toMatchObject({ code: 'not_found', status: 404 });
			expect(await authenticateApiToken(db, token)).not.toBeNull();
			await revokeApiToken(db, u, id);
			expect(await authenticateApiToken(db, token)).toBeNull();
			await expect(revokeApiToken(db, u, id)).rejects.toMatchObject({ code: 'not_found' });

			const second = await createApiToken(db, u, { name: 'Temporaire', scopes: ['read'], expiresInDays: 1 });
			expect(await authenticateApiToken(db, second.token)).not.toBeNull();
			await svc((tx) =>
				tx.query(`update public.api_tokens set expires_at = now() - interval '1 minute' where id = $1`, [second.id])
			);
			expect(await authenticateApiToken(db, second.token)).toBeNull();
		});
	});
});

describe.each(engines)('password change attempts (%s)', (kind) => {
	it('are rate limited per account', async () => {
		const { openTestDb } = await import('../helpers/engines');
		const { createUser } = await import('../helpers/factories');
		const { changePassword } = await import('../../src/lib/server/auth/service');
		const db = await openTestDb(kind);
		try {
			const u = await createUser(db, { verified: true });
			let last: unknown = null;
			for (let i = 0; i < 12; i++) {
				try {
					await changePassword(db, u.id, 'pas le bon mot de passe', 'Un nouveau mot de passe solide 2026', 'none');
				} catch (e) {
					last = e;
				}
			}
			expect((last as { status: number }).status).toBe(429);
		} finally {
			await db.close();
		}
	});
});
