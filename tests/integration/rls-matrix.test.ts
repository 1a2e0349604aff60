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
	INVITATIONS,
	LABELS,
	MEMBERSHIPS,
	NETWORKS,
	ORGS,
	USERS
} from '../helpers/rls-fixture';

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

type Cells = readonly [string, string, string, string, string, string, string, string];
const OPS = ['select', 'insert', 'update', 'delete'] as const;
type Op = (typeof OPS)[number];

interface TableSpec {
	/** SQL expression naming a row (only columns the API roles may select). */
	key: string;
	insert: string;
	/** No-op assignment for the update probe. */
	set: string;
	/** Optional filter for the delete probe (e.g. keep the last admins, whose removal a trigger refuses). */
	deleteWhere?: string;
	expect: Record<Op, Cells>;
}

const DENIED_ALL: Cells = ['denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied', 'denied'];
/** Tables only the service role touches: no grant at all to anon or authenticated. */
const closed = (key: string, insert: string, set: string): TableSpec => ({
	key,
	insert,
	set,
	expect: { select: DENIED_ALL, insert: DENIED_ALL, update: DENIED_ALL, delete: DENIED_ALL }
});

const A_USERS = 'adminA editorA viewerA';
const A_MEMBERS = 'A:adminA A:editorA A:viewerA';

