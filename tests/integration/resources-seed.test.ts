import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { loadDemoData } from '../../src/lib/server/demo';
import { searchResources } from '../../src/lib/server/resources/search';
import { FAMILIES, MECHANISMS } from '../../src/lib/resources/labels';
import { searchParamsSchema } from '../../src/lib/server/resources/input';
import { engines, openTestDb } from '../helpers/engines';

const METROPOLE_USER = { id: 'de000000-0000-4000-8000-000000000006' };

describe.each(engines)('resources demo seed (supabase/seeds/resources.sql) on %s', (kind) => {
	let db: Database;
	beforeAll(async () => {
		db = await openTestDb(kind);
		await loadDemoData(db);
	}, 180_000);
	afterAll(async () => db?.close());

	const stats = () =>
		asService(db, 'test: seed stats', (tx) =>
			tx.query<{
				kind: string;
				n: number;
				families: string[];
				mechanisms: string[];
				validated: number;
				public: number;
			}>(
				`select kind, count(*)::int as n, array_agg(distinct family) as families, array_agg(distinct mechanism) filter (where mechanism is not null) as mechanisms,
				        count(*) filter (where reliability = 'reseau')::int as validated, count(*) filter (where visibility = 'public')::int as public
				   from public.resources group by kind order by kind`
			)
		);

	it('has at least 30 clause models and 10 REX covering every family and mechanism, some validated, some public', async () => {
		const [clauses, rex] = await stats();
		expect(clauses.kind).toBe('clause');
		expect(clauses.n).toBeGreaterThanOrEqual(30);
		expect(rex.n).toBeGreaterThanOrEqual(10);
		expect([...clauses.families].sort()).toEqual(Object.keys(FAMILIES).sort());
		expect([...clauses.mechanisms].sort()).toEqual(Object.keys(MECHANISMS).sort());
		expect(clauses.validated).toBeGreaterThan(10);
		expect(clauses.public).toBeGreaterThan(5);
		const [{ n: versions }] = await asService(db, 'test', (tx) =>
			tx.query<{ n: number }>(`select count(*)::int as n from public.resource_versions`)
		);
		expect(versions).toBe(clauses.n + rex.n);
	});

	it('loads twice without change', async () => {
		const before = await stats();
		await loadDemoData(db);
		expect(await stats()).toEqual(before);
	});

	it('lets the demo metropole (a member of the demo network) find the network’s validated clauses by search', async () => {
		const res = await searchResources(db, METROPOLE_USER, searchParamsSchema.parse({ q: 'heures insertion' }));
		expect(res.total).toBeGreaterThan(0);
		expect(res.items.some((i) => i.title.startsWith("Clause d'insertion"))).toBe(true);
		// The private demo clause of Saint-Brivadel is not among the results.
		const priv = await searchResources(db, METROPOLE_USER, searchParamsSchema.parse({ q: 'eau seule microfibres' }));
		expect(priv.items.every((i) => i.kind === 'rex' || i.visibility !== 'private')).toBe(true);
	});
});
