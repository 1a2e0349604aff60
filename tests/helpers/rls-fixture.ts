/**
 * The fixed world the row-level-security matrix (tests/integration/rls-matrix.test.ts) runs against.
 * Everything is inserted with the service role and fixed UUIDs, so each id maps back to a short label.
 *
 *   Collectivité A: adminA (admin), editorA (editor), viewerA (viewer); approved member of network N1.
 *   Collectivité B: adminB (admin): the "member of another collectivité". Its request to join N1 is PENDING
 *                   (so it is not in N1's directory), and it is an APPROVED member of N2.
 *   Collectivité C: adminC (admin); approved member of N1 (A's peer in the N1 directory).
 *   Network N1: animated by anim1.   Network N2: animated by anim2 (the "animator of another network").
 *   platform: platform admin, member of nothing.   invitee: no collectivité, invited to A as editor.
 *
 *   Rows: a logo for B and C (none for A, so that "insert a logo for A" can be tried); a pending invitation to A
 *   (invA, for invitee) and to B (invB); sessions of adminA, adminB, anim2; API tokens of adminA and editorA;
 *   one-time auth tokens of invitee and adminA; two rate-limit counters; two queued e-mails.
 */
import { asService, type Actor, type Database } from '../../src/lib/server/db';
import { hashSecret } from '../../src/lib/server/auth/crypto';

