// Data rights (RGPD): a person exports everything the platform holds about them, and deletes their account —
// their collectivité's content stays, authored by « Ancien membre »; nothing that existed only for them remains.
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { deleteAccount, DELETED_NAME, exportPersonalData } from '../../src/lib/server/account/data';
import { authenticateApiToken, createApiToken } from '../../src/lib/server/auth/api-tokens';
import { login } from '../../src/lib/server/auth/service';
import { LOGIN_LIMITS } from '../../src/lib/server/auth/rate-limit';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { createVersion } from '../../src/lib/server/spaser/versions';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, DEFAULT_PASSWORD, type TestUser } from '../helpers/factories';

const meta = { ip: '198.51.100.4', userAgent: 'test' };

describe.each(engines)('personal data export and account deletion (%s)', (engine) => {
	let db: Database;
	let admin: TestUser, writer: TestUser;
	let orgId: string, spaserId: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db, { displayName: 'Anne Admin' });
		writer = await createUser(db, { displayName: 'Wassim Rédacteur' });
		orgId = (await createOrg(db, admin, 'Ville de Saint-Donnée')).id;
		await addMember(db, orgId, writer, 'editor');
		spaserId = (
			await createSpaserRecord(db, writer, {
				orgIds: [orgId],
				leadOrgId: orgId,
				title: 'SPASER 2026-2029',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
		const doc = new Y.Doc();
		doc.getText('t').insert(0, 'Axe 1');
		await createVersion(db, writer, spaserId, doc, { kind: 'named', name: 'Version de travail' });
		await createApiToken(db, writer, { name: 'Tableur', scopes: ['read'] });
		await login(db, writer.email, DEFAULT_PASSWORD, meta);
	});
	afterAll(async () => {
		await db?.close();
	});

	it('the export holds the profile and every row that designates the person, without any secret', async () => {
		const data = await exportPersonalData(db, writer);
		expect(data.profile).toMatchObject({ id: writer.id, email: writer.email, display_name: 'Wassim Rédacteur' });
		expect(data.tables.organisation_members).toEqual([expect.objectContaining({ org_id: orgId, role: 'editor' })]);
		expect(data.tables.spaser_documents).toEqual([
			expect.objectContaining({ id: spaserId, title: 'SPASER 2026-2029' })
		]);
		expect(data.tables.spaser_versions).toEqual([
			expect.objectContaining({ name: 'Version de travail', state_octets: expect.any(Number) })
		]);
		expect(data.tables.api_tokens).toEqual([expect.objectContaining({ name: 'Tableur' })]);
		expect(data.tables.sessions?.length).toBeGreaterThan(0);
		const text = JSON.stringify(data);
		expect(text).not.toMatch(/password_hash|secret_hash|token_hash|\$argon2/);
		// The credentials row is listed (it exists), without its hash.
		for (const r of data.tables.user_credentials ?? []) expect(Object.keys(r)).not.toContain('password_hash');
		// Nothing of another person.
		expect(text).not.toContain(admin.email);
	});

	it('deletion needs the password and is refused to the only administrator of a collectivité', async () => {
		await expect(deleteAccount(db, writer, 'pas-le-bon-mot-de-passe')).rejects.toThrow(/Mot de passe incorrect/);
		await expect(deleteAccount(db, admin, DEFAULT_PASSWORD)).rejects.toThrow(
			/seul administrateur de Ville de Saint-Donnée/
		);
		const [still] = await db.query<{ n: number }>(
			'select count(*)::int as n from public.organisation_members where user_id = $1',
			[writer.id]
		);
		expect(still.n).toBe(1);
	});

	it('password guesses at deletion are rate limited with the password change (one counter per account)', async () => {
		const guesser = await createUser(db);
		const { changePassword } = await import('../../src/lib/server/auth/service');
		const limit = LOGIN_LIMITS.passwordChecks;
		const half = Math.floor(limit / 2);
		for (let i = 0; i < half; i++)
			await expect(changePassword(db, guesser.id, `essai-${i}`, 'Un-Nouveau-Mot-2026!', 'none')).rejects.toMatchObject({
				code: 'invalid_credentials'
			});
		for (let i = half; i < limit; i++)
			await expect(deleteAccount(db, guesser, `essai-${i}`)).rejects.toMatchObject({ code: 'invalid' });
		// The next guess is refused before the password is even checked — the right one too.
		await expect(deleteAccount(db, guesser, DEFAULT_PASSWORD)).rejects.toMatchObject({
			code: 'rate_limited',
			status: 429
		});
		const [still] = await asService(db, 'test: guesser', (tx) =>
			tx.query<{ deleted_at: Date | null }>('select deleted_at from public.users where id = $1', [guesser.id])
		);
		expect(still.deleted_at).toBeNull();
	});

	it('a token of a deleted account no longer authenticates, even if its row were left behind', async () => {
		const leaving = await createUser(db);
		const { token } = await createApiToken(db, leaving, { name: 'reste', scopes: ['read'] });
		expect(await authenticateApiToken(db, token)).not.toBeNull();
		await asService(db, 'test: mark deleted only', (tx) =>
			tx.query('update public.users set deleted_at = now() where id = $1', [leaving.id])
		);
		expect(await authenticateApiToken(db, token)).toBeNull();
	});

	it('after deletion: no access, no personal data, the collectivité keeps what was written, the address is free again', async () => {
		await deleteAccount(db, writer, DEFAULT_PASSWORD);
		await expect(login(db, writer.email, DEFAULT_PASSWORD, meta)).rejects.toThrow();
		const left = await asService(db, 'test: after deletion', (tx) =>
			tx.query<{ t: string; n: number }>(
				`select 'members' as t, count(*)::int as n from public.organisation_members where user_id = $1
				 union all select 'sessions', count(*)::int from public.sessions where user_id = $1
				 union all select 'tokens', count(*)::int from public.api_tokens where user_id = $1
				 union all select 'credentials', count(*)::int from public.user_credentials where user_id = $1
				 union all select 'documents', count(*)::int from public.spaser_documents where created_by = $1
				 union all select 'versions', count(*)::int from public.spaser_versions where created_by = $1`,
				[writer.id]
			)
		);
		expect(Object.fromEntries(left.map((r) => [r.t, r.n]))).toEqual({
			members: 0,
			sessions: 0,
			tokens: 0,
			credentials: 0,
			documents: 1,
			versions: 1
		});
		const [row] = await asService(db, 'test: after deletion', (tx) =>
			tx.query<{ email: string; display_name: string; deleted_at: Date | null }>(
				'select email, display_name, deleted_at from public.users where id = $1',
				[writer.id]
			)
		);
		expect(row.display_name).toBe(DELETED_NAME);
		expect(row.email).not.toContain('wassim');
		expect(row.email).toMatch(/@supprime\.invalid$/);
		expect(row.deleted_at).not.toBeNull();
		// The address can be used for a new account.
		const again = await createUser(db, { email: writer.email });
		expect(again.id).not.toBe(writer.id);
	});
});