// prettier-ignore
const MATRIX: Record<string, TableSpec> = {
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
	}
};

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
			const sessions = expectValue(await attempt(db, ACTORS.admin, (tx) => tx.query<{ id: string }>('select id, user_agent, ip from public.sessions')));
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
				['admin', `update public.organisation_members set user_id = '${USERS.invitee}' where user_id = '${USERS.viewerA}'`],
				['admin', `update public.organisation_members set org_id = '${ORGS.B}'`],
				['outsider', `update public.network_memberships set network_id = '${NETWORKS.N1}' where org_id = '${ORGS.B}'`],
				['animN1', `update public.network_memberships set org_id = '${ORGS.C}'`]
			];
			for (const [persona, sql] of cases)
				expectFailure(await attempt(db, ACTORS[persona], (tx) => tx.query(sql)), '42501', /permission denied/, `${persona}: ${sql}`);
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
					await attempt(db, ACTORS[persona], (tx) => tx.query('update public.users set is_platform_admin = true where id = auth.uid()')),
					'42501',
					/platform admin/
				);
			// Someone else's row is out of reach of the update policy: nothing happens.
			expect(
				expectValue(
					await attempt(db, ACTORS.admin, (tx) => tx.query(`update public.users set is_platform_admin = true where id = '${USERS.editorA}' returning id`))
				)
			).toEqual([]);
			expectFailure(
				await attempt(db, ACTORS.platform, (tx) => tx.query('update public.users set is_platform_admin = false where id = auth.uid()')),
				'42501',
				/own rights/
			);
			const promoted = expectValue(
				await attempt(db, ACTORS.platform, (tx) =>
					tx.query<{ id: string }>(`update public.users set is_platform_admin = true where id = '${USERS.anim1}' returning id`)
				)
			);
			expect(promoted).toEqual([{ id: USERS.anim1 }]);
		});
	});

	describe('organisations', () => {
		it('one creates a collectivité only in one’s own name, and becomes its admin', async () => {
			const r = await attempt(db, ACTORS.admin, (tx) =>
				tx.query(`insert into public.organisations (slug, name, kind, created_by) values ('usurpee', 'Usurpée', 'commune', '${USERS.adminB}')`)
			);
			expect(r.ok ? 'ok' : classify(r.error)).toBe('rls');
			const created = expectValue(
				await attempt(db, actorOf('invitee'), async (tx) => {
					// INSERT … RETURNING, the way the service does it: the creator sees the row at once.
					const [org] = await tx.query<{ id: string }>(
						`insert into public.organisations (slug, name, kind) values ('creee', 'Commune créée', 'commune') returning id`
					);
					return tx.query<{ role: string }>('select role from public.organisation_members where org_id = $1 and user_id = auth.uid()', [org.id]);
				})
			);
			expect(created).toEqual([{ role: 'admin' }]);
		});

		it('a former creator who is no longer a member does not see the collectivité any more', async () => {
			await service(db, (tx) => tx.query('update public.organisations set created_by = $1 where id = $2', [USERS.adminA, ORGS.B]));
			try {
				const rows = expectValue(await attempt(db, ACTORS.admin, (tx) => tx.query('select id from public.organisations where id = $1', [ORGS.B])));
				expect(rows).toEqual([]);
			} finally {
				await service(db, (tx) => tx.query('update public.organisations set created_by = $1 where id = $2', [USERS.adminB, ORGS.B]));
			}
		});

		it('the last admin can neither leave nor be demoted', async () => {
			expectFailure(await attempt(db, ACTORS.admin, (tx) => tx.query(`update public.organisation_members set role = 'editor' where user_id = auth.uid()`)), 'P0001', /last_admin/);
			expectFailure(await attempt(db, ACTORS.admin, (tx) => tx.query(`delete from public.organisation_members where user_id = auth.uid()`)), 'P0001', /last_admin/);
		});
	});

	describe('app.accept_invitation', () => {
		const accept = (secret: string) => (tx: Tx) => tx.query<{ org: string }>('select app.accept_invitation($1) as org', [hashSecret(secret)]);

		it('is not callable anonymously', async () => {
			expectFailure(await attempt(db, null, accept(INVITATION_SECRETS.invA)), '42501', /permission denied/);
		});

		it('refuses another account than the invited address, and unknown tokens', async () => {
			for (const persona of ['viewer', 'outsider', 'platform', 'animN1'] as const)
				expectFailure(await attempt(db, ACTORS[persona], accept(INVITATION_SECRETS.invA)), 'P0001', /invitation_other_email/);
			expectFailure(await attempt(db, actorOf('invitee'), accept('not-a-real-secret')), 'P0001', /invitation_invalid/);
			// Knowing the hash of another invitation (the column is not selectable anyway) does not help either.
			expectFailure(await attempt(db, actorOf('invitee'), accept(INVITATION_SECRETS.invB)), 'P0001', /invitation_other_email/);
		});

		it('refuses revoked, expired, and unverified cases', async () => {
			const withSetup = (setup: string, params: unknown[]) => async (tx: Tx) => {
				await elevated(tx, (t) => t.query(setup, params));
				return accept(INVITATION_SECRETS.invA)(tx);
			};
			const invitee = actorOf('invitee');
			expectFailure(
				await attempt(db, invitee, withSetup('update public.organisation_invitations set revoked_at = now() where id = $1', [INVITATIONS.invA])),
				'P0001',
				/invitation_invalid/
			);
			expectFailure(
				await attempt(db, invitee, withSetup(`update public.organisation_invitations set expires_at = now() - interval '1 minute' where id = $1`, [INVITATIONS.invA])),
				'P0001',
				/invitation_expired/
			);
			expectFailure(
				await attempt(db, invitee, withSetup('update public.users set email_verified_at = null where id = $1', [USERS.invitee])),
				'P0001',
				/email_not_verified/
			);
		});

		it('admits the invited person once, with the invited role; the token is then used', async () => {
			const r = expectValue(
				await attempt(db, actorOf('invitee'), async (tx) => {
					const [first] = await accept(INVITATION_SECRETS.invA)(tx);
					const [me] = await tx.query<{ role: string }>('select role from public.organisation_members where org_id = $1 and user_id = auth.uid()', [ORGS.A]);
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
					return tx.query<{ user_id: string; role: string }>('select user_id, role from public.organisation_members where org_id = $1 order by user_id', [ORGS.A]);
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
		const setStatus = (id: string, status: string, extra = '') => (tx: Tx) =>
			tx.query<{ status: string; decided_by: string | null }>(
				`update public.network_memberships set status = '${status}'${extra} where id = $1 returning status, decided_by`,
				[id]
			);
		const statusOf = async (id: string) =>
			(await service(db, (tx) => tx.query<{ status: string }>('select status from public.network_memberships where id = $1', [id])))[0].status;

		it('a collectivité admin cannot approve their own request, nor insert an approved membership', async () => {
			expectFailure(await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N1'], 'approved')), '42501', /transition_not_allowed/);
			const r = await attempt(db, ACTORS.admin, (tx) =>
				tx.query(`insert into public.network_memberships (network_id, org_id, status, requested_by) values ($1, $2, 'approved', auth.uid())`, [NETWORKS.N2, ORGS.A])
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
				await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'approved', `, decided_by = '${USERS.platform}'`))
			);
			expect(rows).toEqual([{ status: 'approved', decided_by: USERS.anim1 }]);
			expectFailure(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'refused')), 'P0001', /reason_required/);
			const refused = expectValue(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'refused', `, reason = 'Hors du territoire'`)));
			expect(refused).toEqual([{ status: 'refused', decided_by: USERS.anim1 }]);
			const byPlatform = expectValue(await attempt(db, ACTORS.platform, setStatus(MEMBERSHIPS['B@N1'], 'approved')));
			expect(byPlatform).toEqual([{ status: 'approved', decided_by: USERS.platform }]);
		});

		it('only the allowed transitions, by the allowed side', async () => {
			// Animator: approved → removed, but never back to pending/approved.
			expect(expectValue(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['A@N1'], 'removed')))).toEqual([
				{ status: 'removed', decided_by: USERS.anim1 }
			]);
			expectFailure(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['A@N1'], 'pending')), '42501', /transition_not_allowed/);
			expectFailure(await attempt(db, ACTORS.animN1, setStatus(MEMBERSHIPS['B@N1'], 'left')), '42501', /transition_not_allowed/);
			// Collectivité admin: leaves (approved → left), withdraws (pending → withdrawn); nothing else.
			expect(expectValue(await attempt(db, ACTORS.admin, setStatus(MEMBERSHIPS['A@N1'], 'left')))).toEqual([
				{ status: 'left', decided_by: USERS.adminA }
			]);
			expect(expectValue(await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N1'], 'withdrawn')))).toEqual([
				{ status: 'withdrawn', decided_by: USERS.adminB }
			]);
			expectFailure(await attempt(db, ACTORS.outsider, setStatus(MEMBERSHIPS['B@N2'], 'removed')), '42501', /transition_not_allowed/);
			// Editors and viewers of the collectivité cannot end its membership.
			for (const persona of ['editor', 'viewer'] as const)
				expect(expectValue(await attempt(db, ACTORS[persona], setStatus(MEMBERSHIPS['A@N1'], 'left'))), persona).toEqual([]);
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
					await attempt(db, ACTORS[persona], (tx) => tx.query(`update public.network_memberships set reason = 'Réécrit' where id = $1`, [id])),
					'42501',
					/transition_not_allowed/
				);
				expectFailure(
					await attempt(db, ACTORS[persona], (tx) =>
						tx.query(`update public.network_memberships set decided_by = $2, decided_at = now() where id = $1`, [id, USERS.platform])
					),
					'42501',
					/transition_not_allowed/
				);
			}
		});
	});

	it('an outbox e-mail (which may hold a sign-in link) is read by platform admins only', async () => {
		for (const persona of PERSONAS.filter((p) => p !== 'platform' && p !== 'anon')) {
			const rows = expectValue(await attempt(db, ACTORS[persona], (tx) => tx.query(`select id from public.email_outbox where to_address = $1`, [emailOf('adminA')])));
			expect(rows, persona).toEqual([]);
		}
	});
});
