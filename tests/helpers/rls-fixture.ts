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
 *
 *   SPASERs (one node, one target each):
 *     sA   owned by A alone, shared with A's networks, adopted; versions vA-auto (unpublished) and vA-pub (published).
 *          Comments: cA1 (viewerA, first of a thread), cA2 (editorA's reply to cA1), cA3 (anim1, own thread,
 *          resolved by editorA).  Collaboration log: updates sA:1, sA:2 and a snapshot sA.
 *     sAC  joint SPASER, lead C, co-owner A, NOT shared, draft; version vAC (published, but the SPASER is not
 *          adopted, so it is not public). Comment cAC (adminA).
 *     sB   owned by B alone, shared (B is approved in N2, pending in N1), adopted; version vB-pub (published).
 *          Comment cB (adminB). Collaboration log: update sB:1 and a snapshot sB.
 */
import { asService, type Actor, type Database, type Tx } from '../../src/lib/server/db';
import { hashSecret } from '../../src/lib/server/auth/crypto';

const u = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const o = (n: number) => `20000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const n = (k: number) => `30000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const m = (k: number) => `40000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const i = (k: number) => `50000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const e = (k: number) => `60000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const sp = (k: number) => `70000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const nd = (k: number) => `71000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const ve = (k: number) => `72000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const co = (k: number) => `73000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
const gv = (k: number) => `80000000-0000-4000-8000-${String(k).padStart(12, '0')}`;

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
export const SPASERS = { sA: sp(1), sAC: sp(2), sB: sp(3) } as const;
export const SPASER_SLUGS = { sA: 'spaser-a', sAC: 'spaser-ac', sB: 'spaser-b' } as const;
export const NODES = { nA: nd(1), nAC: nd(2), nB: nd(3) } as const;
export const VERSIONS = { 'vA-auto': ve(1), 'vA-pub': ve(2), vAC: ve(3), 'vB-pub': ve(4) } as const;
export const COMMENTS = { cA1: co(1), cA2: co(2), cA3: co(3), cAC: co(4), cB: co(5) } as const;
/**
 * Guichet vert: profiles gp1 (anim1 in N1) and gp2 (anim2 in N2), each with hours gh1/gh2 and an absence gx1/gx2;
 * N1 has network rules. Requests: grA (adminA's question, A in N1), grA2 (editorA's session, A in N1), grB
 * (adminB's session, B in N2). Bookings gbA (editorA with anim1, grA2) and gbB (adminB with anim2, grB), both in
 * the past (a compte-rendu needs a session that has started), with a
 * history row each (geA, geB); messages gmA (anim1 on grA) and gmB (adminB on grB); gbA has a compte-rendu by anim1
 * and editorA's survey answer; calendar feed tokens gfE (editorA) and gf1 (anim1).
 */
export const GUICHET = {
	gp1: gv(1),
	gp2: gv(2),
	gh1: gv(3),
	gh2: gv(4),
	gx1: gv(5),
	gx2: gv(6),
	grA: gv(7),
	grA2: gv(8),
	grB: gv(9),
	gmA: gv(10),
	gmB: gv(11),
	gbA: gv(12),
	gbB: gv(13),
	geA: gv(14),
	geB: gv(15),
	gfE: gv(16),
	gf1: gv(17)
} as const;
/** The content stored in each fixture version (what app.published_spaser returns). */
export const versionContent = (label: keyof typeof VERSIONS) => ({ fixture: label, nodes: [] as unknown[] });

/** The clear secrets behind the fixture invitations (only their SHA-256 is stored). */
export const INVITATION_SECRETS = { invA: 'fixture-invitation-a-secret', invB: 'fixture-invitation-b-secret' } as const;

export const emailOf = (user: UserLabel) => `${user.toLowerCase()}@rls.example.test`;
export const actorOf = (user: UserLabel): Actor => ({ id: USERS[user], email: emailOf(user) });

/** uuid → label, for every fixed id above. */
export const LABELS = new Map<string, string>(
	[USERS, ORGS, NETWORKS, MEMBERSHIPS, INVITATIONS, MAILS, SPASERS, NODES, VERSIONS, COMMENTS, GUICHET].flatMap(
		(group) => Object.entries(group).map(([label, id]) => [id, label])
	)
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
			tx.query(
				`insert into public.organisations (id, slug, name, kind, created_by) values ($1, $2, $3, 'commune', $4)`,
				[id, slug, name, creator]
			);
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

		await tx.query(
			`insert into public.networks (id, slug, name) values ($1, 'reseau-1', 'Réseau 1'), ($2, 'reseau-2', 'Réseau 2')`,
			[NETWORKS.N1, NETWORKS.N2]
		);
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

		await buildSpasers(tx);
		await buildGuichet(tx);
	});
}

async function buildGuichet(tx: Tx): Promise<void> {
	const G = GUICHET;
	await tx.query(`insert into public.guichet_settings (network_id) values ($1)`, [NETWORKS.N1]);
	await tx.query(
		`insert into public.guichet_profiles (id, network_id, animator_id, visio_url) values ($1, $2, $3, 'https://visio.example.test/1'), ($4, $5, $6, 'https://visio.example.test/2')`,
		[G.gp1, NETWORKS.N1, USERS.anim1, G.gp2, NETWORKS.N2, USERS.anim2]
	);
	await tx.query(
		`insert into public.guichet_hours (id, profile_id, weekday, start_time, end_time) values ($1, $2, 1, '09:00', '12:00'), ($3, $4, 2, '14:00', '17:00')`,
		[G.gh1, G.gp1, G.gh2, G.gp2]
	);
	await tx.query(
		`insert into public.guichet_exceptions (id, profile_id, during, reason)
		 values ($1, $2, '[2030-08-01,2030-08-15)', 'Congés'), ($3, $4, '[2030-08-01,2030-08-15)', 'Congés')`,
		[G.gx1, G.gp1, G.gx2, G.gp2]
	);
	const request = (id: string, net: string, org: string, by: string, kind: string) =>
		tx.query(
			`insert into public.guichet_requests (id, network_id, org_id, requester_id, kind, topic, stage, question)
			 values ($1, $2, $3, $4, $5, 'Clauses environnementales', 'redaction_dce', 'Quels critères ?')`,
			[id, net, org, by, kind]
		);
	await request(G.grA, NETWORKS.N1, ORGS.A, USERS.adminA, 'question');
	await request(G.grA2, NETWORKS.N1, ORGS.A, USERS.editorA, 'session');
	await request(G.grB, NETWORKS.N2, ORGS.B, USERS.adminB, 'session');
	await tx.query(
		`insert into public.guichet_messages (id, request_id, author_id, body) values ($1, $2, $3, 'Réponse'), ($4, $5, $6, 'Précision')`,
		[G.gmA, G.grA, USERS.anim1, G.gmB, G.grB, USERS.adminB]
	);
	const booking = (id: string, req: string, net: string, anim: string, booker: string, org: string, status: string) =>
		tx.query(
			`insert into public.guichet_bookings (id, request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
			 values ($1, $2, $3, $4, $5, $6, '[2020-03-04 09:00+01,2020-03-04 10:00+01)', '[2020-03-04 09:00+01,2020-03-04 10:15+01)', 'visio', $7)`,
			[id, req, net, anim, booker, org, status]
		);
	await booking(G.gbA, G.grA2, NETWORKS.N1, USERS.anim1, USERS.editorA, ORGS.A, 'done');
	await booking(G.gbB, G.grB, NETWORKS.N2, USERS.anim2, USERS.adminB, ORGS.B, 'confirmed');
	await tx.query(
		`insert into public.guichet_booking_events (id, booking_id, actor_id, action) values ($1, $2, $3, 'created'), ($4, $5, $6, 'created')`,
		[G.geA, G.gbA, USERS.editorA, G.geB, G.gbB, USERS.adminB]
	);
	await tx.query(`insert into public.guichet_reports (booking_id, author_id, advice) values ($1, $2, 'Conseils')`, [
		G.gbA,
		USERS.anim1
	]);
	await tx.query(`insert into public.guichet_surveys (booking_id, respondent_id, rating) values ($1, $2, 5)`, [
		G.gbA,
		USERS.editorA
	]);
	await tx.query(`insert into public.guichet_feed_tokens (id, user_id, token_hash) values ($1, $2, $3), ($4, $5, $6)`, [
		G.gfE,
		USERS.editorA,
		hashSecret('feed-editora'),
		G.gf1,
		USERS.anim1,
		hashSecret('feed-anim1')
	]);
}

async function buildSpasers(tx: Tx): Promise<void> {
	const doc = (label: keyof typeof SPASERS, title: string, status: string, shared: boolean, creator: UserLabel) =>
		tx.query(
			`insert into public.spaser_documents (id, slug, title, period_start, period_end, status, adopted_on, deliberation_ref,
			                                      shared_with_networks, created_by)
			 values ($1, $2, $3, 2026, 2030, $4, case when $4 = 'adopte' then date '2026-06-30' end,
			         case when $4 = 'adopte' then 'Délibération n° 2026-42' end, $5, $6)`,
			[SPASERS[label], SPASER_SLUGS[label], title, status, shared, USERS[creator]]
		);
	await doc('sA', 'SPASER de la commune A', 'adopte', true, 'adminA');
	await doc('sAC', 'SPASER conjoint C et A', 'brouillon', false, 'adminC');
	await doc('sB', 'SPASER de la commune B', 'adopte', true, 'adminB');
	await tx.query(
		`insert into public.spaser_document_orgs (document_id, org_id, is_lead)
		 values ($1, $2, true), ($3, $4, true), ($3, $2, false), ($5, $6, true)`,
		[SPASERS.sA, ORGS.A, SPASERS.sAC, ORGS.C, SPASERS.sB, ORGS.B]
	);

	for (const [docLabel, nodeLabel, target] of [
		['sA', 'nA', 'tA'],
		['sAC', 'nAC', 'tAC'],
		['sB', 'nB', 'tB']
	] as const) {
		await tx.query(
			`insert into public.spaser_nodes (document_id, node_id, position, depth, number, label, level_name, title, kind, status)
			 values ($1, $2, 0, 1, '1', 'Axe 1', 'Axe', 'Achats socialement responsables', 'axe', 'en_cours')`,
			[SPASERS[docLabel], NODES[nodeLabel]]
		);
		// target_id is a text key chosen by the editor: it is its own label.
		await tx.query(
			`insert into public.spaser_targets (document_id, node_id, target_id, label, unit, value, year)
			 values ($1, $2, $3, 'Part des marchés avec clause sociale', '%', 30, 2030)`,
			[SPASERS[docLabel], NODES[nodeLabel], target]
		);
	}

	const version = (
		label: keyof typeof VERSIONS,
		docLabel: keyof typeof SPASERS,
		kind: string,
		published: boolean,
		by: UserLabel | null
	) =>
		tx.query(
			`insert into public.spaser_versions (id, document_id, kind, name, state, content, created_by, published_at)
			 values ($1, $2, $3, $4, '\\x00', $5::text::jsonb, $6, case when $7::boolean then now() end)`,
			[
				VERSIONS[label],
				SPASERS[docLabel],
				kind,
				kind === 'auto' ? null : `Version ${label}`,
				JSON.stringify(versionContent(label)),
				by && USERS[by],
				published
			]
		);
	await version('vA-auto', 'sA', 'auto', false, null);
	await version('vA-pub', 'sA', 'named', true, 'editorA');
	await version('vAC', 'sAC', 'named', true, 'adminA');
	await version('vB-pub', 'sB', 'named', true, 'adminB');

	const comment = (
		label: keyof typeof COMMENTS,
		docLabel: keyof typeof SPASERS,
		nodeLabel: keyof typeof NODES,
		author: UserLabel,
		thread: keyof typeof COMMENTS | null,
		resolvedBy: UserLabel | null = null
	) =>
		tx.query(
			`insert into public.spaser_comments (id, document_id, node_id, thread_id, author_id, body, resolved_at, resolved_by)
			 values ($1, $2, $3, $4, $5, $6, case when $7::uuid is null then null else now() end, $7)`,
			[
				COMMENTS[label],
				SPASERS[docLabel],
				NODES[nodeLabel],
				thread && COMMENTS[thread],
				USERS[author],
				`Commentaire ${label}`,
				resolvedBy && USERS[resolvedBy]
			]
		);
	await comment('cA1', 'sA', 'nA', 'viewerA', null);
	await comment('cA2', 'sA', 'nA', 'editorA', 'cA1');
	await comment('cA3', 'sA', 'nA', 'anim1', null, 'editorA');
	await comment('cAC', 'sAC', 'nAC', 'adminA', null);
	await comment('cB', 'sB', 'nB', 'adminB', null);

	await tx.query(
		`insert into public.collab_updates (doc_id, seq, update, user_id) values ($1, 1, '\\x01', $2), ($1, 2, '\\x02', $3), ($4, 1, '\\x03', $5)`,
		[SPASERS.sA, USERS.adminA, USERS.editorA, SPASERS.sB, USERS.adminB]
	);
	await tx.query(
		`insert into public.collab_snapshots (doc_id, state, upto_seq) values ($1, '\\x00', 0), ($2, '\\x00', 0)`,
		[SPASERS.sA, SPASERS.sB]
	);
	await tx.query(
		`insert into public.collab_updates_archive (doc_id, seq, update, user_id, created_at) values ($1, 0, '\\x00', null, now()), ($2, 0, '\\x00', null, now())`,
		[SPASERS.sA, SPASERS.sB]
	);
}
