import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { withUser } from '../../src/lib/server/db';
import { DEMO_SPASER_ID, loadDemoData } from '../../src/lib/server/demo';
import { readLiveDoc } from '../../src/lib/server/spaser/live';
import { readTree } from '../../src/lib/spaser/ydoc';
import { login } from '../../src/lib/server/auth/service';
import { validateSessionToken } from '../../src/lib/server/auth/session';
import { engines, openTestDb } from '../helpers/engines';

const DEMO_PASSWORD = 'Demo-Spaser-2026!';
const NETWORK_SLUG = 'reseau-achats-responsables-sud-ouest';
const TABLES = [
	'users',
	'user_credentials',
	'networks',
	'network_animators',
	'organisations',
	'organisation_members',
	'network_memberships',
	'sessions',
	'email_outbox',
	'spaser_documents',
	'spaser_nodes',
	'collab_updates'
];

async function counts(db: Database) {
	const out: Record<string, number> = {};
	for (const t of TABLES) {
		const [row] = await db.query<{ n: number }>(`select count(*)::int as n from public.${t}`);
		out[t] = row.n;
	}
	return out;
}

describe.each(engines)('demo seed (supabase/seed.sql) on %s', (kind) => {
	let db: Database;
	let first: Record<string, number>;

	beforeAll(async () => {
		db = await openTestDb(kind);
		await loadDemoData(db);
		first = await counts(db);
		await loadDemoData(db);
	});
	afterAll(async () => {
		await db?.close();
	});

	it('is idempotent: a second load changes nothing', async () => {
		expect(await counts(db)).toEqual(first);
		expect(first.users).toBeGreaterThanOrEqual(5);
		expect(first.user_credentials).toBe(first.users);
		// nothing that would send mail or log anyone in
		expect(first.sessions).toBe(0);
		expect(first.email_outbox).toBe(0);
	});

	it('includes a co-editable demo SPASER of the demo collectivité, projected for search and exports', async () => {
		expect(first.spaser_documents).toBe(1);
		expect(first.collab_updates).toBeGreaterThan(0);
		const nodes = await db.query<{ label: string; depth: number }>(
			'select label, depth from public.spaser_nodes where document_id = $1 order by position',
			[DEMO_SPASER_ID]
		);
		expect(nodes.filter((n) => n.depth === 1).map((n) => n.label)).toEqual([
			'Axe 1',
			'Axe 2',
			'Axe 3',
			'Axe 4',
			'Axe 5'
		]);
		const doc = await readLiveDoc(db, DEMO_SPASER_ID);
		expect(readTree(doc)).toHaveLength(nodes.length);
	});

	it('describes a varied fictional network', async () => {
		const [net] = await db.query<{ id: string; name: string; region_codes: string[]; description: string }>(
			'select id, name, region_codes, description from public.networks where slug = $1',
			[NETWORK_SLUG]
		);
		expect(net.name).toBe('Réseau Achats Responsables Sud-Ouest');
		expect(net.region_codes).toEqual(['76']);
		expect(net.description).toMatch(/fictif/);

		const [agg] = await db.query<{ orgs: number; deps: number; kinds: number; mandatory: number; below: number }>(
			`select count(*)::int as orgs, count(distinct departement_code)::int as deps, count(distinct kind)::int as kinds,
			        count(*) filter (where purchase_volume_eur >= 50000000)::int as mandatory,
			        count(*) filter (where purchase_volume_eur < 50000000)::int as below
			   from public.organisations`
		);
		expect(agg.orgs).toBeGreaterThanOrEqual(12);
		expect(agg.deps).toBeGreaterThanOrEqual(4);
		expect(agg.kinds).toBeGreaterThanOrEqual(5);
		expect(agg.mandatory).toBeGreaterThanOrEqual(2);
		expect(agg.below).toBeGreaterThan(agg.mandatory);

		const bad = await db.query(`select name from public.organisations where siren is null or not app.luhn_ok(siren)`);
		expect(bad).toEqual([]);
		const noAdmin = await db.query(
			`select o.name from public.organisations o
			  where not exists (select 1 from public.organisation_members m where m.org_id = o.id and m.role = 'admin')`
		);
		expect(noAdmin).toEqual([]);

		const statuses = await db.query<{ status: string; n: number; missing_text: number }>(
			`select status, count(*)::int as n,
			        count(*) filter (where (status = 'pending' and coalesce(message, '') = '')
			                            or (status = 'refused' and coalesce(reason, '') = ''))::int as missing_text
			   from public.network_memberships where network_id = $1 group by status order by status`,
			[net.id]
		);
		const byStatus = Object.fromEntries(statuses.map((s) => [s.status, s]));
		expect(byStatus.approved.n).toBeGreaterThanOrEqual(agg.orgs - 3);
		expect(byStatus.pending.n).toBeGreaterThanOrEqual(1);
		expect(byStatus.pending.n).toBeLessThanOrEqual(2);
		expect(byStatus.refused.n).toBe(1);
		expect(statuses.reduce((s, r) => s + r.missing_text, 0)).toBe(0);
	});

	it('has the five demo accounts with their roles', async () => {
		const users = await db.query<{ email: string; id: string; is_platform_admin: boolean; verified: boolean }>(
			`select email, id, is_platform_admin, email_verified_at is not null as verified from public.users
			  where email like '%@demo.spaser.test'`
		);
		const byEmail = Object.fromEntries(users.map((u) => [u.email, u]));
		expect(users.every((u) => u.verified)).toBe(true);
		expect(users.filter((u) => u.is_platform_admin).map((u) => u.email)).toEqual(['admin.plateforme@demo.spaser.test']);

		const [anim] = await db.query<{ n: number }>(
			`select count(*)::int as n from public.network_animators a join public.networks n on n.id = a.network_id
			  where n.slug = $1 and a.user_id = $2`,
			[NETWORK_SLUG, byEmail['animatrice@demo.spaser.test'].id]
		);
		expect(anim.n).toBe(1);

		const roles = await db.query<{ email: string; role: string }>(
			`select u.email, m.role from public.organisation_members m
			   join public.users u on u.id = m.user_id
			   join public.organisations o on o.id = m.org_id
			  where o.name = 'Agglomération du Val d''Aurence' order by u.email`
		);
		expect(roles).toEqual([
			{ email: 'admin@demo.spaser.test', role: 'admin' },
			{ email: 'lecteur@demo.spaser.test', role: 'viewer' },
			{ email: 'redacteur@demo.spaser.test', role: 'editor' }
		]);
	});

	it('lets each demo account log in with the shared password, and the rows are visible through RLS', async () => {
		for (const email of [
			'admin.plateforme@demo.spaser.test',
			'animatrice@demo.spaser.test',
			'admin@demo.spaser.test',
			'redacteur@demo.spaser.test',
			'lecteur@demo.spaser.test'
		]) {
			const { token, userId } = await login(db, email, DEMO_PASSWORD, { ip: '127.0.0.1', userAgent: 'seed test' });
			const validated = await validateSessionToken(db, token);
			expect(validated?.user.id).toBe(userId);
			// what the person sees as `authenticated`: the network, and at least one collectivité
			const visible = await withUser(db, { id: userId, email }, (tx) =>
				tx.query<{ n: number }>('select count(*)::int as n from public.organisations')
			);
			expect(visible[0].n, email).toBeGreaterThan(0);
		}
		await expect(login(db, 'admin@demo.spaser.test', 'not-the-password', { ip: '127.0.0.2' })).rejects.toMatchObject({
			code: 'invalid_credentials'
		});
	});
});
