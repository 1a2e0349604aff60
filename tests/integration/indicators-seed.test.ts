// Demo indicator values (supabase/seeds/indicators.sql): idempotent, and every benchmark of the demo is populated
// (k reached, no refusal) for the demo network and the region.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { benchmarkView } from '../../src/lib/server/benchmark/service';
import { loadDemoData } from '../../src/lib/server/demo';
import { listCatalogue, listValues } from '../../src/lib/server/indicators/service';
import { engines, openTestDb } from '../helpers/engines';

const ADMIN = { id: 'de000000-0000-4000-8000-000000000003' };
const ORG = 'de000000-0000-4000-8001-000000000001';
const NETWORK = 'de000000-0000-4000-8002-000000000001';

describe.each(engines)('demo indicator values on %s', (engine) => {
	let db: Database;
	beforeAll(async () => {
		db = await openTestDb(engine);
		await loadDemoData(db);
	});
	afterAll(async () => db?.close());

	it('loads 2022-2025 values for the 12 approved members, twice without change', async () => {
		const count = async () =>
			(
				await db.query<{ n: number; orgs: number }>(
					'select count(*)::int as n, count(distinct org_id)::int as orgs from public.indicator_values'
				)
			)[0];
		const before = await count();
		expect(before.orgs).toBe(12);
		await loadDemoData(db);
		expect(await count()).toEqual(before);
		const mine = await listValues(db, ADMIN, ORG);
		expect(new Set(mine.map((v) => v.year))).toEqual(new Set([2022, 2023, 2024, 2025]));
		// realistic spreads: shares stay within 0-100 and social considerations around the national figures
		const soc = mine.filter((v) => v.code === 'CAN-SOC-01').map((v) => v.value);
		expect(soc).toHaveLength(4);
		for (const v of soc) {
			expect(v).toBeGreaterThan(5);
			expect(v).toBeLessThan(60);
		}
	});

	it('every comparable indicator with values has a published statistic for the network and the region', async () => {
		const catalogue = (await listCatalogue(db, ADMIN, ORG)).filter((d) => !d.orgId && d.unit !== 'milestone');
		expect(catalogue.length).toBeGreaterThanOrEqual(20);
		for (const d of catalogue)
			for (const scope of [`n:${NETWORK}`, 'r:76']) {
				const v = await benchmarkView(db, ADMIN, {
					indicator: d.id,
					year: 2025,
					scope,
					kind: '*',
					size: '*',
					org: ORG
				});
				expect(v.stat, `${d.code} ${scope}`).toMatchObject({ status: 'ok', n: 12 });
				expect(v.myValue).not.toBeNull();
				expect(v.trajectory.filter((r) => r.median !== null).length).toBeGreaterThanOrEqual(4);
			}
	});
});
