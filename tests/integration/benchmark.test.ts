// Privacy of indicator values and anonymised benchmarks, on both engines: no direct read of another collectivité's
// value; statistics read from the latest consolidated publication only; no statistic on fewer than k validated
// contributors, none on a group that differs from a published group of higher priority by fewer than k members,
// dominance, per-network k, custom indicators never compared; who publishes and who validates.
// The attacks of issue 14 are in benchmark-attacks.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import {
	animatedNetworkSettings,
	benchmarkStatistic,
	benchmarkView,
	latestPublication,
	NOT_ENOUGH_PEERS,
	peerScopes,
	publishBenchmarks,
	publishNow,
	setNetworkK,
	setOrgValidation
} from '../../src/lib/server/benchmark/service';
import { lastBoundary, publishIfDue } from '../../src/lib/server/benchmark/publisher';
import { countedValue } from '../../src/lib/benchmark';
import { createCustomIndicator, listValues, saveValue } from '../../src/lib/server/indicators/service';
import { groupAttributesFrozen, updateOrganisation } from '../../src/lib/server/organisations/service';
import { engines, openTestDb } from '../helpers/engines';
import { addAnimatorDirect, createNetwork, createUser, type TestUser } from '../helpers/factories';

interface World {
	net: string;
	orgs: string[];
	admins: TestUser[];
	animator: TestUser;
	soc01: string;
	eur: string;
}

async function makeOrg(
	db: Database,
	admin: TestUser,
	i: number,
	kind: string,
	region: string,
	population: number
): Promise<string> {
	return asService(db, 'test: org', async (tx) => {
		const [o] = await tx.query<{ id: string }>(
			`insert into public.organisations (slug, name, kind, region_code, population) values ($1, $2, $3, $4, $5) returning id`,
			[`bm-org-${i}-${Date.now().toString(36)}`, `Collectivité ${i}`, kind, region, population]
		);
		await tx.query(
			`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'admin') on conflict do nothing`,
			[o.id, admin.id]
		);
		return o.id;
	});
}

async function join(db: Database, net: string, org: string) {
	await asService(db, 'test: membership', (tx) =>
		tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
			net,
			org
		])
	);
}

