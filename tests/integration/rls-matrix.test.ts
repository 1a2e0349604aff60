/**
 * Row-level-security matrix: for EVERY table of the public schema and for each persona, what they can read,
 * insert, update and delete, on PGlite (PostgreSQL 18) and on a real PostgreSQL 15.
 *
 * The world is tests/helpers/rls-fixture.ts (collectivités A, B, C; networks N1, N2). B's request to join N1 is
 * pending (B is not in N1's directory) and B is an approved member of N2.
 *
 * Personas (columns):
 *   anon      no account (role anon)
 *   outsider  adminB, admin of collectivité B: "a member of another collectivité"
 *   viewer    viewerA      editor  editorA      admin  adminA
 *   animN2    anim2, animator of N2: "an animator of another network" (A is not in N2)
 *   animN1    anim1, animator of N1, where A and C are approved and B is pending
 *   platform  a platform admin
 *
 * Cell grammar:
 *   'denied'  the statement fails with "permission denied" (no grant on the table or the column)
 *   'rls'     the insert fails with "new row violates row-level security policy"
 *   'ok'      the insert succeeds
 *   '-'       the statement succeeds and sees / touches no row
 *   '*'       every row of the fixture (what the service role sees)
 *   'A C'     exactly these rows (labels from the fixture; composite keys as 'A:adminA', memberships as 'A@N1')
 *
 * select = `select <key> from t`; update = a no-op `update t set x = x returning <key>` on every row;
 * delete = `delete from t [where …] returning <key>`; insert = one plausible row (see each table).
 * Each cell runs in its own transaction, always rolled back, so a failure never poisons the next check.
 * A new table without a row here makes the test fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, elevated, withUser, type Actor, type Database, type Tx } from '../../src/lib/server/db';
import { hashSecret } from '../../src/lib/server/auth/crypto';
import { engines, openTestDb } from '../helpers/engines';
import {
	actorOf,
	buildRlsFixture,
	emailOf,
	INVITATION_SECRETS,
	COMMENTS,
	GUICHET,
	INVITATIONS,
	LABELS,
	MEMBERSHIPS,
	NETWORKS,
	NODES,
	ORGS,
	SPASER_SLUGS,
	SPASERS,
	USERS,
	VERSIONS,
	versionContent
} from '../helpers/rls-fixture';
import { buildRlsExtensions, RLS_EXTENSIONS } from '../helpers/rls-extensions';
import { closed, DENIED_ALL, OPS, type Cells, type Op, type TableSpec } from '../helpers/rls-types';

const PERSONAS = ['anon', 'outsider', 'viewer', 'editor', 'admin', 'animN2', 'animN1', 'platform'] as const;
type Persona = (typeof PERSONAS)[number];
const ACTORS: Record<Persona, Actor | null> = {
	anon: null,
	outsider: actorOf('adminB'),
	viewer: actorOf('viewerA'),
	editor: actorOf('editorA'),
	admin: actorOf('adminA'),
	animN2: actorOf('anim2'),
	animN1: actorOf('anim1'),
	platform: actorOf('platform')
};

const A_USERS = 'adminA editorA viewerA';
const V_A = 'vA-auto vA-pub';
const C_A = 'cA1 cA2 cA3';
const A_MEMBERS = 'A:adminA A:editorA A:viewerA';

// prettier-ignore
const BASE_MATRIX: Record<string, TableSpec> = {
	users: {
		key: 'id', set: 'display_name = display_name',
		insert: `insert into public.users (email, display_name) values ('new@rls.example.test', 'Nouvelle personne')`,
		expect: {
			//          anon      outsider                viewer                    editor                    admin                     animN2                  animN1                                      platform
			select: ['denied', 'adminB anim1 anim2', `${A_USERS} anim1 anim2`, `${A_USERS} anim1 anim2`, `${A_USERS} anim1 anim2`, 'anim2 anim1 adminB', `anim1 anim2 ${A_USERS} adminB adminC`, '*'],
			insert: DENIED_ALL,
			update: ['denied', 'adminB',               'viewerA',                'editorA',                'adminA',                 'anim2',                'anim1',                                    '*'],
			delete: DENIED_ALL
		}
	},
	user_credentials: closed('user_id', `insert into public.user_credentials (user_id, password_hash) values (auth.uid(), 'x')`, 'password_hash = password_hash'),
	auth_tokens: closed('user_id', `insert into public.auth_tokens (id, user_id, purpose, secret_hash, email, expires_at)
		values ('forged', auth.uid(), 'password_reset', '\\x00', 'x@rls.example.test', now() + interval '1 day')`, 'used_at = used_at'),
	rate_limits: closed('key', `insert into public.rate_limits (key) values ('login:forged')`, 'hits = hits'),
	spaser_migrations: closed('version', `insert into public.spaser_migrations (version, name, checksum) values ('29990101000000', 'x', 'x')`, 'name = name'),
	sessions: {
		key: 'user_id', set: 'last_verified_at = last_verified_at',
		insert: `insert into public.sessions (id, user_id, secret_hash) values ('forged-session', auth.uid(), '\\x00')`,
		expect: {
			//          anon      outsider  viewer editor  admin     animN2   animN1 platform
			select: ['denied', 'adminB', '-',   '-',    'adminA', 'anim2', '-',   '-'],
			insert: DENIED_ALL,
			update: DENIED_ALL,
			delete: ['denied', 'adminB', '-',   '-',    'adminA', 'anim2', '-',   '-']
		}
	},
	api_tokens: {
		key: 'user_id', set: 'name = name',
		insert: `insert into public.api_tokens (id, user_id, name, secret_hash, scopes) values ('forged-token', auth.uid(), 'x', '\\x00', '{read}')`,
		expect: {
			//          anon      outsider viewer editor     admin     animN2 animN1 platform
			select: ['denied', '-',     '-',   'editorA', 'adminA', '-',   '-',   '-'],
			insert: DENIED_ALL,
			update: ['denied', '-',     '-',   'editorA', 'adminA', '-',   '-',   '-'],
			delete: DENIED_ALL
		}
	},
	email_outbox: {
		key: 'id', set: 'attempts = attempts',
		insert: `insert into public.email_outbox (to_address, subject, text_body) values ('victim@rls.example.test', 'Hameçonnage', 'x')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', '-',     '-',   '-',   '-',  '-',   '-',   '*'],
			insert: DENIED_ALL,
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	organisations: {
		key: 'id', set: 'name = name',
		insert: `insert into public.organisations (slug, name, kind, created_by) values ('nouvelle', 'Nouvelle commune', 'commune', auth.uid())`,
		expect: {
			//          anon      outsider viewer  editor  admin   animN2 animN1   platform
			select: ['denied', 'B',     'A C',  'A C',  'A C',  'B',   'A B C', '*'],
			insert: ['denied', 'ok',    'ok',   'ok',   'ok',   'ok',  'ok',    'ok'],
			update: ['denied', 'B',     '-',    '-',    'A',    '-',   '-',     '*'],
			delete: ['denied', '-',     '-',    '-',    '-',    '-',   '-',     '*']
		}
	},
	organisation_logos: {
		key: 'org_id', set: 'mime = mime',
		insert: `insert into public.organisation_logos (org_id, mime, data) values ('${ORGS.A}', 'image/png', '\\x89504e47')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'B',     'C',   'C',   'C',  'B',   'B C', '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'ok', 'rls', 'rls', 'rls'],
			update: ['denied', 'B',     '-',   '-',   '-',  '-',   '-',   '-'],
			delete: ['denied', 'B',     '-',   '-',   '-',  '-',   '-',   '-']
		}
	},
	organisation_members: {
		key: `org_id::text || ':' || user_id::text`, set: 'role = role', deleteWhere: `role <> 'admin'`,
		// Nobody joins a collectivité by a direct insert: only through an invitation (app.accept_invitation) or by
		// creating it (trigger). Both are security-definer functions.
		insert: `insert into public.organisation_members (org_id, user_id, role) values ('${ORGS.A}', '${USERS.invitee}', 'viewer')`,
		expect: {
			//          anon      outsider     viewer       editor       admin                    animN2       animN1                                   platform
			select: ['denied', 'B:adminB',  A_MEMBERS,   A_MEMBERS,   A_MEMBERS,               'B:adminB',  `${A_MEMBERS} B:adminB C:adminC`,        '*'],
			insert: DENIED_ALL,
			update: ['denied', 'B:adminB',  '-',         '-',         A_MEMBERS,               '-',         '-',                                     '-'],
			delete: ['denied', '-',         'A:viewerA', 'A:editorA', 'A:editorA A:viewerA',   '-',         '-',                                     '-']
		}
	},
	organisation_invitations: {
		key: 'id', set: 'revoked_at = revoked_at',
		insert: `insert into public.organisation_invitations (org_id, email, role, token_hash, invited_by)
			values ('${ORGS.A}', 'nouvelle@rls.example.test', 'viewer', '\\x0102', auth.uid())`,
		expect: {
			//          anon      outsider viewer editor admin   animN2 animN1 platform
			select: ['denied', 'invB',  '-',   '-',   'invA', '-',   '-',   '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'ok',   'rls', 'rls', 'rls'],
			update: ['denied', 'invB',  '-',   '-',   'invA', '-',   '-',   '-'],
			delete: ['denied', 'invB',  '-',   '-',   'invA', '-',   '-',   '-']
		}
	},
	networks: {
		key: 'id', set: 'name = name',
		insert: `insert into public.networks (slug, name) values ('nouveau-reseau', 'Nouveau réseau')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['*',      '*',     '*',   '*',   '*',  '*',   '*',   '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'rls', 'rls', 'ok'],
			update: ['denied', '-',     '-',   '-',   '-',  'N2',  'N1',  '*'],
			delete: ['denied', '-',     '-',   '-',   '-',  '-',   '-',   '*']
		}
	},
	network_animators: {
		key: `network_id::text || ':' || user_id::text`, set: 'created_at = created_at',
		insert: `insert into public.network_animators (network_id, user_id) values ('${NETWORKS.N1}', '${USERS.invitee}')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['*',      '*',     '*',   '*',   '*',  '*',   '*',   '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'rls', 'rls', 'ok'],
			update: ['denied', '-',     '-',   '-',   '-',  '-',   '-',   '*'],
			delete: ['denied', '-',     '-',   '-',   '-',  '-',   '-',   '*']
		}
	},
	network_memberships: {
		key: 'id', set: 'status = status',
		insert: `insert into public.network_memberships (network_id, org_id, requested_by) values ('${NETWORKS.N2}', '${ORGS.A}', auth.uid())`,
		expect: {
			//          anon      outsider        viewer       editor       admin        animN2  animN1             platform
			select: ['denied', 'B@N1 B@N2',    'A@N1 C@N1', 'A@N1 C@N1', 'A@N1 C@N1', 'B@N2', 'A@N1 C@N1 B@N1', '*'],
			insert: ['denied', 'rls',          'rls',       'rls',       'ok',        'rls',  'rls',             'rls'],
			update: ['denied', 'B@N1 B@N2',    '-',         '-',         'A@N1',      'B@N2', 'A@N1 C@N1 B@N1', '*'],
			delete: ['denied', '-',            '-',         '-',         '-',         '-',    '-',               '*']
		}
	},

	// SPASERs (fixture: sA = A alone, shared, adopted; sAC = lead C + co-owner A, not shared; sB = B alone, shared).
	// Access: admins/editors of an owner 'write', its viewers 'read', animators of a network where an owner is an
	// APPROVED member 'read' when shared (anim1 reads sA, not sAC; anim2 reads sB; B is only pending in N1).
	// The platform admin has no access to SPASERs.
	spaser_documents: {
		key: 'id', set: 'title = title',
		insert: `insert into public.spaser_documents (slug, title) values ('nouveau-spaser', 'Nouveau SPASER')`,
		expect: {
			//          anon      outsider viewer    editor    admin     animN2 animN1 platform
			select: ['denied', 'sB',    'sA sAC', 'sA sAC', 'sA sAC', 'sB',  'sA',  '-'],
			// Only admins and editors of some collectivité create a SPASER (then attach its owners).
			insert: ['denied', 'ok',    'rls',    'ok',     'ok',     'rls', 'rls', 'rls'],
			update: ['denied', 'sB',    '-',      'sA sAC', 'sA sAC', '-',   '-',   '-'],
			// Admins of the LEAD collectivité only: adminA deletes sA, not the joint sAC led by C.
			delete: ['denied', 'sB',    '-',      '-',      'sA',     '-',   '-',   '-']
		}
	},
	spaser_document_orgs: {
		key: `document_id::text || ':' || org_id::text`, set: 'is_lead = is_lead',
		// adminB tries to attach B to A's SPASER: refused without write access on it (see the co-owner tests).
		insert: `insert into public.spaser_document_orgs (document_id, org_id) values ('${SPASERS.sA}', '${ORGS.B}')`,
		expect: {
			//          anon      outsider viewer              editor              admin               animN2  animN1  platform
			select: ['denied', 'sB:B',  'sA:A sAC:C sAC:A', 'sA:A sAC:C sAC:A', 'sA:A sAC:C sAC:A', 'sB:B', 'sA:A', '-'],
			insert: ['denied', 'rls',   'rls',              'rls',              'rls',              'rls',  'rls',  'rls'],
			update: DENIED_ALL,
			// The lead never leaves; a co-owner's admins take it out (adminA: A out of sAC).
			delete: ['denied', '-',     '-',                '-',                'sAC:A',            '-',    '-',    '-']
		}
	},
	// Projection of the Y.Doc: written by the service role only.
	spaser_nodes: {
		key: 'node_id', set: 'title = title',
		insert: `insert into public.spaser_nodes (document_id, node_id, position, depth, number, label, level_name, title, kind, status)
			values ('${SPASERS.sA}', gen_random_uuid(), 1, 1, '2', 'Axe 2', 'Axe', 'Forgé', 'axe', 'en_cours')`,
		expect: {
			//          anon      outsider viewer    editor    admin     animN2 animN1 platform
			select: ['denied', 'nB',    'nA nAC', 'nA nAC', 'nA nAC', 'nB',  'nA',  '-'],
			insert: DENIED_ALL,
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	spaser_targets: {
		key: 'target_id', set: 'label = label',
		insert: `insert into public.spaser_targets (document_id, node_id, target_id, label) values ('${SPASERS.sA}', '${NODES.nA}', 'forged', 'Forgé')`,
		expect: {
			//          anon      outsider viewer    editor    admin     animN2 animN1 platform
			select: ['denied', 'tB',    'tA tAC', 'tA tAC', 'tA tAC', 'tB',  'tA',  '-'],
			insert: DENIED_ALL,
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	spaser_versions: {
		key: 'id', set: 'name = name',
		// A named version of sA ('auto' versions are the service's).
		insert: `insert into public.spaser_versions (document_id, kind, name, state, content) values ('${SPASERS.sA}', 'named', 'Forgée', '\\x00', '{}')`,
		expect: {
			//          anon      outsider  viewer               editor               admin                animN2    animN1             platform
			select: ['denied', 'vB-pub', `${V_A} vAC`,        `${V_A} vAC`,        `${V_A} vAC`,        'vB-pub', V_A,               '-'],
			insert: ['denied', 'rls',    'rls',               'ok',                'ok',                'rls',    'rls',             'rls'],
			// Writers name and (un)publish; state and content never change (column grants, tested below).
			update: ['denied', 'vB-pub', '-',                 `${V_A} vAC`,        `${V_A} vAC`,        '-',      '-',               '-'],
			delete: DENIED_ALL
		}
	},
	spaser_comments: {
		key: 'id', set: 'body = body',
		insert: `insert into public.spaser_comments (document_id, node_id, body) values ('${SPASERS.sA}', '${NODES.nA}', 'Une remarque')`,
		expect: {
			//          anon      outsider viewer          editor          admin           animN2 animN1 platform
			select: ['denied', 'cB',    `${C_A} cAC`,   `${C_A} cAC`,   `${C_A} cAC`,   'cB',  C_A,   '-'],
			// Every reader comments (animators of a network the SPASER is shared with too).
			insert: ['denied', 'rls',   'ok',           'ok',           'ok',           'rls', 'ok',  'rls'],
			// The no-op update passes for every reader: resolving is open to readers, the text is the author's
			// (guard trigger, tested below).
			update: ['denied', 'cB',    `${C_A} cAC`,   `${C_A} cAC`,   `${C_A} cAC`,   'cB',  C_A,   '-'],
			// Authors only; viewerA's cA1 has a reply (cA2) so it stays.
			delete: ['denied', 'cB',    '-',            'cA2',          'cAC',          '-',   'cA3', '-']
		}
	},
	// Yjs persistence of the collaboration server: service role only (RLS on, no policy, no grant).
	collab_updates: closed(`doc_id::text || ':' || seq::text`, `insert into public.collab_updates (doc_id, seq, update) values ('${SPASERS.sA}', 3, '\\x00')`, 'seq = seq'),
	collab_snapshots: closed('doc_id', `insert into public.collab_snapshots (doc_id, state, upto_seq) values ('${SPASERS.sAC}', '\\x00', 0)`, 'state = state'),
	// Compacted rows kept for the per-element history (read by the named service 'spaser element history' only).
	collab_updates_archive: closed(`doc_id::text || ':' || seq::text`, `insert into public.collab_updates_archive (doc_id, seq, update, created_at) values ('${SPASERS.sA}', 9, '\\x00', now())`, 'seq = seq'),
	// Guichet vert: buyers of APPROVED collectivités of the network, its animators, platform admins (support).
	// B is pending in N1, approved in N2. No delete on anything that records an exchange.
	guichet_settings: {
		key: 'network_id', set: 'buyer_may_cancel = buyer_may_cancel',
		insert: `insert into public.guichet_settings (network_id) values ('${NETWORKS.N2}')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', '-',     'N1',  'N1',  'N1', '-',   'N1',  'N1'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'ok', 'rls', 'rls'],
			update: ['denied', '-',     '-',   '-',   '-',  '-',   'N1',  '-'],
			delete: DENIED_ALL
		}
	},
	guichet_profiles: {
		key: 'id', set: 'active = active',
		// anim1 already has a profile in N1: the insert passes the policy and then does nothing.
		insert: `insert into public.guichet_profiles (network_id, animator_id, visio_url) values ('${NETWORKS.N1}', auth.uid(), 'https://v.example.test') on conflict do nothing`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'gp2',   'gp1', 'gp1', 'gp1', 'gp2', 'gp1', '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'rls', 'ok',  'rls'],
			update: ['denied', '-',     '-',   '-',   '-',   'gp2', 'gp1', '-'],
			delete: DENIED_ALL
		}
	},
	guichet_hours: {
		key: 'id', set: 'weekday = weekday',
		insert: `insert into public.guichet_hours (profile_id, weekday, start_time, end_time) values ('${GUICHET.gp1}', 3, '09:00', '12:00')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'gh2',   'gh1', 'gh1', 'gh1', 'gh2', 'gh1', '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'rls', 'ok',  'rls'],
			update: ['denied', '-',     '-',   '-',   '-',   'gh2', 'gh1', '-'],
			delete: ['denied', '-',     '-',   '-',   '-',   'gh2', 'gh1', '-']
		}
	},
	guichet_exceptions: {
		key: 'id', set: 'reason = reason',
		insert: `insert into public.guichet_exceptions (profile_id, during) values ('${GUICHET.gp1}', tstzrange(now(), now() + interval '1 day'))`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'gx2',   'gx1', 'gx1', 'gx1', 'gx2', 'gx1', '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'rls', 'ok',  'rls'],
			update: ['denied', '-',     '-',   '-',   '-',   'gx2', 'gx1', '-'],
			delete: ['denied', '-',     '-',   '-',   '-',   'gx2', 'gx1', '-']
		}
	},
	guichet_requests: {
		key: 'id', set: 'status = status',
		insert: `insert into public.guichet_requests (network_id, org_id, kind, topic, stage, question)
			values ('${NETWORKS.N1}', '${ORGS.A}', 'question', 'Sujet', 'execution', 'Question ?')`,
		expect: {
			//          anon      outsider viewer        editor        admin         animN2 animN1        platform
			select: ['denied', 'grB',   'grA grA2',   'grA grA2',   'grA grA2',   'grB', 'grA grA2',   '*'],
			// A lecteur reads the collectivité's requests but does not ask in its name (app.can_act_for_org).
			insert: ['denied', 'rls',   'rls',        'ok',         'ok',         'rls', 'rls',        'rls'],
			update: ['denied', 'grB',   '-',          'grA2',       'grA',        'grB', 'grA grA2',   '-'],
			delete: DENIED_ALL
		}
	},
	guichet_messages: {
		key: 'id', set: 'body = body',
		insert: `insert into public.guichet_messages (request_id, body) values ('${GUICHET.grA}', 'Relance')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'gmB',   'gmA', 'gmA', 'gmA', 'gmB', 'gmA', '*'],
			insert: ['denied', 'rls',   'rls', 'ok',  'ok',  'rls', 'ok',  'rls'],
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	guichet_bookings: {
		key: 'id', set: 'status = status',
		insert: `insert into public.guichet_bookings (request_id, network_id, animator_id, org_id, during, blocked, modality, status)
			values ('${GUICHET.grA2}', '${NETWORKS.N1}', '${USERS.anim1}', '${ORGS.A}', '[2031-01-06 10:00+01,2031-01-06 11:00+01)',
			        '[2031-01-06 10:00+01,2031-01-06 11:00+01)', 'visio', 'confirmed')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'gbB',   'gbA', 'gbA', 'gbA', 'gbB', 'gbA', '*'],
			insert: ['denied', 'rls',   'rls', 'ok',  'ok',  'rls', 'rls', 'rls'],
			update: ['denied', 'gbB',   '-',   'gbA', '-',   'gbB', 'gbA', '-'],
			delete: DENIED_ALL
		}
	},
	guichet_booking_events: {
		key: 'id', set: 'reason = reason',
		insert: `insert into public.guichet_booking_events (booking_id, action) values ('${GUICHET.gbA}', 'confirmed')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', 'geB',   'geA', 'geA', 'geA', 'geB', 'geA', '*'],
			insert: ['denied', 'rls',   'rls', 'ok',  'rls', 'rls', 'ok',  'rls'],
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	guichet_reports: {
		key: 'booking_id', set: 'advice = advice',
		insert: `insert into public.guichet_reports (booking_id, advice) values ('${GUICHET.gbB}', 'Conseils')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', '-',     'gbA', 'gbA', 'gbA', '-',   'gbA', '*'],
			insert: ['denied', 'rls',   'rls', 'rls', 'rls', 'ok',  'rls', 'rls'],
			update: ['denied', '-',     '-',   '-',   '-',   '-',   'gbA', '-'],
			delete: DENIED_ALL
		}
	},
	guichet_surveys: {
		key: 'booking_id', set: 'rating = rating',
		insert: `insert into public.guichet_surveys (booking_id, rating) values ('${GUICHET.gbB}', 4)`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', '-',     'gbA', 'gbA', 'gbA', '-',   'gbA', '*'],
			insert: ['denied', 'ok',    'rls', 'rls', 'rls', 'rls', 'rls', 'rls'],
			update: DENIED_ALL,
			delete: DENIED_ALL
		}
	},
	guichet_feed_tokens: {
		key: 'id', set: 'revoked_at = revoked_at',
		insert: `insert into public.guichet_feed_tokens (token_hash) values ('\\x01')`,
		expect: {
			//          anon      outsider viewer editor admin animN2 animN1 platform
			select: ['denied', '-',     '-',   'gfE', '-',   '-',   'gf1', '-'],
			insert: ['denied', 'ok',    'ok',  'ok',  'ok',  'ok',  'ok',  'ok'],
			update: ['denied', '-',     '-',   'gfE', '-',   '-',   'gf1', '-'],
			delete: DENIED_ALL
		}
	}
};

/** The base tables, then every capability's tables from tests/helpers/rls/*.ts. A table claimed twice fails here. */
const MATRIX: Record<string, TableSpec> = { ...BASE_MATRIX };
for (const ext of RLS_EXTENSIONS)
	for (const [table, spec] of Object.entries(ext.matrix)) {
		if (table in MATRIX) throw new Error(`RLS matrix: table ${table} is specified twice`);
		MATRIX[table] = spec;
	}

