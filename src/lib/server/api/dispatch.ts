/**
 * The API dispatcher: route → authentication and scope → validation → handler → JSON, with every failure
 * turned into `{ error: { code, message, details } }`. Framework-free (a Request in, a Response out), so the
 * integration tests call it directly against a real database.
 */
import { authenticateApiToken, type Scope } from '../auth/api-tokens';
import type { Database } from '../db';
import { AppError, invalidText, toAppError } from '$lib/server/kit/errors';
import { checkUrl, decodeUtf8, findBadString, readBytes } from '../input-guard';
import { log } from '$lib/server/kit/log';
import {
	API_PREFIX,
	MAX_BODY_BYTES,
	apiErrors,
	errorResponse,
	isJsonContentType,
	jsonResponse,
	validate
} from './http';
import { ApiResult, matchRoute, type ApiCaller, type CompiledRoute } from './registry';

/** none: no Authorization header; invalid: a header that is not a valid token; token: a valid token. */
export type ApiAuth = { kind: 'none' } | { kind: 'invalid' } | { kind: 'token'; caller: ApiCaller };

/**
 * From what the hook found (src/hooks.server.ts resolves bearer tokens on /api/*). Only a token counts: a
 * session cookie never authenticates an API call (no CSRF surface), and a header that did not resolve is
 * rejected rather than ignored.
 */
export function authFromLocals(
	request: Request,
	locals: { user: { id: string; email: string } | null; apiScopes: Scope[] | null }
): ApiAuth {
	if (!request.headers.has('authorization')) return { kind: 'none' };
	if (locals.user && locals.apiScopes)
		return {
			kind: 'token',
			caller: { user: { id: locals.user.id, email: locals.user.email }, scopes: locals.apiScopes }
		};
	return { kind: 'invalid' };
}

/** Resolves the Authorization header itself (for callers without the hook, such as tests and scripts). */
export async function authenticateRequest(db: Database, request: Request): Promise<ApiAuth> {
	const header = request.headers.get('authorization');
	if (header === null) return { kind: 'none' };
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	if (!m) return { kind: 'invalid' };
	const found = await authenticateApiToken(db, m[1]);
	return found ? { kind: 'token', caller: { user: found.user, scopes: found.scopes } } : { kind: 'invalid' };
}

export interface DispatchOptions {
	db: Database;
	auth: ApiAuth;
	requestId?: string;
	/** Check every success body against its response schema (tests): a mismatch becomes a 500. */
	strictResponses?: boolean;
	/** The compiled registry (see apiRoutes() in ./index). */
	routes: CompiledRoute[];
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** RFC 6750: no error code when no token was sent; invalid_token / insufficient_scope otherwise. */
function wwwAuthenticate(err: AppError, auth: ApiAuth): Record<string, string> {
	if (err.status === 401)
		return {
			'www-authenticate': auth.kind === 'invalid' ? 'Bearer realm="api", error="invalid_token"' : 'Bearer realm="api"'
		};
	if (err.code === 'insufficient_scope')
		return {
			'www-authenticate': `Bearer realm="api", error="insufficient_scope", scope="${String(err.details?.requiredScope ?? '')}"`
		};
	return {};
}

/**
 * The body: at most MAX_BODY_BYTES bytes (counted as read, whatever Content-Length says), strict UTF-8, JSON, and no
 * string holding a NUL or a lone surrogate (PostgreSQL cannot store them): 413, 415 or 400, never a 500.
 */
async function readJsonBody(
	request: Request,
	fileFields: readonly string[] = []
): Promise<{ present: boolean; value: unknown }> {
	const bytes = await readBytes(request, MAX_BODY_BYTES, apiErrors.payloadTooLarge);
	const text = decodeUtf8(bytes);
	if (text.trim() === '') return { present: false, value: undefined };
	if (!isJsonContentType(request.headers.get('content-type'))) throw apiErrors.unsupportedMediaType();
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw apiErrors.invalidJson();
	}
	const checked =
		fileFields.length && value && typeof value === 'object' && !Array.isArray(value)
			? Object.fromEntries(Object.entries(value).filter(([k]) => !fileFields.includes(k)))
			: value;
	const bad = findBadString(checked);
	if (bad) throw apiErrors.invalid({ [bad]: invalidText().message }, invalidText().message);
	return { present: true, value };
}