const u = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const o = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const n = (k: number) => `30000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const m = (k: number) => `40000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const i = (k: number) => `50000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const e = (k: number) => `60000000-0000-4000-8000-${String(k).padStart(12, '0')}`;

export const USERS = {
	adminA: u(1),
	editorA: u(2),
	viewerA: u(3),
	adminB: u(4),
	adminC: u(5),
	anim1: u(6),
	anim2: u(7),
	platform: u(8),
	invitee: u(9)
} as const;
export type UserLabel = keyof typeof USERS;

export const ORGS = { A: o(1), B: o(2), C: o(3) } as const;
export const NETWORKS = { N1: n(1), N2: n(2) } as const;
export const MEMBERSHIPS = { 'A@N1': m(1), 'C@N1': m(2), 'B@N1': m(3), 'B@N2': m(4) } as const;
export const INVITATIONS = { invA: i(1), invB: i(2) } as const;
export const MAILS = { mail1: e(1), mail2: e(2) } as const;

/** The clear secrets behind the fixture invitations (only their SHA-256 is stored). */
export const INVITATION_SECRETS = { invA: 'fixture-invitation-a-secret', invB: 'fixture-invitation-b-secret' } as const;

export const emailOf = (user: UserLabel) => `${user.toLowerCase()}@rls.example.test`;
export const actorOf = (user: UserLabel): Actor => ({ id: USERS[user], email: emailOf(user) });

/** uuid → label, for every fixed id above. */
export const LABELS = new Map<string, string>(
	[USERS, ORGS, NETWORKS, MEMBERSHIPS, INVITATIONS, MAILS].flatMap((group) => Object.entries(group).map(([label, id]) => [id, label]))
);

/** The owner-chosen text keys (sessions, tokens, rate limits) are their own labels. */
export const SESSION_IDS = { adminA: 'session-admina', adminB: 'session-adminb', anim2: 'session-anim2' } as const;

export async function buildRlsFixture(db: Database): Promise<void> {
	await asService(db, 'test fixture: rls matrix', async (tx) => {
		for (const [label, id] of Object.entries(USERS)) {
			await tx.query(
				`insert into public.users (id, email, display_name, email_verified_at, is_platform_admin)
				 values ($1, $2, $3, now(), $4)`,
				[id, emailOf(label as UserLabel), `Personne ${label}`, label === 'platform']
			);
			await tx.query('insert into public.user_credentials (user_id, password_hash) values ($1, $2)', [
				id,
				`$argon2id$v=19$m=19456,t=2,p=1$fixture$${label}`
			]);
		}

		const org = (id: string, slug: string, name: string, creator: string) =>
			tx.query(`insert into public.organisations (id, slug, name, kind, created_by) values ($1, $2, $3, 'commune', $4)`, [
				id,
				slug,
				name,
				creator
			]);
		// The creator trigger makes created_by the first admin.
		await org(ORGS.A, 'commune-a', 'Commune A', USERS.adminA);
		await org(ORGS.B, 'commune-b', 'Commune B', USERS.adminB);
		await org(ORGS.C, 'commune-c', 'Commune C', USERS.adminC);
		await tx.query(
			`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor'), ($1, $3, 'viewer')`,
			[ORGS.A, USERS.editorA, USERS.viewerA]
		);
		await tx.query(
			`insert into public.organisation_logos (org_id, mime, data) values ($1, 'image/png', '\\x89504e47'), ($2, 'image/png', '\\x89504e47')`,
			[ORGS.B, ORGS.C]
		);
		await tx.query(
			`insert into public.organisation_invitations (id, org_id, email, role, token_hash, invited_by)
			 values ($1, $2, $3, 'editor', $4, $5), ($6, $7, 'someone@rls.example.test', 'viewer', $8, $9)`,
			[
				INVITATIONS.invA,
				ORGS.A,
				emailOf('invitee'),
				hashSecret(INVITATION_SECRETS.invA),
				USERS.adminA,
				INVITATIONS.invB,
				ORGS.B,
				hashSecret(INVITATION_SECRETS.invB),
				USERS.adminB
			]
		);

		await tx.query(`insert into public.networks (id, slug, name) values ($1, 'reseau-1', 'Réseau 1'), ($2, 'reseau-2', 'Réseau 2')`, [
			NETWORKS.N1,
			NETWORKS.N2
		]);
		await tx.query(`insert into public.network_animators (network_id, user_id) values ($1, $2), ($3, $4)`, [
			NETWORKS.N1,
			USERS.anim1,
			NETWORKS.N2,
			USERS.anim2
		]);
		const membership = (id: string, net: string, orgId: string, status: string, by: string, decidedBy: string | null) =>
			tx.query(
				`insert into public.network_memberships (id, network_id, org_id, status, requested_by, decided_by, decided_at)
				 values ($1, $2, $3, $4, $5, $6, case when $6::uuid is null then null else now() end)`,
				[id, net, orgId, status, by, decidedBy]
			);
		await membership(MEMBERSHIPS['A@N1'], NETWORKS.N1, ORGS.A, 'approved', USERS.adminA, USERS.anim1);
		await membership(MEMBERSHIPS['C@N1'], NETWORKS.N1, ORGS.C, 'approved', USERS.adminC, USERS.anim1);
		await membership(MEMBERSHIPS['B@N1'], NETWORKS.N1, ORGS.B, 'pending', USERS.adminB, null);
		await membership(MEMBERSHIPS['B@N2'], NETWORKS.N2, ORGS.B, 'approved', USERS.adminB, USERS.anim2);

		for (const [owner, id] of Object.entries(SESSION_IDS))
			await tx.query(`insert into public.sessions (id, user_id, secret_hash) values ($1, $2, $3)`, [
				id,
				USERS[owner as UserLabel],
				hashSecret(`${id}-secret`)
			]);
		await tx.query(
			`insert into public.api_tokens (id, user_id, name, secret_hash, scopes)
			 values ('token-admina', $1, 'Jeton A', $2, '{read}'), ('token-editora', $3, 'Jeton E', $4, '{read,write}')`,
			[USERS.adminA, hashSecret('token-admina-secret'), USERS.editorA, hashSecret('token-editora-secret')]
		);
		await tx.query(
			`insert into public.auth_tokens (id, user_id, purpose, secret_hash, email, expires_at)
			 values ('authtoken-invitee', $1, 'email_verification', $2, $3, now() + interval '1 day'),
			        ('authtoken-admina', $4, 'password_reset', $5, $6, now() + interval '1 hour')`,
			[USERS.invitee, hashSecret('a'), emailOf('invitee'), USERS.adminA, hashSecret('b'), emailOf('adminA')]
		);
		await tx.query(`insert into public.rate_limits (key, hits) values ('login:admina', 3), ('ip:192.0.2.1', 1)`);
		await tx.query(
			`insert into public.email_outbox (id, to_address, subject, text_body, kind)
			 values ($1, $2, 'Invitation', 'Lien secret', 'invitation'), ($3, $4, 'Réinitialisation', 'Lien secret', 'password_reset')`,
			[MAILS.mail1, emailOf('invitee'), MAILS.mail2, emailOf('adminA')]
		);
	});
}
