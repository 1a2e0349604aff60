// Calls the JSON API in-process (dispatcher + real authentication against the test database), as integration
// tests of /api/v1 do: every error answer must follow the API's error schema.
import { expect } from 'vitest';
import { apiErrorSchema } from '../../src/lib/server/api/schemas';
import { authenticateRequest, dispatchApi } from '../../src/lib/server/api';
import type { Database } from '../../src/lib/server/db';

export type ApiBody = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function apiCall(
	db: Database,
	method: string,
	path: string,
	opts: { token?: string; body?: unknown } = {}
): Promise<{ status: number; body: ApiBody; headers: Headers }> {
	const headers = new Headers();
	if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
	let payload: string | undefined;
	if (opts.body !== undefined) {
		payload = JSON.stringify(opts.body);
		headers.set('content-type', 'application/json');
	}
	const request = new Request(`http://localhost/api/v1${path}`, { method, headers, body: payload });
	const res = await dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
	const text = await res.text();
	const body = text ? JSON.parse(text) : null;
	if (res.status >= 400)
		expect(apiErrorSchema.safeParse(body).success, `error body of ${method} ${path}: ${text}`).toBe(true);
	return { status: res.status, body, headers: res.headers };
}