// ---------------------------------------------------------------------------------------------------------
// Running one probe
// ---------------------------------------------------------------------------------------------------------
interface PgError {
	code?: string;
	message: string;
}
type Attempt<T> = { ok: true; value: T } | { ok: false; error: PgError };

const ROLLBACK = Symbol('rollback');

/** Runs `fn` as `actor` (null: anon) in its own transaction, always rolled back; returns its value or its error. */
async function attempt<T>(db: Database, actor: Actor | null, fn: (tx: Tx) => Promise<T>): Promise<Attempt<T>> {
	let result: Attempt<T> | undefined;
	try {
		await withUser(db, actor, async (tx) => {
			try {
				result = { ok: true, value: await fn(tx) };
			} catch (e) {
				result = { ok: false, error: e as PgError };
			}
			throw ROLLBACK;
		});
	} catch (e) {
		if (e !== ROLLBACK) throw e;
	}
	return result!;
}

/** 'ok', or the classified failure ('rls', 'denied', 'error …'). */
const outcome = (r: Attempt<unknown>) => (r.ok ? 'ok' : classify(r.error));

function classify(error: PgError): string {
	if (/row-level security/.test(error.message)) return 'rls';
	if (error.code === '42501' && /permission denied/.test(error.message)) return 'denied';
	return `error ${error.code}: ${error.message}`;
}

