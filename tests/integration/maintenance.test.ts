// Retention job (src/lib/server/maintenance.ts): old rows go, recent ones stay; with several instances only one
// runs at a time (the others skip).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { runMaintenance } from '../../src/lib/server/maintenance';
import { engines, openTestDb } from '../helpers/engines';
import { createUser } from '../helpers/factories';

describe.each(engines)('retention (%s)', (engine) => {
	let db: Database;
	beforeAll(async () => {
		db = await openTestDb(engine);
	});
	afterAll(async () => {
		await db?.close();
	});

	it('removes what is past its retention period and keeps the rest', async () => {
		const u = await createUser(db);
		const now = new Date('2027-06-01T10:00:00Z');
		const ago = (d: number) => new Date(now.getTime() - d * 86_400_000);
		await asService(db, 'test: old rows', async (tx) => {
			await tx.query(
				`insert into public.email_outbox (to_address, subject, text_body, sent_at, failed_at) values
				 ('a@x.test', 'envoyé il y a longtemps', '.', $1, null), ('b@x.test', 'envoyé récemment', '.', $2, null),
				 ('c@x.test', 'en échec ancien', '.', null, $3), ('d@x.test', 'en attente', '.', null, null)`,
				[ago(91), ago(10), ago(181)]
			);
			await tx.query(
				`insert into public.sessions (id, user_id, secret_hash, created_at, last_verified_at) values
				 ('s-old', $1, '\\x00', $2, $2), ('s-new', $1, '\\x00', $3, $3)`,
				[u.id, ago(11), ago(1)]
			);
			await tx.query(
				`insert into public.auth_tokens (id, user_id, purpose, secret_hash, email, expires_at, used_at) values
				 ('t-old', $1, 'password_reset', '\\x00', 'a@x.test', $2, null), ('t-new', $1, 'password_reset', '\\x00', 'a@x.test', $3, null)`,
				[u.id, ago(8), ago(-1)]
			);
			await tx.query(
				`insert into public.rate_limits (key, window_started_at, hits, blocked_until) values ('old', $1, 3, null), ('blocked', $1, 9, $2), ('new', $3, 1, null)`,
				[ago(2), ago(-1), ago(0)]
			);
		});
		// The audit log is written by triggers only: the test writes it as the database owner.
		await db.query(
			`insert into public.audit_log (at, action, target_table) values ($1, 'membre.ajout', 'x'), ($2, 'membre.ajout', 'y')`,
			[ago(5 * 365 + 1), ago(30)]
		);
		const report = await runMaintenance(db, now);
		expect(report).toMatchObject({ outbox: 2, sessions: 1, authTokens: 1, rateLimits: 1, audit: 1 });
		const left = await asService(db, 'test: what is left', (tx) =>
			tx.query<{ k: string }>(
				`select 'mail:' || subject as k from public.email_outbox union all select 'session:' || id from public.sessions
				 union all select 'token:' || id from public.auth_tokens union all select 'limit:' || key from public.rate_limits
				 union all select 'audit:' || target_table from public.audit_log where action = 'membre.ajout' and target_table in ('x', 'y')`
			)
		);
		expect(left.map((r) => r.k).sort()).toEqual(
			[
				'audit:y',
				'limit:blocked',
				'limit:new',
				'mail:en attente',
				'mail:envoyé récemment',
				'session:s-new',
				'token:t-new'
			].sort()
		);
		// A second pass finds nothing more.
		expect(Object.values((await runMaintenance(db, now))!).every((n) => n === 0)).toBe(true);
	});

	it('runs on one instance at a time: a concurrent pass skips', async () => {
		if (engine === 'pglite') {
			// One connection: passes are serialised, each one completes.
			const [a, b] = await Promise.all([runMaintenance(db), runMaintenance(db)]);
			expect(a).not.toBeNull();
			expect(b).not.toBeNull();
			return;
		}
		const results = await Promise.all(Array.from({ length: 4 }, () => runMaintenance(db)));
		expect(results.filter((r) => r !== null).length).toBeGreaterThanOrEqual(1);
		// Held in a transaction elsewhere: skipped.
		const skipped = await db.transaction(async (tx) => {
			await tx.query('select pg_advisory_xact_lock(727001)');
			return runMaintenance(db);
		});
		expect(skipped).toBeNull();
	});
});
