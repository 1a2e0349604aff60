// The benchmark attacks of issue 14, item 1, written as an adversary with several accounts runs them through the
// JSON API, on both engines (docs/benchmark-privacy.md):
//   1. the rank trick: a member moves its own value and re-reads its position, by bisection (≈ 126 requests);
//   2. the same across publications: move, wait for the nightly publication, re-read, on a fine grid;
//   3. Sybil collectivités: new accounts create « centre hospitalier » of region 76 with
//      values 0, 0, 100, 100 to pin the one real hospital's value, plus the rank trick; and a fake collectivité
//      that makes the network's own statistic refuse (differencing).
// The assertion is what the attacker can know: everything it observes is identical in two worlds where the victim's
// value differs within one rounding step (or entirely, for the Sybil attack), so the interval it can recover is no
// narrower than the published rounding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { benchmarkView, publishNow, setOrgValidation } from '../../src/lib/server/benchmark/service';
import { publishIfDue } from '../../src/lib/server/benchmark/publisher';
import { saveValue } from '../../src/lib/server/indicators/service';
import { apiCall, type ApiBody } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { createNetwork, createOrg, createUser, type TestUser } from '../helpers/factories';

const DAY = 24 * 60 * 60 * 1000;

/** What the attacker sees of one API answer (the publication date aside, which is public and not about values). */
function seen(body: ApiBody): string {
	const rest = { ...body };
	delete rest.publishedAt;
	return JSON.stringify(rest, Object.keys(rest).sort());
}

/**
 * The rank trick as the attacker ran it: bisection on its own value between lo and hi, re-reading the statistic after
 * each change; every interval of width ≤ eps where the answer changes is a recovered value of another contributor.
 */
async function bisection(
	set: (v: number) => Promise<void>,
	observe: () => Promise<string>,
	lo: number,
	hi: number,
	eps: number
) {
	const transcript: string[] = [];
	const recovered: [number, number][] = [];
	let requests = 0;
	const at = async (v: number) => {
		await set(v);
		const o = await observe();
		requests += 2;
		transcript.push(o);
		return o;
	};
	const search = async (a: number, oa: string, b: number, ob: string): Promise<void> => {
		if (oa === ob) return;
		if (b - a <= eps) {
			recovered.push([a, b]);
			return;
		}
		const mid = (a + b) / 2;
		const om = await at(mid);
		await search(a, oa, mid, om);
		await search(mid, om, b, ob);
	};
	await search(lo, await at(lo), hi, await at(hi));
	return { transcript, recovered, requests };
}