const label = (key: string) =>
	key
		.split(':')
		.map((part) => LABELS.get(part) ?? part)
		.join(':');

/** Canonical cell: labels sorted, '*' when every fixture row, '-' when none. */
function canonical(cell: string, all: string[]): string {
	if (['denied', 'rls', 'ok', '-'].includes(cell) || cell.startsWith('error')) return cell;
	const labels = cell === '*' ? all : cell.split(/\s+/).filter(Boolean);
	const sorted = [...new Set(labels)].sort();
	if (!sorted.length) return '-';
	if (sorted.length === all.length && sorted.every((l, i) => l === all[i])) return '*';
	return sorted.join(' ');
}

function probeSql(table: string, spec: TableSpec, op: Op): string {
	switch (op) {
		case 'select':
			return `select ${spec.key} as k from public.${table}`;
		case 'insert':
			return spec.insert;
		case 'update':
			return `update public.${table} set ${spec.set} returning ${spec.key} as k`;
		case 'delete':
			return `delete from public.${table} ${spec.deleteWhere ? `where ${spec.deleteWhere}` : ''} returning ${spec.key} as k`;
	}
}

async function probe(db: Database, actor: Actor | null, sql: string, op: Op, all: string[]): Promise<string> {
	const r = await attempt(db, actor, (tx) => tx.query<{ k: string }>(sql));
	if (!r.ok) return classify(r.error);
	if (op === 'insert') return 'ok';
	return canonical(r.value.map((row) => label(String(row.k))).join(' '), all);
}

