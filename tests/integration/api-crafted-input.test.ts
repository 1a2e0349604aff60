/**
 * Crafted input through the JSON API (issue 14, item 9), as an attacker with a real token sends it: a NUL byte, a
 * lone surrogate or bytes that are not UTF-8 in any string get a clear French 400 — never a 500 — and change
 * nothing; the body limit counts bytes, not characters. Every endpoint of the registry is swept, then the places
 * named by the review are checked one by one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { apiEndpoints, authenticateRequest, dispatchApi } from '../../src/lib/server/api';
import { MAX_BODY_BYTES } from '../../src/lib/server/api/http';
import { apiErrorSchema } from '../../src/lib/server/api/schemas';
import { readDecp } from '../../src/lib/server/decp/parse';
import { engines, openTestDb } from '../helpers/engines';
import { VALID_SIRET, createOrg, createUser } from '../helpers/factories';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NUL = '{"name":"Commune\\u0000Piège","kind":"commune"}';
const SURROGATE = '{"name":"Commune \\ud800 Piège","kind":"commune"}';
/** "Commune " then 0xC3 0x28 (not UTF-8) then the rest. */
const INVALID_UTF8 = new Uint8Array([
	...new TextEncoder().encode('{"name":"Commune '),
	0xc3,
	0x28,
	...new TextEncoder().encode('","kind":"commune"}')
]);

describe.each(engines)('crafted input through the API (%s)', (kind) => {
	let db: Database;
	let token: string;
	let orgId: string;

	async function call(method: string, path: string, body?: BodyInit, contentType = 'application/json') {
		const headers = new Headers({ authorization: `Bearer ${token}` });
		if (body !== undefined) headers.set('content-type', contentType);
		const request = new Request(`http://localhost/api/v1${path}`, { method, headers, body });
		const res = await dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
		const text = await res.text();
		const json: Body = text ? JSON.parse(text) : null;
		if (res.status >= 400) expect(apiErrorSchema.safeParse(json).success, `${method} ${path}: ${text}`).toBe(true);
		return { status: res.status, body: json };
	}

	const orgCount = async () =>
		(await db.query<{ n: number }>('select count(*)::int as n from public.organisations'))[0].n;

	beforeAll(async () => {
		db = await openTestDb(kind);
		const admin = await createUser(db, { displayName: 'Alice Admin' });
		orgId = (
			await createOrg(db, admin, { name: 'Commune d’Alice', siret: VALID_SIRET, siren: VALID_SIRET.slice(0, 9) })
		).id;
		token = (await createApiToken(db, admin, { name: 'attaque', scopes: ['read', 'write'] })).token;
	});
	afterAll(async () => {
		await db?.close();
	});

	it('organisation name: NUL, lone surrogate and invalid UTF-8 each get a French 400 and create nothing', async () => {
		const before = await orgCount();
		for (const body of [NUL, SURROGATE, INVALID_UTF8]) {
			const res = await call('POST', '/organisations', body);
			expect(res.status).toBe(400);
			expect(res.body.error.message).toMatch(/caractères non valables/);
		}
		expect(await orgCount()).toBe(before);
	});

	it('search and filters: %00 or broken percent-encoding in the query string is a 400', async () => {
		for (const q of ['%00', 'a%00b', '%C3%28', '%ED%A0%80']) {
			const res = await call('GET', `/resources?q=${q}`);
			expect(res.status, q).toBe(400);
			expect(res.body.error.message).toMatch(/caractères non valables/);
		}
		expect((await call('GET', '/resources?q=clause%20sociale')).status).toBe(200);
	});

	it('indicator comment with a NUL: 400, nothing stored', async () => {
		const [indicator] = await db.query<{ id: string }>(
			`select id from public.indicator_definitions order by code limit 1`
		);
		const res = await call(
			'PUT',
			`/organisations/${orgId}/indicator-values`,
			JSON.stringify({ indicatorId: indicator.id, year: 2024, value: 3, comment: 'Source\u0000 interne' })
		);
		expect(res.status).toBe(400);
		expect(res.body.error.details.fields).toEqual({ comment: expect.stringMatching(/caractères non valables/) });
		const stored = await db.query('select 1 from public.indicator_values where org_id = $1', [orgId]);
		expect(stored).toEqual([]);
		// The same value without the NUL is stored (the request itself was right).
		const ok = await call(
			'PUT',
			`/organisations/${orgId}/indicator-values`,
			JSON.stringify({ indicatorId: indicator.id, year: 2024, value: 3, comment: 'Source interne' })
		);
		expect(ok.status).toBe(201);
	});

	it('DECP JSON whose records hold an escaped NUL: a French 400 about the file, not a 500', async () => {
		const decp = JSON.stringify({
			marches: [{ id: 'M\\u0000-1', acheteur: { id: VALID_SIRET }, objet: 'Piège' }]
		}).replace('\\\\u0000', '\\u0000');
		expect(readDecp(decp).error).toMatch(/caractères non valables/);
		const res = await call(
			'POST',
			`/organisations/${orgId}/decp-imports`,
			JSON.stringify({ fileName: 'decp.json', content: decp })
		);
		expect(res.status).toBe(400);
		expect(res.body.error.message).toMatch(/caractères non valables/);
	});

	it('every endpoint of the registry: a NUL, a lone surrogate or invalid UTF-8 never gives a 500', async () => {
		const uuid = '00000000-0000-4000-8000-000000000000';
		for (const endpoint of apiEndpoints) {
			const path = endpoint.path.replace(/\{[^}]+\}/g, (m: string) =>
				m === '{id}' && endpoint.path.startsWith('/organisations') ? orgId : uuid
			);
			if (endpoint.method === 'GET') {
				const res = await call('GET', `${path}?q=%00&name=%ED%A0%80`);
				expect(res.status, `GET ${path}`).toBe(400);
				continue;
			}
			for (const body of [NUL, SURROGATE, INVALID_UTF8, '{"x":["\\u0000"],"\\u0000":1}']) {
				const res = await call(endpoint.method, path, body);
				expect(res.status, `${endpoint.method} ${path}`).toBe(400);
			}
		}
	});

	it('the body limit counts bytes: 600 000 « é » (1.2 MB, 600 000 characters) is a 413', async () => {
		const big = JSON.stringify({ name: 'é'.repeat(600_000), kind: 'commune' });
		expect(big.length).toBeLessThan(MAX_BODY_BYTES);
		expect(new TextEncoder().encode(big).byteLength).toBeGreaterThan(MAX_BODY_BYTES);
		const res = await call('POST', '/organisations', big);
		expect(res.status).toBe(413);
		// Without a Content-Length (a stream), the bytes read are counted too.
		const stream = new ReadableStream({
			start(c) {
				c.enqueue(new TextEncoder().encode(big));
				c.close();
			}
		});
		const request = new Request('http://localhost/api/v1/organisations', {
			method: 'POST',
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: stream,
			duplex: 'half'
		} as RequestInit);
		const streamed = await dispatchApi(request, { db, auth: await authenticateRequest(db, request) });
		expect(streamed.status).toBe(413);
	});
});
