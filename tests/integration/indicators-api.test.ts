// /api/v1 indicators endpoints: catalogue, own values (read/write), DECP import, anonymised statistics — and no
// endpoint that gives another collectivité's value.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import { asService, type Database } from '../../src/lib/server/db';
import { publishNow } from '../../src/lib/server/benchmark/service';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { createNetwork, createOrg, createUser, type TestUser } from '../helpers/factories';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

describe.each(engines)('indicators API (%s)', (engine) => {
	let db: Database;
	const users: TestUser[] = [];
	const orgs: string[] = [];
	let net: string;
	let soc: string;
	const tok: Record<string, string> = {};

	const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) =>
		apiCall(db, method, path, opts);
	const token = async (u: TestUser, scopes: Scope[]) => (await createApiToken(db, u, { name: 't', scopes })).token;

	beforeAll(async () => {
		db = await openTestDb(engine);
		const platform = await createUser(db, { platformAdmin: true });
		net = (await createNetwork(db, platform, 'Réseau API')).id;
		for (let i = 0; i < 6; i++) {
			const u = await createUser(db);
			users.push(u);
			const o = await createOrg(db, u, {
				name: `Commune API ${i}`,
				kind: 'commune',
				siren: i === 0 ? '999900079' : undefined
			});
			orgs.push(o.id);
			await asService(db, 'test: membership', (tx) =>
				tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
					net,
					o.id
				])
			);
		}
		tok.w0 = await token(users[0], ['read', 'write']);
		tok.r0 = await token(users[0], ['read']);
		tok.w1 = await token(users[1], ['read', 'write']);
	});
	afterAll(async () => db?.close());

	it('lists the catalogue', async () => {
		const res = await call('GET', '/indicators', { token: tok.r0 });
		expect(res.status).toBe(200);
		const s = res.body.items.find((d: Body) => d.code === 'CAN-SOC-01');
		expect(s).toMatchObject({ unit: 'percent', custom: false });
		soc = s.id;
		expect((await call('GET', '/indicators')).status).toBe(401);
	});

	it('writes and reads own values; never another collectivité’s', async () => {
		const put = await call('PUT', `/organisations/${orgs[0]}/indicator-values`, {
			token: tok.w0,
			body: { indicatorId: soc, year: 2024, value: 21.5, perimeter: 'API' }
		});
		expect(put.status).toBe(201);
		expect(put.body).toMatchObject({ value: 21.5, year: 2024, source: 'api', code: 'CAN-SOC-01' });
		const again = await call('PUT', `/organisations/${orgs[0]}/indicator-values`, {
			token: tok.w0,
			body: { indicatorId: soc, year: 2024, value: 22 }
		});
		expect(again.status).toBe(200);
		expect(
			(
				await call('PUT', `/organisations/${orgs[0]}/indicator-values`, {
					token: tok.r0,
					body: { indicatorId: soc, year: 2024, value: 1 }
				})
			).status
		).toBe(403);
		const bad = await call('PUT', `/organisations/${orgs[0]}/indicator-values`, {
			token: tok.w0,
			body: { indicatorId: soc, year: 2024, value: 250 }
		});
		expect(bad.status).toBe(400);
		const list = await call('GET', `/organisations/${orgs[0]}/indicator-values?year=2024`, { token: tok.r0 });
		expect(list.body.items.map((v: Body) => v.value)).toEqual([22]);
		// another collectivité: 404 on read, write and delete
		expect((await call('GET', `/organisations/${orgs[0]}/indicator-values`, { token: tok.w1 })).status).toBe(404);
		expect(
			(
				await call('PUT', `/organisations/${orgs[0]}/indicator-values`, {
					token: tok.w1,
					body: { indicatorId: soc, year: 2024, value: 1 }
				})
			).status
		).toBe(404);
		expect(
			(await call('DELETE', `/organisations/${orgs[0]}/indicator-values/${list.body.items[0].id}`, { token: tok.w1 }))
				.status
		).toBe(404);
		expect(
			(await call('DELETE', `/organisations/${orgs[0]}/indicator-values/${list.body.items[0].id}`, { token: tok.w0 }))
				.status
		).toBe(204);
	});

	it('imports a DECP file and lists the imports', async () => {
		const content = readFileSync('tests/fixtures/decp/decp-2024-demo-val-d-aurence.json', 'utf8');
		const res = await call('POST', `/organisations/${orgs[0]}/decp-imports`, {
			token: tok.w0,
			body: { fileName: 'decp.json', content }
		});
		expect(res.status).toBe(201);
		expect(res.body).toMatchObject({ accepted: 17, rejected: 4, inserted: 18 });
		const again = await call('POST', `/organisations/${orgs[0]}/decp-imports`, {
			token: tok.w0,
			body: { fileName: 'decp.json', content }
		});
		expect(again.body).toMatchObject({ inserted: 0, unchanged: 18 });
		expect((await call('GET', `/organisations/${orgs[0]}/decp-imports`, { token: tok.r0 })).body.items).toHaveLength(2);
		expect((await call('GET', `/organisations/${orgs[0]}/decp-imports`, { token: tok.w1 })).status).toBe(404);
		expect(
			(
				await call('POST', `/organisations/${orgs[0]}/decp-imports`, {
					token: tok.w1,
					body: { fileName: 'decp.json', content }
				})
			).status
		).toBe(404);
	});

	it('benchmark statistics follow the same anonymisation rules', async () => {
		const values = [10, 20, 30, 40, 50, 60];
		for (const [i, v] of values.entries()) {
			const t = i === 0 ? tok.w0 : await token(users[i], ['write']);
			expect(
				(
					await call('PUT', `/organisations/${orgs[i]}/indicator-values`, {
						token: t,
						body: { indicatorId: soc, year: 2023, value: v }
					})
				).status
			).toBe(201);
		}
		// nothing is published before the (nightly) publication
		const before = await call('GET', `/benchmark/statistics?indicator=${soc}&year=2023&scope=n:${net}&org=${orgs[0]}`, {
			token: tok.r0
		});
		expect(before.body).toMatchObject({ status: 'refused', reason: 'not_published', median: null, myValue: null });
		await publishNow(db, 'nightly');
		const ok = await call('GET', `/benchmark/statistics?indicator=${soc}&year=2023&scope=n:${net}&org=${orgs[0]}`, {
			token: tok.r0
		});
		expect(ok.status).toBe(200);
		expect(ok.body).toMatchObject({ status: 'ok', n: 6, median: 35, p25: 23, p75: 48, myValue: 10, myBand: 'q1' });
		expect(ok.body).not.toHaveProperty('myRank');
		// only five contributors with k = 6
		await asService(db, 'test: k', (tx) =>
			tx.query(`insert into public.benchmark_settings (network_id, k) values ($1, 6)`, [net])
		);
		await asService(db, 'test: remove', (tx) =>
			tx.query(`delete from public.indicator_values where org_id = $1 and year = 2023`, [orgs[5]])
		);
		await publishNow(db, 'nightly');
		const few = await call('GET', `/benchmark/statistics?indicator=${soc}&year=2023&scope=n:${net}`, { token: tok.r0 });
		expect(few.body).toMatchObject({ status: 'refused', reason: 'too_few', n: null, median: null, mean: null });
		const outsider = await createUser(db);
		const t = await token(outsider, ['read']);
		const denied = await call('GET', `/benchmark/statistics?indicator=${soc}&year=2023&scope=n:${net}`, { token: t });
		expect(denied.body).toMatchObject({ status: 'refused', reason: 'not_allowed', median: null });
		expect(
			(await call('GET', `/benchmark/statistics?indicator=${soc}&year=2023&scope=x:1`, { token: tok.r0 })).status
		).toBe(400);
	});
});
