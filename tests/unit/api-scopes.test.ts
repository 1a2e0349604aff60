// API tokens are scoped (issue 8): every endpoint of /api/v1 declares its scope, every endpoint that changes
// something needs "write", and the few exceptions are named here with their reason — a new endpoint cannot be
// left readable by a read-only token by mistake. (The dispatcher's enforcement of scopes is tested through the
// API in tests/integration/api.test.ts: 403 insufficient_scope.)
import { describe, expect, it } from 'vitest';
import { apiEndpoints } from '../../src/lib/server/api';

/**
 * Non-GET endpoints that change nothing, with why a read token may call them. None today: even the SPASER
 * document dry run (POST /spasers/import-document/preview) needs write, since it makes the server parse a file.
 */
const NON_GET_WITHOUT_WRITE: Record<string, string> = {};
/**
 * Endpoints open without a token (a token, if sent, still identifies the caller): what the site shows anonymous
 * visitors — the document itself, networks, public events and resources (RLS filters what each caller sees).
 */
const PUBLIC: string[] = [
	'GET /openapi.json',
	'GET /events',
	'GET /events/{id}',
	'GET /networks',
	'GET /networks/{id}',
	'GET /resources',
	'GET /resources/{id}'
];

describe('API scopes', () => {
	const key = (e: { method: string; path: string }) => `${e.method} ${e.path}`;

	it('every endpoint declares public, read or write', () => {
		for (const e of apiEndpoints) expect(['public', 'read', 'write'], key(e)).toContain(e.scope);
	});

	it('every endpoint that is not a GET needs the write scope, except the listed dry runs', () => {
		const wrong = apiEndpoints
			.filter((e) => e.method !== 'GET' && e.scope !== 'write' && !(key(e) in NON_GET_WITHOUT_WRITE))
			.map(key);
		expect(wrong).toEqual([]);
		for (const k of Object.keys(NON_GET_WITHOUT_WRITE)) {
			const e = apiEndpoints.find((x) => key(x) === k);
			expect(e, `${k} is listed but no longer exists`).toBeTruthy();
			expect(e!.scope, k).toBe('read');
		}
	});

	it('GET endpoints never need write, and only the listed ones are public', () => {
		expect(apiEndpoints.filter((e) => e.method === 'GET' && e.scope === 'write').map(key)).toEqual([]);
		expect(
			apiEndpoints
				.filter((e) => e.scope === 'public')
				.map(key)
				.sort()
		).toEqual([...PUBLIC].sort());
	});
});
