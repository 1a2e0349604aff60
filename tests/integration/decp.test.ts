// DECP import into a collectivité's space: only its SIRET(s), rejected records with reasons, idempotent re-import,
// private to its members, computed indicators saved as values.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { applyDecpToValues, decpOverview, importDecp, listImportRuns } from '../../src/lib/server/decp/service';
import { listValues } from '../../src/lib/server/indicators/service';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createOrg, createUser, type TestUser } from '../helpers/factories';

const file = (name: string) => ({ name, bytes: new Uint8Array(readFileSync(`tests/fixtures/decp/${name}`)) });

describe.each(engines)('DECP import (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let viewer: TestUser;
	let outsider: TestUser;
	let orgId: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		viewer = await createUser(db);
		outsider = await createUser(db);
		orgId = (
			await createOrg(db, admin, {
				name: "Agglomération d'essai",
				kind: 'communaute_agglomeration',
				siren: '999900079'
			})
		).id;
		await addMember(db, orgId, viewer, 'viewer');
		await createOrg(db, outsider, { name: 'Autre collectivité' });
	});
	afterAll(async () => db?.close());

	it('imports my contracts, rejects the others with a reason, and a re-import changes nothing', async () => {
		const run = await importDecp(db, admin, orgId, file('decp-2024-demo-val-d-aurence.json'));
		expect(run).toMatchObject({
			format: 'json_2024',
			total: 21,
			accepted: 17,
			inserted: 18,
			unchanged: 0,
			rejected: 4,
			flagged: 1
		});
		expect(run.rejections.map((r) => r.id)).toEqual(['2024-013', '2024-014', '2024-015', '2024-016']);
		const again = await importDecp(db, admin, orgId, file('decp-2024-demo-val-d-aurence.json'));
		expect(again).toMatchObject({ accepted: 17, inserted: 0, unchanged: 18, rejected: 4 });
		// the XML flow of the same contracts adds nothing either
		const xml = await importDecp(db, admin, orgId, file('decp-2024-demo-val-d-aurence.xml'));
		expect(xml).toMatchObject({ format: 'xml_2024', accepted: 15, inserted: 0, unchanged: 16 });
		const [{ n }] = await asService(db, 'test: count', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.decp_contracts where org_id = $1', [orgId])
		);
		expect(n).toBe(18);
		const runs = await listImportRuns(db, viewer, orgId);
		expect(runs).toHaveLength(3);
	});

	it('computes the indicators with the per-contract list, for members only', async () => {
		const o = await decpOverview(db, viewer, orgId, { year: 2024 });
		expect(o.years).toEqual([2025, 2024]);
		expect(o.indicators!.total).toBe(12);
		const social = o.indicators!.figures.find((f) => f.id === 'social_any')!;
		expect(social).toMatchObject({ count: 5, base: 11 });
		const c = o.contracts.find((x) => x.contractId === '2024-004')!;
		expect(c).toMatchObject({ amount: 1_310_000, modifications: 1 });
		// another collectivité sees nothing
		const other = await decpOverview(db, outsider, orgId, { year: 2024 });
		expect(other.contracts).toEqual([]);
		const direct = await withUser(db, outsider, (tx) => tx.query('select * from public.decp_contracts'));
		expect(direct).toEqual([]);
		const runs = await withUser(db, outsider, (tx) => tx.query('select * from public.decp_import_runs'));
		expect(runs).toEqual([]);
	});

	it('refuses viewers, outsiders, empty and unreadable files, and collectivités without SIREN', async () => {
		await expect(importDecp(db, viewer, orgId, file('decp-2024-demo-val-d-aurence.json'))).rejects.toMatchObject({
			status: 403
		});
		await expect(importDecp(db, outsider, orgId, file('decp-2024-demo-val-d-aurence.json'))).rejects.toMatchObject({
			status: 404
		});
		await expect(importDecp(db, admin, orgId, { name: 'vide.json', bytes: new Uint8Array() })).rejects.toMatchObject({
			status: 400
		});
		await expect(
			importDecp(db, admin, orgId, { name: 'x.json', bytes: new TextEncoder().encode('{"marches": [') })
		).rejects.toThrow(/mal formé/);
		const noSiren = await createOrg(db, admin, { name: 'Commune sans SIREN' });
		await expect(importDecp(db, admin, noSiren.id, file('decp-2024-demo-val-d-aurence.json'))).rejects.toThrow(/SIREN/);
		const [{ n }] = await asService(db, 'test: count', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.decp_import_runs')
		);
		expect(n).toBe(3);
	});

	it('saves the year’s figures (≥ 40 000 € HT) as the collectivité’s values, source DECP', async () => {
		const saved = await applyDecpToValues(db, admin, orgId, 2024);
		const byCode = Object.fromEntries(saved.map((s) => [s.code, s.value]));
		// ≥ 40 k€: 11 contracts (the flagged one is out), 10 with known considerations
		expect(byCode['CAN-SOC-01']).toBe(50);
		expect(byCode['CAN-ENV-01']).toBe(70);
		expect(byCode['CAN-ECO-06']).toBeCloseTo(9.1, 5);
		const values = await listValues(db, viewer, orgId, { year: 2024 });
		expect(values.find((v) => v.code === 'CAN-SOC-01')).toMatchObject({ value: 50, source: 'decp' });
		await expect(applyDecpToValues(db, viewer, orgId, 2024)).rejects.toMatchObject({ status: 403 });
		// Refused the same way for a year without contracts: the right is checked first.
		await expect(applyDecpToValues(db, viewer, orgId, 1999)).rejects.toMatchObject({ status: 403 });
		await expect(applyDecpToValues(db, admin, orgId, 1999)).rejects.toMatchObject({ status: 400 });
		await expect(applyDecpToValues(db, admin, orgId, 2019)).rejects.toMatchObject({ status: 400 });
	});
});