export async function handleApiRequest(request: Request, opts: DispatchOptions): Promise<Response> {
	const url = new URL(request.url);
	const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) || '/' : url.pathname;
	const head = request.method === 'HEAD';
	const method = head ? 'GET' : request.method.toUpperCase();
	let response: Response;
	try {
		checkUrl(url);
		response = await run(request, url, path, method, opts);
	} catch (e) {
		const err = toAppError(e);
		if (err.status >= 500)
			log.error('api error', {
				id: opts.requestId,
				method: request.method,
				path: url.pathname,
				error: String((e as Error)?.stack ?? e)
			});
		response = errorResponse(err.status >= 500 ? apiErrors.internal() : err, wwwAuthenticate(err, opts.auth));
	}
	return head ? new Response(null, { status: response.status, headers: response.headers }) : response;
}

async function run(request: Request, url: URL, path: string, method: string, opts: DispatchOptions): Promise<Response> {
	const { route, params: rawParams, allowed } = matchRoute(opts.routes, method, path);
	if (!route) {
		if (allowed.length) return errorResponse(apiErrors.methodNotAllowed(allowed), { allow: allowed.join(', ') });
		throw apiErrors.routeNotFound();
	}
	const endpoint = route.endpoint;

	// 1. Who calls, and may this token do this?
	if (opts.auth.kind === 'invalid') throw apiErrors.invalidToken();
	const caller = opts.auth.kind === 'token' ? opts.auth.caller : null;
	if (endpoint.scope !== 'public') {
		if (!caller) throw apiErrors.unauthenticated();
		if (!caller.scopes.includes(endpoint.scope)) throw apiErrors.insufficientScope(endpoint.scope);
	}

	// 2. The request's shape: body type first (415 whatever the values), then every value with French messages.
	const body = WRITE_METHODS.has(method)
		? await readJsonBody(request, endpoint.fileFields)
		: { present: false, value: undefined };
	const fields: Record<string, string> = {};
	const params = endpoint.params ? validate(endpoint.params, rawParams) : { ok: true as const, data: undefined };
	if (!params.ok) Object.assign(fields, params.fields);
	const query = endpoint.query
		? validate(endpoint.query, Object.fromEntries(url.searchParams))
		: { ok: true as const, data: undefined };
	if (!query.ok) Object.assign(fields, query.fields);
	let data: unknown = undefined;
	if (endpoint.body) {
		if (!body.present)
			throw apiErrors.invalid(
				{ _: 'Envoyez un objet JSON.' },
				'Le corps de la requête est vide : envoyez un objet JSON.'
			);
		const parsed = validate(endpoint.body, body.value);
		if (parsed.ok) data = parsed.data;
		else Object.assign(fields, parsed.fields);
	}
	if (Object.keys(fields).length) throw apiErrors.invalid(fields);

	// 3. The handler, under the caller's rights (the services run through withUser: RLS decides).
	const result = await endpoint.handler({
		db: opts.db,
		actor: caller ? { id: caller.user.id, email: caller.user.email } : null,
		caller,
		params: params.ok ? params.data : undefined,
		query: query.ok ? query.data : undefined,
		body: data,
		request,
		requestId: opts.requestId
	});
	// A file (see `produces`): passed through as the handler built it, never cached.
	if (result instanceof Response) {
		result.headers.set('cache-control', 'no-store');
		return result;
	}
	const out =
		result instanceof ApiResult
			? result
			: new ApiResult(result ?? null, endpoint.status ?? (endpoint.response ? 200 : 204));
	if (!endpoint.response) return jsonResponse(null, out.status === 200 ? 204 : out.status, out.headers);
	if (opts.strictResponses) {
		const check = endpoint.response.safeParse(out.body);
		if (!check.success)
			throw new Error(
				`API response of ${endpoint.operationId} does not match its schema: ${JSON.stringify(check.error.issues).slice(0, 2000)}`
			);
	}
	return jsonResponse(out.body, out.status, out.headers);
}