describe.each(engines)('benchmark privacy (%s)', (engine) => {
	let db: Database;
	let w: World & { platform: TestUser };

	beforeAll(async () => {
		db = await openTestDb(engine);
		const platform = await createUser(db, { platformAdmin: true });
		const { id: net } = await createNetwork(db, platform, 'Réseau de comparaison');
		const animator = await createUser(db);
		await addAnimatorDirect(db, net, animator);
		const admins: TestUser[] = [];
		const orgs: string[] = [];
		// 0..5: communes of 5 000-19 999 inhabitants in region 76, network members; 6: a metropole in 76, member;
		// 7: a commune of region 76 NOT in the network (not validated: it counts nowhere); 8: a commune of region 11, member.
		const spec: [string, string, number, boolean][] = [
			['commune', '76', 8000, true],
			['commune', '76', 9000, true],
			['commune', '76', 12000, true],
			['commune', '76', 15000, true],
			['commune', '76', 6000, true],
			['commune', '76', 7000, true],
			['metropole', '76', 500000, true],
			['commune', '76', 10000, false],
			['commune', '11', 11000, true]
		];
		for (const [i, [kind, region, pop, member]] of spec.entries()) {
			const admin = await createUser(db);
			admins.push(admin);
			const org = await makeOrg(db, admin, i, kind, region, pop);
			orgs.push(org);
			if (member) await join(db, net, org);
		}
		const [soc] = await db.query<{ id: string }>(
			`select id from public.indicator_definitions where code = 'CAN-SOC-01' and org_id is null`
		);
		const [eur] = await db.query<{ id: string }>(
			`select id from public.indicator_definitions where code = 'CAN-SOC-08' and org_id is null`
		);
		w = { net, orgs, admins, animator, platform, soc01: soc.id, eur: eur.id };
		const soc01 = [10, 14, 18, 22, 26, 30, 34, 12, 40];
		for (const [i, org] of orgs.entries())
			await saveValue(db, admins[i], org, { indicatorId: soc.id, year: 2024, value: soc01[i] });
	});
	const publish = () => publishNow(db, 'nightly');
	afterAll(async () => db?.close());

	it('keeps raw values private to their collectivité (direct reads and writes)', async () => {
		const own = await withUser(db, w.admins[0], (tx) =>
			tx.query<{ org_id: string; value: string }>('select org_id, value::text from public.indicator_values')
		);
		expect(own.map((r) => r.org_id)).toEqual([w.orgs[0]]);
		// an animator of the network reads no member's raw value
		const anim = await withUser(db, w.animator, (tx) => tx.query('select * from public.indicator_values'));
		expect(anim).toEqual([]);
		// nor through the service
		await expect(listValues(db, w.admins[0], w.orgs[1])).rejects.toMatchObject({ status: 404 });
		// another collectivité cannot write or delete a peer's value
		await expect(
			saveValue(db, w.admins[0], w.orgs[1], { indicatorId: w.soc01, year: 2024, value: 99 })
		).rejects.toMatchObject({ status: 404 });
		const touched = await withUser(db, w.admins[0], (tx) =>
			tx.query(`update public.indicator_values set value = 0 where org_id = $1 returning id`, [w.orgs[1]])
		);
		expect(touched).toEqual([]);
		await expect(
			withUser(db, w.admins[0], (tx) =>
				tx.query(`insert into public.indicator_values (org_id, indicator_id, year, value) values ($1, $2, 2023, 5)`, [
					w.orgs[1],
					w.soc01
				])
			)
		).rejects.toThrow(/row-level security/);
		const [{ value }] = await asService(db, 'test: check', (tx) =>
			tx.query<{ value: string }>(`select value::text from public.indicator_values where org_id = $1 and year = 2024`, [
				w.orgs[1]
			])
		);
		expect(Number(value)).toBe(14);
	});

	it('publishes nothing before the first publication', async () => {
		const s = await benchmarkStatistic(db, w.admins[0], {
			indicator: w.soc01,
			year: 2024,
			scope: `n:${w.net}`,
			org: w.orgs[0]
		});
		expect(s).toMatchObject({ status: 'refused', reason: 'not_published', n: null, median: null, myValue: null });
		expect(await latestPublication(db, w.admins[0])).toBeNull();
	});

	it('publishes a statistic with ≥ k contributors, rounded, with my own band only', async () => {
		// 2023: only the six communes 0-5 (same members in every cell: network, region 76, type, size)
		const v2023 = [10, 14, 18, 22, 26, 30.6];
		for (let i = 0; i < 6; i++)
			await saveValue(db, w.admins[i], w.orgs[i], { indicatorId: w.soc01, year: 2023, value: v2023[i] });
		await publish();
		const s = await benchmarkStatistic(db, w.admins[2], {
			indicator: w.soc01,
			year: 2023,
			scope: `n:${w.net}`,
			org: w.orgs[2]
		});
		expect(s).toMatchObject({ status: 'ok', n: 6, k: 5, median: 20, p25: 15, p75: 25, p10: null, p90: null });
		expect(s.mean).toBe(20); // 30.6 counted as 31; mean 20.17 rounded to the unit below 10 contributors
		expect(s.myValue).toBe(18);
		expect(s.myBand).toBe('q2'); // 15 ≤ 18 < 20: between the published first quartile and median
		expect(s).not.toHaveProperty('myRank');
		expect(s.publishedAt).toBe((await latestPublication(db, w.admins[2]))?.publishedAt);
		const region = await benchmarkStatistic(db, w.admins[2], {
			indicator: w.soc01,
			year: 2023,
			scope: 'r:76',
			kind: 'commune',
			size: 's'
		});
		expect(region).toMatchObject({ status: 'ok', n: 6, median: 20, myValue: null });
		// asking with another collectivité's id gives no value or rank
		const other = await benchmarkStatistic(db, w.admins[2], {
			indicator: w.soc01,
			year: 2023,
			scope: `n:${w.net}`,
			org: w.orgs[3]
		});
		expect(other.myValue).toBeNull();
		expect(other.myBand).toBeNull();
	});

	it('refuses a group of k − 1 contributors', async () => {
		const s = await benchmarkStatistic(db, w.admins[6], {
			indicator: w.soc01,
			year: 2024,
			scope: `n:${w.net}`,
			kind: 'metropole',
			org: w.orgs[6]
		});
		expect(s).toMatchObject({
			status: 'refused',
			reason: 'too_few',
			n: null,
			k: 5,
			median: null,
			mean: null,
			myValue: null
		});
		// k = 7 on the network: the six 2023 contributors are k − 1 (from the next publication)
		await asService(db, 'test: k', (tx) =>
			tx.query(`insert into public.benchmark_settings (network_id, k) values ($1, 7)`, [w.net])
		);
		await publish();
		const s2 = await benchmarkStatistic(db, w.admins[0], {
			indicator: w.soc01,
			year: 2023,
			scope: `n:${w.net}`,
			org: w.orgs[0]
		});
		expect(s2).toMatchObject({
			status: 'refused',
			reason: 'too_few',
			n: null,
			k: 7,
			median: null,
			p25: null,
			mean: null,
			myValue: null,
			myBand: null
		});
		await asService(db, 'test: k', (tx) =>
			tx.query(`delete from public.benchmark_settings where network_id = $1`, [w.net])
		);
		await publish();
	});

	it('never publishes two groups that differ by fewer than k members (no differencing by toggling a filter)', async () => {
		// Network (k = 5): contributors 0-6, 8 (8). Same network, type « commune »: 0-5, 8 (7) — differs by one (the
		// metropole): the broader group is published, the narrower refused.
		const all = await benchmarkStatistic(db, w.admins[0], { indicator: w.soc01, year: 2024, scope: `n:${w.net}` });
		const communes = await benchmarkStatistic(db, w.admins[0], {
			indicator: w.soc01,
			year: 2024,
			scope: `n:${w.net}`,
			kind: 'commune'
		});
		expect(all).toMatchObject({ status: 'ok', n: 8 });
		expect(communes).toMatchObject({ status: 'refused', reason: 'too_few', n: null, median: null });
		// Region 76: the validated 0-6 (org 7 is not validated and counts nowhere) vs the network: differs by org 8 →
		// refused, whoever asks; org 7's members may not even query their region.
		const region = await benchmarkStatistic(db, w.admins[0], {
			indicator: w.soc01,
			year: 2024,
			scope: 'r:76',
			org: w.orgs[0]
		});
		expect(region).toMatchObject({ status: 'refused', reason: 'too_few', n: null });
		const unvalidated = await benchmarkStatistic(db, w.admins[7], {
			indicator: w.soc01,
			year: 2024,
			scope: 'r:76',
			org: w.orgs[7]
		});
		expect(unvalidated).toMatchObject({ status: 'refused', reason: 'not_allowed' });
		expect((await peerScopes(db, w.admins[7], w.orgs[7])).map((s) => s.scope)).toEqual([]);
		// the region-11 org leaves the network: network = region 76 = 0-6 → both published, with the same figures
		await asService(db, 'test: leave', (tx) =>
			tx.query(`update public.network_memberships set status = 'left' where org_id = $1`, [w.orgs[8]])
		);
		await publish();
		const ok1 = await benchmarkStatistic(db, w.admins[0], { indicator: w.soc01, year: 2024, scope: `n:${w.net}` });
		const ok2 = await benchmarkStatistic(db, w.admins[0], { indicator: w.soc01, year: 2024, scope: 'r:76' });
		expect(ok1).toMatchObject({ status: 'ok', n: 7 });
		expect(ok2).toMatchObject({ status: 'ok', n: 7, median: ok1.median });
		// the platform validates org 7: region 76 = 0-7 differs from the network by one → the region is refused
		await setOrgValidation(db, w.platform, w.orgs[7], true);
		await publish();
		expect(await benchmarkStatistic(db, w.admins[7], { indicator: w.soc01, year: 2024, scope: 'r:76' })).toMatchObject({
			status: 'refused',
			reason: 'too_few'
		});
		expect(
			await benchmarkStatistic(db, w.admins[0], { indicator: w.soc01, year: 2024, scope: `n:${w.net}` })
		).toMatchObject({ status: 'ok', n: 7 });
		// restore
		await setOrgValidation(db, w.platform, w.orgs[7], false);
		await asService(db, 'test: restore', (tx) =>
			tx.query(`update public.network_memberships set status = 'approved' where org_id = $1`, [w.orgs[8]])
		);
		await publish();
	});

	it('refuses a group where one collectivité holds more than 85 % of the sum, with the same answer', async () => {
		// ESS purchases: the metropole buys 10 M€, the six communes 20 k€ each, org 8 30 k€
		const amounts = [20000, 20000, 20000, 20000, 20000, 20000, 10_000_000];
		for (let i = 0; i < 7; i++)
			await saveValue(db, w.admins[i], w.orgs[i], { indicatorId: w.eur, year: 2024, value: amounts[i] });
		await saveValue(db, w.admins[8], w.orgs[8], { indicatorId: w.eur, year: 2024, value: 30000 });
		await publish();
		const s = await benchmarkStatistic(db, w.admins[0], { indicator: w.eur, year: 2024, scope: `n:${w.net}` });
		expect(s).toMatchObject({ status: 'refused', reason: 'too_few', n: null, median: null });
	});

	it('never compares a custom indicator, and refuses a peer group the caller is not part of', async () => {
		const custom = await createCustomIndicator(db, w.admins[0], w.orgs[0], {
			code: 'LOC-01',
			label: 'Indicateur local',
			unit: 'count',
			domain: 'autre'
		});
		const s = await benchmarkStatistic(db, w.admins[0], { indicator: custom.id, year: 2024, scope: `n:${w.net}` });
		expect(s).toMatchObject({ status: 'refused', reason: 'custom_indicator' });
		const outsider = await createUser(db);
		const o = await benchmarkStatistic(db, outsider, { indicator: w.soc01, year: 2024, scope: `n:${w.net}` });
		expect(o).toMatchObject({ status: 'refused', reason: 'not_allowed', n: null });
		const r = await benchmarkStatistic(db, w.admins[0], { indicator: w.soc01, year: 2024, scope: 'r:11' });
		expect(r).toMatchObject({ status: 'refused', reason: 'not_allowed' });
	});

	it('k is per network, set by its animators, never below 3', async () => {
		await withUser(db, w.animator, (tx) =>
			tx.query(`insert into public.benchmark_settings (network_id, k) values ($1, 4)`, [w.net])
		);
		await expect(
			withUser(db, w.animator, (tx) =>
				tx.query(`update public.benchmark_settings set k = 2 where network_id = $1`, [w.net])
			)
		).rejects.toThrow();
		const noop = await withUser(db, w.admins[0], (tx) =>
			tx.query(`update public.benchmark_settings set k = 3 where network_id = $1 returning k`, [w.net])
		);
		expect(noop).toEqual([]);
		const scopes = await peerScopes(db, w.admins[0], w.orgs[0]);
		expect(scopes.find((s) => s.scope === `n:${w.net}`)?.k).toBe(4);
		// through the service (the /comparaison page's form)
		await setNetworkK(db, w.animator, w.net, 6);
		expect(await animatedNetworkSettings(db, w.animator)).toEqual([
			{ networkId: w.net, name: 'Réseau de comparaison', k: 6 }
		]);
		await expect(setNetworkK(db, w.animator, w.net, 2)).rejects.toMatchObject({ status: 400 });
		await expect(setNetworkK(db, w.admins[0], w.net, 3)).rejects.toMatchObject({ status: 404 });
		expect((await peerScopes(db, w.admins[0], w.orgs[0])).find((s) => s.scope === `n:${w.net}`)?.k).toBe(6);
		await asService(db, 'test: reset k', (tx) =>
			tx.query(`delete from public.benchmark_settings where network_id = $1`, [w.net])
		);
	});

	it('the benchmark view explains a refused statistic and shows only my own value', async () => {
		const v = await benchmarkView(db, w.admins[1], {
			indicator: w.soc01,
			year: 2024,
			scope: `n:${w.net}`,
			kind: 'metropole',
			org: w.orgs[1]
		});
		expect(v.stat.status).toBe('refused');
		expect(v.explanation).toBe(NOT_ENOUGH_PEERS);
		expect(v.explanation).not.toMatch(/\d/);
		expect(v.myValue).toBe(14);
		expect(JSON.stringify(v)).not.toContain('"value":34');
		await expect(
			benchmarkView(db, w.admins[1], { indicator: w.soc01, year: 2024, scope: `n:${w.net}`, org: w.orgs[2] })
		).rejects.toMatchObject({
			status: 404
		});
	});

	it('publications: animators and platform admins publish (once an hour), members do not; the nightly job once a day', async () => {
		await expect(publishBenchmarks(db, w.admins[0])).rejects.toMatchObject({ status: 403 });
		await expect(
			withUser(db, w.admins[0], (tx) => tx.query('select app.benchmark_publish_now($1)', ['manual']))
		).rejects.toThrow(/permission denied/);
		const id = await publishBenchmarks(db, w.animator);
		expect((await latestPublication(db, w.admins[0]))?.id).toBe(id);
		await expect(publishBenchmarks(db, w.platform)).rejects.toMatchObject({ status: 409 });
		const [audit] = await asService(db, 'test: audit', (tx) =>
			tx.query<{ actor_id: string }>(
				`select actor_id from public.audit_log where action = 'indicateur.publication' and target_id = $1`,
				[id]
			)
		);
		expect(audit?.actor_id).toBe(w.animator.id);
		// nightly: due after the day's boundary (02:00 UTC), once
		const now = new Date(Date.now() + 2 * 24 * 3600_000);
		expect(lastBoundary(new Date(Date.UTC(2030, 4, 2, 1)), 2).toISOString()).toBe('2030-05-01T02:00:00.000Z');
		expect(await publishIfDue(db, now)).not.toBeNull();
		// just published: not due again before the next boundary
		expect(await publishIfDue(db, new Date())).toBeNull();
	});

	it('only a platform admin validates a collectivité (its own admin cannot)', async () => {
		await expect(
			withUser(db, w.admins[7], (tx) =>
				tx.query('update public.organisations set validated_at = now() where id = $1', [w.orgs[7]])
			)
		).rejects.toThrow(/validation_reserved/);
		await expect(setOrgValidation(db, w.admins[7], w.orgs[7], true)).rejects.toMatchObject({ status: 404 });
		await expect(setOrgValidation(db, w.animator, w.orgs[7], true)).rejects.toMatchObject({ status: 404 });
		// a sign-up cannot create a collectivité that is already validated
		await expect(
			withUser(db, w.admins[7], (tx) =>
				tx.query(
					`insert into public.organisations (slug, name, kind, created_by, validated_at) values ('faux-valide', 'Faux', 'commune', auth.uid(), now())`
				)
			)
		).rejects.toThrow(/validation_reserved/);
		await setOrgValidation(db, w.platform, w.orgs[7], true);
		const [row] = await asService(db, 'test: check', (tx) =>
			tx.query<{ validated_by: string }>('select validated_by from public.organisations where id = $1', [w.orgs[7]])
		);
		expect(row.validated_by).toBe(w.platform.id);
		expect((await peerScopes(db, w.admins[7], w.orgs[7])).map((s) => s.scope)).toEqual(['r:76']);
		await setOrgValidation(db, w.platform, w.orgs[7], false);
	});

	it('a validated collectivité cannot move itself into another comparison group (kind, region, département, population)', async () => {
		const input = (kind: string, regionCode: string, population: number) =>
			({ name: 'Collectivité déplacée', kind, regionCode, population }) as Parameters<typeof updateOrganisation>[3];
		const frozen = {
			code: 'validated_org_frozen',
			status: 409,
			message: expect.stringMatching(/^Cette collectivité est validée\u00a0: son type, sa région/)
		};
		// Admitted to the network (validated by the animator): the attack of moving into « centre hospitalier, 76 »
		await expect(
			updateOrganisation(db, w.admins[8], w.orgs[8], input('centre_hospitalier', '76', 11000))
		).rejects.toMatchObject(frozen);
		await expect(updateOrganisation(db, w.admins[0], w.orgs[0], input('commune', '76', 800))).rejects.toMatchObject(
			frozen
		);
		for (const set of [
			`kind = 'centre_hospitalier'`,
			`region_code = '76'`,
			`departement_code = '76'`,
			`population = 100`
		])
			await expect(
				withUser(db, w.admins[8], (tx) => tx.query(`update public.organisations set ${set} where id = $1`, [w.orgs[8]]))
			).rejects.toThrow(/validated_org_frozen/);
		const [row] = await asService(db, 'test: check', (tx) =>
			tx.query<{ kind: string; region_code: string; population: number }>(
				'select kind, region_code, population from public.organisations where id = $1',
				[w.orgs[8]]
			)
		);
		expect(row).toEqual({ kind: 'commune', region_code: '11', population: 11000 });
		// other fields stay editable
		await expect(
			updateOrganisation(db, w.admins[8], w.orgs[8], input('commune', '11', 11000))
		).resolves.toBeUndefined();
		// Not validated: free to correct; once a platform admin validated it, frozen too; the platform admin may correct.
		expect(await groupAttributesFrozen(db, w.admins[8], w.orgs[8])).toBe(true);
		expect(await groupAttributesFrozen(db, w.admins[7], w.orgs[7])).toBe(false);
		await updateOrganisation(db, w.admins[7], w.orgs[7], input('commune', '76', 10500));
		await setOrgValidation(db, w.platform, w.orgs[7], true);
		expect(await groupAttributesFrozen(db, w.admins[7], w.orgs[7])).toBe(true);
		await expect(
			updateOrganisation(db, w.admins[7], w.orgs[7], input('centre_hospitalier', '76', 10500))
		).rejects.toMatchObject(frozen);
		await expect(
			withUser(db, w.platform, (tx) =>
				tx.query('update public.organisations set population = 10000 where id = $1', [w.orgs[7]])
			)
		).resolves.toEqual([]);
		await setOrgValidation(db, w.platform, w.orgs[7], false);
		await updateOrganisation(db, w.admins[7], w.orgs[7], input('commune', '76', 10000));
	});

	it('the page rounds a value as the database counts it (app.benchmark_round(_, _, 0))', async () => {
		const cases: [number, string][] = [
			[21.5, 'percent'],
			[22.49, 'percent'],
			[0.4, 'percent'],
			[99.5, 'percent'],
			[17.6, 'days'],
			[0.5, 'milestone'],
			[1, 'milestone'],
			[12345, 'eur'],
			[1250, 'eur'],
			[10_000_000, 'eur'],
			[3.44, 'ratio'],
			[7, 'count'],
			[0, 'hours'],
			[85.2, 'hours'],
			[0.0123, 'ratio']
		];
		for (const [value, unit] of cases) {
			const [row] = await db.query<{ r: string }>('select app.benchmark_round($1::numeric, $2, 0)::text as r', [
				value,
				unit
			]);
			expect(countedValue(value, unit), `${value} ${unit}`).toBeCloseTo(Number(row.r), 9);
		}
	});
});