describe.each(engines)('benchmark attacks by members (%s)', (engine) => {
	let db: Database;
	let platform: TestUser;
	let net: string;
	let soc: string;
	const members: { user: TestUser; org: string }[] = [];
	let attackerToken: string;
	let victim: { user: TestUser; org: string };
	let hospital: { user: TestUser; org: string };
	const others = [12.3, 14.85, 17.2, 19.05, 21.5, 24.6, 26.35, 29.9, 33.3, 36.75, 41.2];

	const call = (method: string, path: string, token: string, body?: unknown) =>
		apiCall(db, method, path, { token, body });
	const stat = (token: string, q: string) =>
		call('GET', `/benchmark/statistics?indicator=${soc}&year=2024&${q}`, token);
	const put = async (token: string, org: string, value: number) => {
		const r = await call('PUT', `/organisations/${org}/indicator-values`, token, {
			indicatorId: soc,
			year: 2024,
			value
		});
		expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
	};
	const admit = (org: string) =>
		asService(db, 'test: admitted by the animator', (tx) =>
			tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
				net,
				org
			])
		);

	beforeAll(async () => {
		db = await openTestDb(engine);
		platform = await createUser(db, { platformAdmin: true });
		net = (await createNetwork(db, platform, 'Réseau attaqué')).id;
		const [d] = await db.query<{ id: string }>(
			`select id from public.indicator_definitions where code = 'CAN-SOC-01' and org_id is null`
		);
		soc = d.id;
		// CAN-SOC-01 2024: 12 validated communes of region 75, admitted to the network: the attacker (0) and 11 others
		// with exact values.
		for (let i = 0; i < 12; i++) {
			const user = await createUser(db);
			const org = await createOrg(db, user, {
				name: `Commune attaquée ${i}`,
				kind: 'commune',
				regionCode: '75',
				population: 8000 + i
			});
			await admit(org.id);
			members.push({ user, org: org.id });
			if (i > 0) await saveValue(db, user, org.id, { indicatorId: soc, year: 2024, value: others[i - 1] });
		}
		victim = members[5]; // 21.5
		attackerToken = (await createApiToken(db, members[0].user, { name: 'attaque', scopes: ['read', 'write'] })).token;
		await put(attackerToken, members[0].org, 20);
		// The one real hospital of region 76, validated by the platform admin.
		const hUser = await createUser(db);
		const h = await createOrg(db, hUser, {
			name: 'Centre hospitalier réel',
			kind: 'centre_hospitalier',
			regionCode: '76',
			population: 60000
		});
		await setOrgValidation(db, platform, h.id, true);
		hospital = { user: hUser, org: h.id };
		await saveValue(db, hUser, h.id, { indicatorId: soc, year: 2024, value: 63.7 });
		await publishNow(db, 'nightly');
	});
	afterAll(async () => db?.close());

	it('the rank trick (own value moved through the API, position re-read, bisection) recovers nothing', async () => {
		// (the attacker knows its own value: it watches the rest of the answer)
		const observe = async () =>
			seen({ ...(await stat(attackerToken, `scope=n:${net}&org=${members[0].org}`)).body, myValue: undefined });
		const before = JSON.parse(await observe());
		expect(before).toMatchObject({ status: 'ok', n: 12 });
		const attack = await bisection((v) => put(attackerToken, members[0].org, v), observe, 0, 100, 0.01);
		// the attacker's own live value moved, yet every answer is the same: no crossing, nothing recovered
		expect(attack.recovered).toEqual([]);
		expect(before.myBand).toMatch(/^q[1-4]$/);
		expect(before).not.toHaveProperty('myRank');
		expect(new Set(attack.transcript).size).toBe(1);
		// the attacker keeps going on a grid (the 126 requests of the issue): still the same answer
		for (let i = 0; i < 60; i++) {
			await put(attackerToken, members[0].org, 10 + i * 0.5);
			attack.transcript.push(await observe());
		}
		expect(new Set(attack.transcript).size).toBe(1);
	});

	it('across nightly publications, what the attacker sees depends on the others only through their rounded values', async () => {
		// The attacker moves its value on a fine grid and waits for the next nightly publication each time. Run twice:
		// the victim's exact value is 21.5, then 22.49 (the same published rounding: 22). The transcripts must match.
		const grid = Array.from({ length: 49 }, (_, i) => 16 + i * 0.25);
		let day = Date.UTC(2030, 0, 1, 3);
		const run = async () => {
			const transcript: string[] = [];
			for (const v of grid) {
				await put(attackerToken, members[0].org, v);
				day += DAY;
				expect(await publishIfDue(db, new Date(day))).not.toBeNull();
				transcript.push(seen((await stat(attackerToken, `scope=n:${net}&org=${members[0].org}`)).body));
			}
			return transcript;
		};
		await saveValue(db, victim.user, victim.org, { indicatorId: soc, year: 2024, value: 21.5 });
		const first = await run();
		await saveValue(db, victim.user, victim.org, { indicatorId: soc, year: 2024, value: 22.49 });
		const second = await run();
		expect(second).toEqual(first);
		// the answers change only where the attacker's OWN rounded value changes (at a half unit): nothing finer leaks
		for (let i = 1; i < grid.length; i++)
			if (first[i] !== first[i - 1])
				expect(Math.round(grid[i]) - Math.round(grid[i - 1]), `change between ${grid[i - 1]} and ${grid[i]}`).toBe(1);
		expect(new Set(first).size).toBeGreaterThan(1); // the statistics do follow the rounded values
		await saveValue(db, victim.user, victim.org, { indicatorId: soc, year: 2024, value: 21.5 });
	});

	it('Sybil collectivités (new accounts, 0/0/100/100) never count and pin nothing', async () => {
		// the network's statistic before the attack
		await put(attackerToken, members[0].org, 28);
		await publishNow(db, 'nightly');
		const memberToken = (await createApiToken(db, members[3].user, { name: 'membre', scopes: ['read'] })).token;
		const networkBefore = (await stat(memberToken, `scope=n:${net}`)).body;
		expect(networkBefore).toMatchObject({ status: 'ok', n: 12 });
		const sybil = async (name: string, kind: string, regionCode: string, value: number) => {
			// a new account, whose collectivité nobody validated (verified e-mail: the attacker's own addresses)
			const user = await createUser(db);
			const token = (await createApiToken(db, user, { name: 'sybil', scopes: ['read', 'write'] })).token;
			const created = await call('POST', '/organisations', token, { name, kind, regionCode, population: 60000 });
			expect(created.status, JSON.stringify(created.body)).toBe(201);
			await put(token, created.body.id, value);
			return { token, org: created.body.id as string };
		};
		// One fake commune of region 75 with one value (before: the network's own statistic refused for everyone).
		await sybil('Commune fictive', 'commune', '75', 50);
		// Four new accounts create fake hospitals in region 76, the size of the real one, with 0, 0, 100, 100.
		const sybils: { token: string; org: string }[] = [];
		for (const [i, value] of [0, 0, 100, 100].entries())
			sybils.push(await sybil(`Centre hospitalier fictif ${i}`, 'centre_hospitalier', '76', value));
		const hospitalQuery = (org: string) => `scope=r:76&kind=centre_hospitalier&org=${org}`;
		const attack = async () => {
			const transcript: string[] = [];
			for (const [i, value] of [0, 0, 100, 100].entries()) await put(sybils[i].token, sybils[i].org, value);
			day += DAY;
			await publishIfDue(db, new Date(day));
			for (const s of [...sybils, { token: attackerToken, org: members[0].org }])
				transcript.push(seen((await stat(s.token, hospitalQuery(s.org))).body));
			// the rank trick on top, by the first Sybil (about 15 requests)
			const r = await bisection(
				(v) => put(sybils[0].token, sybils[0].org, v),
				async () => seen({ ...(await stat(sybils[0].token, hospitalQuery(sybils[0].org))).body, myValue: undefined }),
				0,
				100,
				0.5
			);
			transcript.push(...r.transcript, JSON.stringify(r.recovered));
			return transcript;
		};
		let day = Date.UTC(2031, 0, 1, 3);
		const first = await attack();
		await saveValue(db, hospital.user, hospital.org, { indicatorId: soc, year: 2024, value: 12.2 });
		const second = await attack();
		// whatever the real hospital's value (63.7 or 12.2), the attackers see exactly the same: it is not pinned at all
		expect(second).toEqual(first);
		// the Sybils' region is not theirs to query; for a validated collectivité (the attacker's commune, of region
		// 75, may not either), the hospital cell has too few validated contributors
		expect(JSON.parse(first[0])).toMatchObject({ status: 'refused', reason: 'not_allowed', median: null });
		expect(JSON.parse(first[4])).toMatchObject({ status: 'refused', reason: 'not_allowed', median: null });
		const platformToken = (await createApiToken(db, platform, { name: 'plateforme', scopes: ['read'] })).token;
		expect((await stat(platformToken, 'scope=r:76&kind=centre_hospitalier')).body).toMatchObject({
			status: 'refused',
			reason: 'too_few',
			n: null,
			median: null
		});
		// and the fakes made no statistic refuse: the network's own statistic and its region's are published over the
		// same 12 validated communes, with the same figures
		await publishNow(db, 'nightly');
		const networkAfter = (await stat(memberToken, `scope=n:${net}`)).body;
		expect(networkAfter).toMatchObject({ status: 'ok', n: 12 });
		expect(seen(networkAfter)).toBe(seen(networkBefore));
		expect((await stat(memberToken, 'scope=r:75')).body).toMatchObject({
			status: 'ok',
			n: 12,
			median: networkBefore.median
		});
	});

	it('a refusal says « pas assez de collectivités comparables » and never a count, on the API and the page', async () => {
		const token = (await createApiToken(db, members[2].user, { name: 'lecture', scopes: ['read'] })).token;
		const refused = await stat(token, `scope=n:${net}&kind=metropole&org=${members[2].org}`);
		expect(refused.body).toMatchObject({
			status: 'refused',
			reason: 'too_few',
			n: null,
			median: null,
			myValue: null,
			myBand: null
		});
		// the database itself gives no count (the only door every page and the API go through)
		const [raw] = await withUser(db, members[2].user, (tx) =>
			tx.query<{ s: Record<string, unknown> }>('select app.benchmark_stat($1, 2024, $2, $3, $4, $5) as s', [
				soc,
				`n:${net}`,
				'metropole',
				'*',
				members[2].org
			])
		);
		expect(raw.s).toMatchObject({ status: 'refused', reason: 'too_few' });
		expect(raw.s).not.toHaveProperty('n');
		const view = await benchmarkView(db, members[2].user, {
			indicator: soc,
			year: 2024,
			scope: `n:${net}`,
			kind: 'centre_hospitalier',
			org: members[2].org
		});
		expect(view.stat.status).toBe('refused');
		expect(view.explanation).toMatch(/^Pas assez de collectivités comparables/);
		expect(view.explanation).not.toMatch(/\d/);
	});

	it('a value changed after the publication changes nothing published until the next one', async () => {
		await publishNow(db, 'nightly');
		const token = (await createApiToken(db, members[7].user, { name: 'membre', scopes: ['read', 'write'] })).token;
		const q = `scope=n:${net}&org=${members[7].org}`;
		const before = (await stat(token, q)).body;
		expect(before).toMatchObject({ status: 'ok', myValue: 26 }); // 26.35 counted as 26 (the published rounding)
		await put(token, members[7].org, 99.4);
		const live = (await stat(token, q)).body;
		expect(live).toEqual(before);
		await publishNow(db, 'nightly');
		const after = (await stat(token, q)).body;
		expect(after).toMatchObject({ status: 'ok', myValue: 99, myBand: 'q4' });
		expect(after.publishedAt > before.publishedAt).toBe(true);
	});
});