/** Asserts a failure with this SQLSTATE and, when given, a message fragment. */
function expectFailure(r: Attempt<unknown>, code: string, fragment?: RegExp, what = '') {
	expect(r.ok, r.ok ? `${what}: expected ${code}, got ${JSON.stringify(r.value)}` : '').toBe(false);
	if (r.ok) return;
	expect(r.error.code).toBe(code);
	if (fragment) expect(r.error.message).toMatch(fragment);
}

function expectValue<T>(r: Attempt<T>): T {
	if (!r.ok) throw new Error(`unexpected error ${r.error.code}: ${r.error.message}`);
	return r.value;
}

const service = <T>(db: Database, fn: (tx: Tx) => Promise<T>) => asService(db, 'rls matrix check', fn);

// ---------------------------------------------------------------------------------------------------------
describe.each(engines)('row-level security matrix on %s', (engine) => {
	let db: Database;
	const summary: Record<string, Record<string, string>> = {};

	beforeAll(async () => {
		db = await openTestDb(engine);
		await buildRlsFixture(db);
		await buildRlsExtensions(db);
	});
	afterAll(async () => {
		if (Object.keys(summary).length) {
			console.log(`RLS matrix on ${engine} (columns: ${PERSONAS.join(', ')}):`);
			console.table(summary);
		}
		await db?.close();
	});

	it('has a matrix row for every table of the public schema, and every table has RLS on', async () => {
		const tables = await db.query<{ name: string; rls: boolean }>(
			`select c.relname as name, c.relrowsecurity as rls from pg_class c join pg_namespace n on n.oid = c.relnamespace
			  where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`
		);
		expect(tables.map((t) => t.name)).toEqual(Object.keys(MATRIX).sort());
		expect(tables.filter((t) => !t.rls).map((t) => t.name)).toEqual([]);
		// Views and materialized views would bypass the policies of the tables they read.
		const views = await db.query<{ name: string }>(
			`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
			  where n.nspname = 'public' and (c.relkind = 'm' or (c.relkind = 'v'
			        and not coalesce('security_invoker=true' = any (c.reloptions), false)))`
		);
		expect(views).toEqual([]);
	});

	it.each(Object.keys(MATRIX).sort())('%s: select / insert / update / delete per persona', async (table) => {
		const spec = MATRIX[table];
		// '*' = every row, as the database owner sees them (the service role has no grant on the migration log).
		const all = (await db.query<{ k: string }>(`select ${spec.key} as k from public.${table}`))
			.map((r) => label(String(r.k)))
			.sort();
		const actual: Record<string, Record<string, string>> = {};
		const expected: Record<string, Record<string, string>> = {};
		for (const op of OPS) {
			const sql = probeSql(table, spec, op);
			actual[op] = {};
			expected[op] = {};
			for (const [i, persona] of PERSONAS.entries()) {
				actual[op][persona] = await probe(db, ACTORS[persona], sql, op, all);
				expected[op][persona] = canonical(spec.expect[op][i], all);
			}
			summary[`${table}.${op}`] = actual[op];
		}
		expect(actual).toEqual(expected);
		// The fixture really has rows in every table (the migrator fills the migration log).
		expect(all.length).toBeGreaterThan(0);
	});

	describe('secret columns', () => {
		it('no API role may select a password hash, a secret hash or a token hash', async () => {
			const secrets = await db.query<{ t: string; c: string; anon: boolean; auth: boolean }>(
				`select table_name as t, column_name as c,
				        has_column_privilege('anon', format('public.%I', table_name), column_name, 'SELECT') as anon,
				        has_column_privilege('authenticated', format('public.%I', table_name), column_name, 'SELECT') as auth
				   from information_schema.columns
				  where table_schema = 'public' and column_name ~ '(password|secret|hash)' order by 1, 2`
			);
			expect(secrets.map((s) => `${s.t}.${s.c}`)).toEqual([
				'api_tokens.secret_hash',
				'auth_tokens.secret_hash',
				'guichet_feed_tokens.token_hash',
				'organisation_invitations.token_hash',
				'sessions.secret_hash',
				'user_credentials.password_hash'
			]);
			expect(secrets.filter((s) => s.anon || s.auth)).toEqual([]);
			// Only user_credentials holds passwords: no other table has a password-like column.
			for (const persona of PERSONAS)
				for (const sql of [
					'select secret_hash from public.sessions',
					'select secret_hash from public.api_tokens',
					'select token_hash from public.organisation_invitations',
					'select password_hash from public.user_credentials',
					'select * from public.sessions',
					'select * from public.api_tokens'
				])
					expectFailure(await attempt(db, ACTORS[persona], (tx) => tx.query(sql)), '42501', /permission denied/);
		});

		it('the owner lists their sessions and tokens without the hash', async () => {
			const rows = expectValue(
				await attempt(db, ACTORS.admin, (tx) =>
					tx.query<{ id: string; name: string }>('select id, name, scopes, revoked_at from public.api_tokens')
				)
			);
			expect(rows.map((r) => r.id)).toEqual(['token-admina']);
			const sessions = expectValue(
				await attempt(db, ACTORS.admin, (tx) =>
					tx.query<{ id: string }>('select id, user_agent, ip from public.sessions')
				)
			);
			expect(sessions.map((s) => s.id)).toEqual(['session-admina']);
		});

		it('columns outside the grants cannot be written, even on rows the policy allows', async () => {
			const cases: [Persona, string][] = [
				['viewer', `update public.users set email = 'autre@rls.example.test' where id = auth.uid()`],
				['platform', `update public.users set email_verified_at = null`],
				['admin', `update public.api_tokens set user_id = '${USERS.viewerA}'`],
				['admin', `update public.api_tokens set scopes = '{read,write}'`],
				['admin', `update public.organisation_invitations set role = 'admin'`],
				['admin', `update public.organisation_invitations set email = 'moi@rls.example.test'`],
				[
					'admin',
					`update public.organisation_members set user_id = '${USERS.invitee}' where user_id = '${USERS.viewerA}'`
				],
				['admin', `update public.organisation_members set org_id = '${ORGS.B}'`],
				['outsider', `update public.network_memberships set network_id = '${NETWORKS.N1}' where org_id = '${ORGS.B}'`],
				['animN1', `update public.network_memberships set org_id = '${ORGS.C}'`]
			];
			for (const [persona, sql] of cases)
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) => tx.query(sql)),
					'42501',
					/permission denied/,
					`${persona}: ${sql}`
				);
		});
	});

	it('a revoked API token or invitation cannot be brought back', async () => {
		const cases: [Persona, string, string][] = [
			['admin', 'api_tokens', `id = 'token-admina'`],
			['editor', 'api_tokens', `id = 'token-editora'`],
			['admin', 'organisation_invitations', `id = '${INVITATIONS.invA}'`]
		];
		for (const [persona, table, where] of cases) {
			const r = await attempt(db, ACTORS[persona], async (tx) => {
				const revoked = await tx.query(`update public.${table} set revoked_at = now() where ${where} returning 1`);
				expect(revoked, `${persona} revokes in ${table}`).toHaveLength(1);
				return tx.query(`update public.${table} set revoked_at = null where ${where} returning 1`);
			});
			expectFailure(r, '42501', /revocation_final/, `${persona} un-revokes in ${table}`);
		}
	});

	describe('users', () => {
		it('nobody grants themself platform admin rights; a platform admin cannot drop their own', async () => {
			for (const persona of ['viewer', 'admin', 'animN1'] as const)
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) =>
						tx.query('update public.users set is_platform_admin = true where id = auth.uid()')
					),
					'42501',
					/platform admin/
				);
			// Someone else's row is out of reach of the update policy: nothing happens.
			expect(
				expectValue(
					await attempt(db, ACTORS.admin, (tx) =>
						tx.query(`update public.users set is_platform_admin = true where id = '${USERS.editorA}' returning id`)
					)
				)
			).toEqual([]);
			expectFailure(
				await attempt(db, ACTORS.platform, (tx) =>
					tx.query('update public.users set is_platform_admin = false where id = auth.uid()')
				),
				'42501',
				/own rights/
			);
			const promoted = expectValue(
				await attempt(db, ACTORS.platform, (tx) =>
					tx.query<{ id: string }>(
						`update public.users set is_platform_admin = true where id = '${USERS.anim1}' returning id`
					)
				)
			);
			expect(promoted).toEqual([{ id: USERS.anim1 }]);
		});
	});

	describe('organisations', () => {
		it('one creates a collectivité only in one’s own name, and becomes its admin', async () => {
			const r = await attempt(db, ACTORS.admin, (tx) =>
				tx.query(
					`insert into public.organisations (slug, name, kind, created_by) values ('usurpee', 'Usurpée', 'commune', '${USERS.adminB}')`
				)
			);
			expect(r.ok ? 'ok' : classify(r.error)).toBe('rls');
			const created = expectValue(
				await attempt(db, actorOf('invitee'), async (tx) => {
					// INSERT … RETURNING, the way the service does it: the creator sees the row at once.
					const [org] = await tx.query<{ id: string }>(
						`insert into public.organisations (slug, name, kind) values ('creee', 'Commune créée', 'commune') returning id`
					);
					return tx.query<{ role: string }>(
						'select role from public.organisation_members where org_id = $1 and user_id = auth.uid()',
						[org.id]
					);
				})
			);
			expect(created).toEqual([{ role: 'admin' }]);
		});

		it('a former creator who is no longer a member does not see the collectivité any more', async () => {
			await service(db, (tx) =>
				tx.query('update public.organisations set created_by = $1 where id = $2', [USERS.adminA, ORGS.B])
			);
			try {
				const rows = expectValue(
					await attempt(db, ACTORS.admin, (tx) =>
						tx.query('select id from public.organisations where id = $1', [ORGS.B])
					)
				);
				expect(rows).toEqual([]);
			} finally {
				await service(db, (tx) =>
					tx.query('update public.organisations set created_by = $1 where id = $2', [USERS.adminB, ORGS.B])
				);
			}
		});

		it('the last admin can neither leave nor be demoted', async () => {
			expectFailure(
				await attempt(db, ACTORS.admin, (tx) =>
					tx.query(`update public.organisation_members set role = 'editor' where user_id = auth.uid()`)
				),
				'P0001',
				/last_admin/
			);
			expectFailure(
				await attempt(db, ACTORS.admin, (tx) =>
					tx.query(`delete from public.organisation_members where user_id = auth.uid()`)
				),
				'P0001',
				/last_admin/
			);
		});
	});

	describe('app.accept_invitation', () => {
		const accept = (secret: string) => (tx: Tx) =>
			tx.query<{ org: string }>('select app.accept_invitation($1) as org', [hashSecret(secret)]);

		it('is not callable anonymously', async () => {
			expectFailure(await attempt(db, null, accept(INVITATION_SECRETS.invA)), '42501', /permission denied/);
		});

		it('refuses another account than the invited address, and unknown tokens', async () => {
			for (const persona of ['viewer', 'outsider', 'platform', 'animN1'] as const)
				expectFailure(
					await attempt(db, ACTORS[persona], accept(INVITATION_SECRETS.invA)),
					'P0001',
					/invitation_other_email/
				);
			expectFailure(await attempt(db, actorOf('invitee'), accept('not-a-real-secret')), 'P0001', /invitation_invalid/);
			// Knowing the hash of another invitation (the column is not selectable anyway) does not help either.
			expectFailure(
				await attempt(db, actorOf('invitee'), accept(INVITATION_SECRETS.invB)),
				'P0001',
				/invitation_other_email/
			);
		});

		it('refuses revoked, expired, and unverified cases', async () => {
			const withSetup = (setup: string, params: unknown[]) => async (tx: Tx) => {
				await elevated(tx, (t) => t.query(setup, params));
				return accept(INVITATION_SECRETS.invA)(tx);
			};
			const invitee = actorOf('invitee');
			expectFailure(
				await attempt(
					db,
					invitee,
					withSetup('update public.organisation_invitations set revoked_at = now() where id = $1', [INVITATIONS.invA])
				),
				'P0001',
				/invitation_invalid/
			);
			expectFailure(
				await attempt(
					db,
					invitee,
					withSetup(
						`update public.organisation_invitations set expires_at = now() - interval '1 minute' where id = $1`,
						[INVITATIONS.invA]
					)
				),
				'P0001',
				/invitation_expired/
			);
			expectFailure(
				await attempt(
					db,
					invitee,
					withSetup('update public.users set email_verified_at = null where id = $1', [USERS.invitee])
				),
				'P0001',
				/email_not_verified/
			);
		});

		it('admits the invited person once, with the invited role; the token is then used', async () => {
			const r = expectValue(
				await attempt(db, actorOf('invitee'), async (tx) => {
					const [first] = await accept(INVITATION_SECRETS.invA)(tx);
					const [me] = await tx.query<{ role: string }>(
						'select role from public.organisation_members where org_id = $1 and user_id = auth.uid()',
						[ORGS.A]
					);
					// Second use in the same transaction (savepoint so the error does not abort it).
					await tx.query('savepoint again');
					let second = 'accepted twice';
					try {
						await accept(INVITATION_SECRETS.invA)(tx);
					} catch (e) {
						second = (e as PgError).message;
						await tx.query('rollback to savepoint again');
					}
					return { org: first.org, role: me?.role, second };
				})
			);
			expect(r).toEqual({ org: ORGS.A, role: 'editor', second: expect.stringMatching(/invitation_used/) });
		});
	});

	describe('app.transfer_admin', () => {
		const transfer = (org: string, to: string) => (tx: Tx) => tx.query('select app.transfer_admin($1, $2)', [org, to]);

		it('is refused to anyone who is not admin of the collectivité', async () => {
			expectFailure(await attempt(db, null, transfer(ORGS.A, USERS.editorA)), '42501', /permission denied/);
			for (const persona of ['viewer', 'editor', 'outsider', 'animN1', 'animN2', 'platform'] as const)
				expectFailure(await attempt(db, ACTORS[persona], transfer(ORGS.A, USERS.viewerA)), '42501', /not_admin/);
		});

		it('only to another member', async () => {
			expectFailure(await attempt(db, ACTORS.admin, transfer(ORGS.A, USERS.invitee)), 'P0001', /not_a_member/);
			expectFailure(await attempt(db, ACTORS.admin, transfer(ORGS.A, USERS.adminA)), 'P0001', /not_a_member/);
			expectFailure(await attempt(db, ACTORS.admin, transfer(ORGS.A, USERS.adminB)), 'P0001', /not_a_member/);
		});

		it('swaps the roles when the admin hands over', async () => {
			const roles = expectValue(
				await attempt(db, ACTORS.admin, async (tx) => {
					await transfer(ORGS.A, USERS.editorA)(tx);
					return tx.query<{ user_id: string; role: string }>(
						'select user_id, role from public.organisation_members where org_id = $1 order by user_id',
						[ORGS.A]
					);
				})
			);
			expect(roles).toEqual([
				{ user_id: USERS.adminA, role: 'editor' },
				{ user_id: USERS.editorA, role: 'admin' },
				{ user_id: USERS.viewerA, role: 'viewer' }
			]);
		});
	});

	describe('network membership transitions', () => {
		const setStatus =
			(id: string, status: string, extra = '') =>
			(tx: Tx) =>
				tx.query<{ status: string; decided_by: string | null }>(
					`update public.network_memberships set status = '${status}'${extra} where id = $1 returning status, decided_by`,
					[id]
				);
		const statusOf = async (id: string) =>
			(
				await service(db, (tx) =>
					tx.query<{ status: string }>('select status from public.network_memberships where id = $1', [id])
				)
			)[0].status;

		it('a collectivité admin cannot approve their own request, nor insert an approved membership', async () => {
			expectFailure(
				await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N1'], 'approved')),
				'42501',
				/transition_not_allowed/
			);
			const r = await attempt(db, ACTORS.admin, (tx) =>
				tx.query(
					`insert into public.network_memberships (network_id, org_id, status, requested_by) values ($1, $2, 'approved', auth.uid())`,
					[NETWORKS.N2, ORGS.A]
				)
			);
			expect(r.ok ? 'ok' : classify(r.error)).toBe('rls');
			expect(await statusOf(MEMBERSHIPS['B@N1'])).toBe('pending');
		});

		it('an animator of another network, or a member of the network, cannot decide a request', async () => {
			for (const persona of ['animN2', 'admin', 'editor'] as const) {
				const rows = expectValue(await attempt(db, ACTORS[persona], setStatus(MEMBERSHIPS['B@N1'], 'approved')));
				expect(rows, persona).toEqual([]);
			}
			expect(await statusOf(MEMBERSHIPS['B@N1'])).toBe('pending');
		});

		it('the animator of the network decides; the decision is signed by them whatever they write', async () => {
			const rows = expectValue(
				await attempt(
					db,
					ACTORS.animN1,
					setStatus(MEMBERSHIPS['B@N1'], 'approved', `, decided_by = '${USERS.platform}'`)
				)
			);
			expect(rows).toEqual([{ status: 'approved', decided_by: USERS.anim1 }]);
			expectFailure(
				await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'refused')),
				'P0001',
				/reason_required/
			);
			const refused = expectValue(
				await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'refused', `, reason = 'Hors du territoire'`))
			);
			expect(refused).toEqual([{ status: 'refused', decided_by: USERS.anim1 }]);
			const byPlatform = expectValue(await attempt(db, ACTORS.platform, setStatus(MEMBERSHIPS['B@N1'], 'approved')));
			expect(byPlatform).toEqual([{ status: 'approved', decided_by: USERS.platform }]);
		});

		it('only the allowed transitions, by the allowed side', async () => {
			// Animator: approved → removed, but never back to pending/approved.
			expect(expectValue(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['A@N1'], 'removed')))).toEqual([
				{ status: 'removed', decided_by: USERS.anim1 }
			]);
			expectFailure(
				await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['A@N1'], 'pending')),
				'42501',
				/transition_not_allowed/
			);
			expectFailure(
				await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'left')),
				'42501',
				/transition_not_allowed/
			);
			// Collectivité admin: leaves (approved → left), withdraws (pending → withdrawn); nothing else.
			expect(expectValue(await attempt(db, ACTORS.admin, setStatus(MEMBERSHIPS['A@N1'], 'left')))).toEqual([
				{ status: 'left', decided_by: USERS.adminA }
			]);
			expect(expectValue(await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N1'], 'withdrawn')))).toEqual([
				{ status: 'withdrawn', decided_by: USERS.adminB }
			]);
			expectFailure(
				await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N2'], 'removed')),
				'42501',
				/transition_not_allowed/
			);
			// Editors and viewers of the collectivité cannot end its membership.
			for (const persona of ['editor', 'viewer'] as const)
				expect(
					expectValue(await attempt(db, ACTORS[persona], setStatus(MEMBERSHIPS['A@N1'], 'left'))),
					persona
				).toEqual([]);
			// An animator of N2 cannot remove a member of N1.
			expect(expectValue(await attempt(db, ACTORS.animN2, setStatus(MEMBERSHIPS['A@N1'], 'removed')))).toEqual([]);
		});

		it('a decision cannot be rewritten without a transition', async () => {
			for (const [persona, id] of [
				['outsider', MEMBERSHIPS['B@N2']],
				['admin', MEMBERSHIPS['A@N1']],
				['animN1', MEMBERSHIPS['A@N1']]
			] as const) {
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) =>
						tx.query(`update public.network_memberships set reason = 'Réécrit' where id = $1`, [id])
					),
					'42501',
					/transition_not_allowed/
				);
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) =>
						tx.query(`update public.network_memberships set decided_by = $2, decided_at = now() where id = $1`, [
							id,
							USERS.platform
						])
					),
					'42501',
					/transition_not_allowed/
				);
			}
		});
	});

	it('an outbox e-mail (which may hold a sign-in link) is read by platform admins only', async () => {
		for (const persona of PERSONAS.filter((p) => p !== 'platform' && p !== 'anon')) {
			const rows = expectValue(
				await attempt(db, ACTORS[persona], (tx) =>
					tx.query(`select id from public.email_outbox where to_address = $1`, [emailOf('adminA')])
				)
			);
			expect(rows, persona).toEqual([]);
		}
	});

	// -----------------------------------------------------------------------------------------------------
	// SPASERs
	// -----------------------------------------------------------------------------------------------------
	describe('SPASERs', () => {
		/** Runs `sql` as the service role inside the persona's transaction (rolled back with it). */
		const setup = (tx: Tx, sql: string, params: unknown[] = []) => elevated(tx, (t) => t.query(sql, params));
		const accessOf = (doc: string) => async (tx: Tx) =>
			(await tx.query<{ a: string | null }>('select app.spaser_access($1) as a', [doc]))[0].a ?? 'null';
		const probeAccess = async (persona: Persona, doc: string, before?: (tx: Tx) => Promise<unknown>) => {
			const r = await attempt(db, ACTORS[persona], async (tx) => {
				if (before) await before(tx);
				return accessOf(doc)(tx);
			});
			return r.ok ? r.value : classify(r.error);
		};

		it('app.spaser_access gives each persona the expected right on each SPASER', async () => {
			// prettier-ignore
			const EXPECTED: Record<keyof typeof SPASERS, Cells> = {
				//       anon      outsider viewer  editor   admin    animN2  animN1  platform
				sA:  ['denied', 'null',  'read', 'write', 'write', 'null', 'read', 'null'],
				sAC: ['denied', 'null',  'read', 'write', 'write', 'null', 'null', 'null'],
				sB:  ['denied', 'write', 'null', 'null',  'null',  'read', 'null', 'null']
			};
			for (const [doc, cells] of Object.entries(EXPECTED)) {
				const actual: string[] = [];
				for (const persona of PERSONAS) actual.push(await probeAccess(persona, SPASERS[doc as keyof typeof SPASERS]));
				expect(actual, doc).toEqual([...cells]);
			}
			// An unknown SPASER: no right, no error.
			expect(await probeAccess('admin', '7fffffff-0000-4000-8000-000000000000')).toBe('null');
		});

		it('animators read only shared SPASERs of APPROVED members of their network', async () => {
			// Sharing the joint SPASER opens it to N1's animator (A and C are approved in N1)…
			expect(
				await probeAccess('animN1', SPASERS.sAC, (tx) =>
					setup(tx, 'update public.spaser_documents set shared_with_networks = true where id = $1', [SPASERS.sAC])
				)
			).toBe('read');
			// …unsharing sA closes it…
			expect(
				await probeAccess('animN1', SPASERS.sA, (tx) =>
					setup(tx, 'update public.spaser_documents set shared_with_networks = false where id = $1', [SPASERS.sA])
				)
			).toBe('null');
			// …and so does A leaving N1, even while sA stays shared.
			expect(
				await probeAccess('animN1', SPASERS.sA, (tx) =>
					setup(tx, `update public.network_memberships set status = 'left' where id = $1`, [MEMBERSHIPS['A@N1']])
				)
			).toBe('null');
			// B's request to N1 is pending: anim1 does not read sB until it is approved.
			expect(
				await probeAccess('animN1', SPASERS.sB, (tx) =>
					setup(tx, `update public.network_memberships set status = 'approved' where id = $1`, [MEMBERSHIPS['B@N1']])
				)
			).toBe('read');
			// An animator never writes, even on a shared SPASER.
			const r = await attempt(db, ACTORS.animN1, (tx) =>
				tx.query(`update public.spaser_documents set title = 'Réécrit' where id = $1 returning id`, [SPASERS.sA])
			);
			expect(expectValue(r)).toEqual([]);
		});

		describe('app.published_spaser (the public page)', () => {
			const published = (org: string, doc: string, before?: (tx: Tx) => Promise<unknown>) => async (tx: Tx) => {
				if (before) await before(tx);
				return tx.query<{
					document_id: string;
					title: string;
					org_name: string;
					version_name: string | null;
					content: unknown;
				}>('select document_id, title, org_name, version_name, content from app.published_spaser($1, $2)', [org, doc]);
			};

			it('gives anon the latest published version of an adopted SPASER', async () => {
				const rows = expectValue(await attempt(db, null, published('commune-a', SPASER_SLUGS.sA)));
				expect(rows).toEqual([
					{
						document_id: SPASERS.sA,
						title: 'SPASER de la commune A',
						org_name: 'Commune A',
						version_name: 'Version vA-pub',
						content: versionContent('vA-pub')
					}
				]);
				const b = expectValue(await attempt(db, null, published('commune-b', SPASER_SLUGS.sB)));
				expect(b.map((r) => r.version_name)).toEqual(['Version vB-pub']);
			});

			it('gives nothing for an unpublished version, a draft SPASER or the wrong collectivité', async () => {
				const none = async (what: string, fn: (tx: Tx) => Promise<unknown[]>) =>
					expect(expectValue(await attempt(db, null, fn)), what).toEqual([]);
				await none(
					'unpublished',
					published('commune-a', SPASER_SLUGS.sA, (tx) =>
						setup(tx, 'update public.spaser_versions set published_at = null where id = $1', [VERSIONS['vA-pub']])
					)
				);
				// vAC is published but the joint SPASER is a draft: nothing, under either owner.
				await none('draft (lead)', published('commune-c', SPASER_SLUGS.sAC));
				await none('draft (co-owner)', published('commune-a', SPASER_SLUGS.sAC));
				await none(
					'back to draft',
					published('commune-a', SPASER_SLUGS.sA, (tx) =>
						setup(tx, `update public.spaser_documents set status = 'brouillon' where id = $1`, [SPASERS.sA])
					)
				);
				await none('other collectivité', published('commune-b', SPASER_SLUGS.sA));
				await none('unknown slug', published('commune-a', 'inconnu'));
			});

			it('shows a joint SPASER under each owner once adopted, and still after it is archived', async () => {
				const adopt = (tx: Tx) =>
					setup(tx, `update public.spaser_documents set status = 'adopte' where id = $1`, [SPASERS.sAC]);
				for (const org of ['commune-a', 'commune-c']) {
					const rows = expectValue(await attempt(db, null, published(org, SPASER_SLUGS.sAC, adopt)));
					expect(
						rows.map((r) => [r.org_name, r.version_name]),
						org
					).toEqual([[org === 'commune-a' ? 'Commune A' : 'Commune C', 'Version vAC']]);
				}
				const archived = expectValue(
					await attempt(
						db,
						null,
						published('commune-a', SPASER_SLUGS.sA, (tx) =>
							setup(tx, `update public.spaser_documents set status = 'archive' where id = $1`, [SPASERS.sA])
						)
					)
				);
				expect(archived.map((r) => r.version_name)).toEqual(['Version vA-pub']);
			});

			it('is the only way in for anon', async () => {
				expectFailure(await attempt(db, null, accessOf(SPASERS.sA)), '42501', /permission denied/);
				for (const sql of [
					'select content from public.spaser_versions',
					'select title from public.spaser_documents',
					'select body from public.spaser_comments'
				])
					expectFailure(await attempt(db, null, (tx) => tx.query(sql)), '42501', /permission denied/, sql);
			});
		});

		it('column grants: writers never change slug, authorship, projection time, nor a version’s state or content', async () => {
			const cases: [Persona, string][] = [
				['editor', `update public.spaser_documents set created_by = auth.uid() where id = '${SPASERS.sA}'`],
				['admin', `update public.spaser_documents set slug = 'autre-adresse' where id = '${SPASERS.sA}'`],
				['editor', `update public.spaser_documents set projected_at = now() where id = '${SPASERS.sA}'`],
				['editor', `update public.spaser_documents set template_key = 'autre' where id = '${SPASERS.sA}'`],
				['editor', `update public.spaser_versions set state = '\\x01' where id = '${VERSIONS['vA-pub']}'`],
				['admin', `update public.spaser_versions set content = '{}' where id = '${VERSIONS['vA-pub']}'`],
				['editor', `update public.spaser_versions set kind = 'named' where id = '${VERSIONS['vA-auto']}'`],
				[
					'editor',
					`update public.spaser_versions set document_id = '${SPASERS.sAC}' where id = '${VERSIONS['vA-pub']}'`
				],
				['editor', `update public.spaser_versions set created_by = auth.uid() where id = '${VERSIONS['vA-pub']}'`],
				['admin', `update public.spaser_document_orgs set is_lead = true where document_id = '${SPASERS.sAC}'`],
				['viewer', `update public.spaser_comments set author_id = auth.uid() where id = '${COMMENTS.cA2}'`],
				['viewer', `update public.spaser_comments set document_id = '${SPASERS.sAC}' where id = '${COMMENTS.cA1}'`],
				// A comment is never born resolved or edited (nor resolved in someone else's name).
				[
					'viewer',
					`insert into public.spaser_comments (document_id, node_id, body, resolved_at, resolved_by)
					values ('${SPASERS.sA}', '${NODES.nA}', 'Déjà résolu', now(), '${USERS.adminA}')`
				],
				[
					'viewer',
					`insert into public.spaser_comments (document_id, node_id, body, edited_at) values ('${SPASERS.sA}', '${NODES.nA}', 'x', now())`
				]
			];
			for (const [persona, sql] of cases)
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) => tx.query(sql)),
					'42501',
					/permission denied/,
					`${persona}: ${sql}`
				);
			// The metadata columns are open to writers, closed to readers.
			const meta = `update public.spaser_documents set title = 'Titre revu', status = 'archive', shared_with_networks = false where id = '${SPASERS.sA}' returning id`;
			expect(expectValue(await attempt(db, ACTORS.editor, (tx) => tx.query(meta)))).toHaveLength(1);
			expect(expectValue(await attempt(db, ACTORS.viewer, (tx) => tx.query(meta)))).toEqual([]);
			const publish = `update public.spaser_versions set name = 'Nommée', published_at = now() where id = '${VERSIONS['vA-auto']}' returning id`;
			expect(expectValue(await attempt(db, ACTORS.admin, (tx) => tx.query(publish)))).toHaveLength(1);
			expect(expectValue(await attempt(db, ACTORS.viewer, (tx) => tx.query(publish)))).toEqual([]);
			expect(expectValue(await attempt(db, ACTORS.animN1, (tx) => tx.query(publish)))).toEqual([]);
		});

		it('writers add named, restored and bilan versions in their own name only', async () => {
			const insert = (kind: string, by = 'auth.uid()') =>
				`insert into public.spaser_versions (document_id, kind, name, state, content, created_by) values ('${SPASERS.sA}', '${kind}', 'V', '\\x00', '{}', ${by})`;
			for (const kind of ['named', 'restored', 'bilan'])
				expectValue(await attempt(db, ACTORS.editor, (tx) => tx.query(insert(kind))));
			for (const [kind, by] of [
				['auto', 'auth.uid()'],
				['imported', 'auth.uid()'],
				['named', `'${USERS.adminA}'`]
			])
				expect(outcome(await attempt(db, ACTORS.editor, (tx) => tx.query(insert(kind, by)))), `${kind} by ${by}`).toBe(
					'rls'
				);
		});

		describe('creation and co-owners', () => {
			const NEW_DOC = '7e000000-0000-4000-8000-000000000001';
			const createDoc = (tx: Tx) =>
				tx.query(`insert into public.spaser_documents (id, slug, title) values ($1, 'nouveau', 'Nouveau SPASER')`, [
					NEW_DOC
				]);
			const attach =
				(doc: string, org: string, lead = false) =>
				(tx: Tx) =>
					tx.query('insert into public.spaser_document_orgs (document_id, org_id, is_lead) values ($1, $2, $3)', [
						doc,
						org,
						lead
					]);

			it('an editor creates a SPASER, sees it while it has no owner, then attaches their collectivité as lead', async () => {
				const r = expectValue(
					await attempt(db, ACTORS.editor, async (tx) => {
						await createDoc(tx);
						const seenOwnerless = (
							await tx.query<{ id: string }>('select id from public.spaser_documents where id = $1', [NEW_DOC])
						).length;
						const ownerlessAccess = await accessOf(NEW_DOC)(tx);
						await attach(NEW_DOC, ORGS.A, true)(tx);
						return { seenOwnerless, ownerlessAccess, access: await accessOf(NEW_DOC)(tx) };
					})
				);
				expect(r).toEqual({ seenOwnerless: 1, ownerlessAccess: 'null', access: 'write' });
				// Someone else does not see another person's ownerless SPASER.
				const other = expectValue(
					await attempt(db, ACTORS.admin, async (tx) => {
						await setup(
							tx,
							`insert into public.spaser_documents (id, slug, title, created_by) values ($1, 'orphelin', 'Orphelin', $2)`,
							[NEW_DOC, USERS.editorA]
						);
						return tx.query('select id from public.spaser_documents where id = $1', [NEW_DOC]);
					})
				);
				expect(other).toEqual([]);
			});

			it('one creates a SPASER only in one’s own name', async () => {
				const r = await attempt(db, ACTORS.editor, (tx) =>
					tx.query(
						`insert into public.spaser_documents (slug, title, created_by) values ('usurpe', 'Usurpé', '${USERS.adminA}')`
					)
				);
				expect(outcome(r)).toBe('rls');
			});

			it('nobody attaches a collectivité they do not edit for, even to their own new SPASER', async () => {
				// adminB's new SPASER: attaching A (where adminB is nobody) is refused.
				const r = await attempt(db, ACTORS.outsider, async (tx) => {
					await createDoc(tx);
					return attach(NEW_DOC, ORGS.A, true)(tx);
				});
				expect(outcome(r)).toBe('rls');
				// editorA writes sA but does not edit for B or C.
				for (const org of [ORGS.B, ORGS.C]) {
					const e = await attempt(db, ACTORS.editor, attach(SPASERS.sA, org));
					expect(outcome(e)).toBe('rls');
				}
				// A viewer of A cannot attach A anywhere.
				const v = await attempt(db, ACTORS.viewer, attach(SPASERS.sB, ORGS.A));
				expect(outcome(v)).toBe('rls');
			});

			it('an editor of another collectivité attaches it only once they have write on the SPASER', async () => {
				// Without write on sA (the matrix row): refused. Made editor of A as well: accepted.
				const r = await attempt(db, ACTORS.outsider, async (tx) => {
					await setup(tx, `insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor')`, [
						ORGS.A,
						USERS.adminB
					]);
					await attach(SPASERS.sA, ORGS.B)(tx);
					return tx.query<{ k: string }>(
						`select org_id as k from public.spaser_document_orgs where document_id = $1 order by is_lead desc`,
						[SPASERS.sA]
					);
				});
				expect(expectValue(r).map((row) => label(row.k))).toEqual(['A', 'B']);
				// Read access (a viewer of A) is not enough.
				const viewerToo = await attempt(db, ACTORS.outsider, async (tx) => {
					await setup(tx, `insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'viewer')`, [
						ORGS.A,
						USERS.adminB
					]);
					return attach(SPASERS.sA, ORGS.B)(tx);
				});
				expect(outcome(viewerToo)).toBe('rls');
			});

			it('a former creator who lost access does not see the SPASER as ownerless, nor attach a collectivité to it', async () => {
				const r = expectValue(
					await attempt(db, ACTORS.editor, async (tx) => {
						await setup(tx, 'update public.spaser_documents set created_by = $1 where id = $2', [
							USERS.editorA,
							SPASERS.sA
						]);
						await setup(tx, 'delete from public.organisation_members where org_id = $1 and user_id = $2', [
							ORGS.A,
							USERS.editorA
						]);
						await setup(
							tx,
							`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor')`,
							[ORGS.C, USERS.editorA]
						);
						const seen = await tx.query('select id from public.spaser_documents where id = $1', [SPASERS.sA]);
						const access = await accessOf(SPASERS.sA)(tx);
						await tx.query('savepoint attach');
						let attached = 'ok';
						try {
							await attach(SPASERS.sA, ORGS.C)(tx);
						} catch (e) {
							attached = classify(e as PgError);
							await tx.query('rollback to savepoint attach');
						}
						return { seen, access, attached };
					})
				);
				expect(r).toEqual({ seen: [], access: 'null', attached: 'rls' });
			});

			it('the lead collectivité never leaves; its admins remove a co-owner and delete the SPASER', async () => {
				const adminC = actorOf('adminC');
				const removeA = `delete from public.spaser_document_orgs where document_id = '${SPASERS.sAC}' and org_id = '${ORGS.A}' returning org_id`;
				expect(expectValue(await attempt(db, adminC, (tx) => tx.query(removeA)))).toHaveLength(1);
				expect(expectValue(await attempt(db, ACTORS.editor, (tx) => tx.query(removeA)))).toEqual([]);
				for (const actor of [adminC, ACTORS.admin])
					expect(
						expectValue(
							await attempt(db, actor, (tx) =>
								tx.query(
									`delete from public.spaser_document_orgs where document_id = $1 and is_lead returning org_id`,
									[SPASERS.sAC]
								)
							)
						)
					).toEqual([]);
				const deleteAC = `delete from public.spaser_documents where id = '${SPASERS.sAC}' returning id`;
				expect(expectValue(await attempt(db, adminC, (tx) => tx.query(deleteAC)))).toHaveLength(1);
				for (const persona of ['admin', 'editor', 'viewer'] as const)
					expect(expectValue(await attempt(db, ACTORS[persona], (tx) => tx.query(deleteAC))), persona).toEqual([]);
			});

			it('deleting a SPASER deletes its projection, versions, comments and collaboration log, nothing else', async () => {
				const counts = expectValue(
					await attempt(db, ACTORS.admin, async (tx) => {
						expect(
							await tx.query('delete from public.spaser_documents where id = $1 returning id', [SPASERS.sA])
						).toHaveLength(1);
						return setup(
							tx,
							`select t.name, t.doc, count(*)::int as n from (
							   select 'updates' as name, doc_id as doc from public.collab_updates
							   union all select 'snapshots', doc_id from public.collab_snapshots
							   union all select 'archive', doc_id from public.collab_updates_archive
							   union all select 'nodes', document_id from public.spaser_nodes
							   union all select 'versions', document_id from public.spaser_versions
							   union all select 'comments', document_id from public.spaser_comments) t
							 group by 1, 2 order by 1, 2`
						);
					})
				);
				const summary = (counts as { name: string; doc: string; n: number }[])
					.map((c) => `${c.name} ${label(c.doc)} ${c.n}`)
					.sort();
				expect(summary).toEqual(
					[
						'archive sB 1',
						'comments sAC 1',
						'comments sB 1',
						'nodes sAC 1',
						'nodes sB 1',
						'snapshots sB 1',
						'updates sB 1',
						'versions sAC 1',
						'versions sB 1'
					].sort()
				);
			});
		});

		describe('comments', () => {
			const reply =
				(thread: string, node: string = NODES.nA, doc: string = SPASERS.sA) =>
				(tx: Tx) =>
					tx.query(
						`insert into public.spaser_comments (document_id, node_id, thread_id, body) values ($1, $2, $3, 'Réponse')`,
						[doc, node, thread]
					);

			it('a reader comments as themself, and replies only inside a thread of the same SPASER and node', async () => {
				expect(
					outcome(
						await attempt(db, ACTORS.viewer, (tx) =>
							tx.query(
								`insert into public.spaser_comments (document_id, node_id, body, author_id) values ($1, $2, 'Au nom d’un autre', $3)`,
								[SPASERS.sA, NODES.nA, USERS.adminA]
							)
						)
					)
				).toBe('rls');
				expect(outcome(await attempt(db, ACTORS.animN1, reply(COMMENTS.cA1)))).toBe('ok');
				expect(outcome(await attempt(db, ACTORS.viewer, reply(COMMENTS.cB))), 'thread of another SPASER').toBe('rls');
				expect(
					outcome(await attempt(db, ACTORS.viewer, reply(COMMENTS.cAC, NODES.nA))),
					'thread of another SPASER (readable)'
				).toBe('rls');
				expect(outcome(await attempt(db, ACTORS.viewer, reply(COMMENTS.cA1, NODES.nAC))), 'another node').toBe('rls');
				expect(outcome(await attempt(db, ACTORS.viewer, reply(COMMENTS.cA2))), 'a reply is not a thread').toBe('rls');
				expect(outcome(await attempt(db, ACTORS.animN2, reply(COMMENTS.cA1))), 'no access').toBe('rls');
			});

			it('only the author edits the text', async () => {
				const edit =
					(id: string, set = `body = 'Texte revu', edited_at = now()`) =>
					(tx: Tx) =>
						tx.query(`update public.spaser_comments set ${set} where id = $1 returning id`, [id]);
				expect(expectValue(await attempt(db, ACTORS.viewer, edit(COMMENTS.cA1)))).toHaveLength(1);
				expect(expectValue(await attempt(db, ACTORS.editor, edit(COMMENTS.cA2)))).toHaveLength(1);
				for (const [persona, id, set] of [
					['editor', COMMENTS.cA1, undefined],
					['admin', COMMENTS.cA1, undefined],
					['animN1', COMMENTS.cA2, undefined],
					['viewer', COMMENTS.cA3, `mentions = array['${USERS.viewerA}']::uuid[]`],
					['viewer', COMMENTS.cA2, 'edited_at = now()']
				] as const)
					expectFailure(
						await attempt(db, ACTORS[persona], edit(id, set)),
						'42501',
						/only the author/,
						`${persona} edits ${label(id)}`
					);
				// Out of reach without access.
				expect(expectValue(await attempt(db, ACTORS.outsider, edit(COMMENTS.cA1)))).toEqual([]);
			});

			it('any reader resolves or reopens a thread, in their own name only', async () => {
				const set = (id: string, assignment: string) => (tx: Tx) =>
					tx.query<{ resolved_by: string | null }>(
						`update public.spaser_comments set ${assignment} where id = $1 returning resolved_by`,
						[id]
					);
				for (const persona of ['viewer', 'editor', 'animN1'] as const) {
					const rows = expectValue(
						await attempt(db, ACTORS[persona], set(COMMENTS.cA1, 'resolved_at = now(), resolved_by = auth.uid()'))
					);
					expect(rows, persona).toEqual([{ resolved_by: ACTORS[persona]!.id }]);
				}
				expect(
					expectValue(await attempt(db, ACTORS.animN1, set(COMMENTS.cA3, 'resolved_at = null, resolved_by = null')))
				).toEqual([{ resolved_by: null }]);
				// Resolving again an already resolved thread (the service's coalesce) keeps the first resolver.
				expect(
					expectValue(
						await attempt(
							db,
							ACTORS.viewer,
							set(
								COMMENTS.cA3,
								'resolved_at = coalesce(resolved_at, now()), resolved_by = coalesce(resolved_by, auth.uid())'
							)
						)
					)
				).toEqual([{ resolved_by: USERS.editorA }]);
				for (const [persona, id, assignment] of [
					['viewer', COMMENTS.cA1, `resolved_at = now(), resolved_by = '${USERS.adminA}'`],
					['viewer', COMMENTS.cA1, 'resolved_at = now()'],
					['viewer', COMMENTS.cA3, `resolved_by = '${USERS.adminA}'`],
					['animN1', COMMENTS.cA3, `resolved_at = now() - interval '1 day'`],
					['viewer', COMMENTS.cA3, `resolved_at = null, resolved_by = '${USERS.adminA}'`],
					['viewer', COMMENTS.cA1, `resolved_by = '${USERS.adminA}'`]
				] as const)
					expectFailure(
						await attempt(db, ACTORS[persona], set(id, assignment)),
						'42501',
						/resolved_by must be the current user/,
						`${persona}: ${assignment}`
					);
				// Re-signing a resolution as oneself is a reopen + resolve: allowed.
				expect(
					expectValue(
						await attempt(db, ACTORS.viewer, set(COMMENTS.cA3, 'resolved_at = now(), resolved_by = auth.uid()'))
					)
				).toEqual([{ resolved_by: USERS.viewerA }]);
				expect(
					expectValue(
						await attempt(db, ACTORS.animN2, set(COMMENTS.cA1, 'resolved_at = now(), resolved_by = auth.uid()'))
					)
				).toEqual([]);
			});

			it('the author deletes their comment while they can read the SPASER; a thread with replies stays', async () => {
				const del = (id: string, before?: (tx: Tx) => Promise<unknown>) => async (tx: Tx) => {
					if (before) await before(tx);
					return tx.query('delete from public.spaser_comments where id = $1 returning id', [id]);
				};
				expect(expectValue(await attempt(db, ACTORS.editor, del(COMMENTS.cA2)))).toHaveLength(1);
				expect(expectValue(await attempt(db, ACTORS.editor, del(COMMENTS.cA1)))).toEqual([]);
				expect(expectValue(await attempt(db, ACTORS.viewer, del(COMMENTS.cA1))), 'has a reply').toEqual([]);
				// Once the reply is gone, the first comment can go.
				const withoutReply = (tx: Tx) => setup(tx, 'delete from public.spaser_comments where id = $1', [COMMENTS.cA2]);
				expect(expectValue(await attempt(db, ACTORS.viewer, del(COMMENTS.cA1, withoutReply)))).toHaveLength(1);
				// editorA, no longer a member of A, cannot delete their reply any more.
				const leaveA = (tx: Tx) =>
					setup(tx, 'delete from public.organisation_members where org_id = $1 and user_id = $2', [
						ORGS.A,
						USERS.editorA
					]);
				expect(expectValue(await attempt(db, ACTORS.editor, del(COMMENTS.cA2, leaveA)))).toEqual([]);
			});
		});
	});
});
