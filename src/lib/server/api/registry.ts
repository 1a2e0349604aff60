/**
 * The endpoint registry of the JSON API. An endpoint is data: method, path, summary, required scope, zod
 * schemas for path parameters, query, body and response, and a handler. The dispatcher (dispatch.ts) validates
 * and authorises from it, and the OpenAPI document (openapi.ts) is generated from it, so the two cannot drift.
 *
 * To add endpoints: write a module under ./endpoints exporting an array of `defineEndpoint(...)` and add it to
 * `apiEndpoints` in ./index.ts.
 */
import type { z } from 'zod';
import type { Scope } from '../auth/api-tokens';
import type { Actor, Database } from '../db';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/** `public`: no token needed (a valid token still identifies the caller); `read`/`write`: the token's scope. */
export type EndpointScope = 'public' | Scope;

/** Who calls: a personal access token's owner and scopes, or nobody. */
export interface ApiCaller {
	user: { id: string; email: string };
	scopes: Scope[];
}

export interface HandlerContext<P, Q, B> {
	db: Database;
	/** The token's owner (null only on public endpoints called without a token). */
	actor: Actor | null;
	caller: ApiCaller | null;
	params: P;
	query: Q;
	body: B;
	request: Request;
	requestId?: string;
}

/** What a handler may return besides the body: a status (201…) and headers (Location…). */
export class ApiResult<T> {
	constructor(
		public body: T,
		public status = 200,
		public headers: Record<string, string> = {}
	) {}
}

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface EndpointDef<
	P extends AnyObject | undefined,
	Q extends AnyObject | undefined,
	B extends z.ZodType | undefined,
	R extends z.ZodType | undefined
> {
	method: HttpMethod;
	/** Relative to /api/v1, with OpenAPI-style parameters: '/organisations/{id}'. */
	path: string;
	operationId: string;
	/** One line, in French. */
	summary: string;
	/** Longer French text (the required permission is appended in the document). */
	description?: string;
	tags: string[];
	scope: EndpointScope;
	params?: P;
	query?: Q;
	body?: B;
	/**
	 * Top-level body fields that carry a file's text rather than a typed value: the dispatcher's NUL / lone
	 * surrogate check leaves them to the service, which first decides the file's type from its bytes (a program
	 * sent as « decp.json » is a 415 invalid_file_type, not a 400) and then checks the text itself.
	 */
	fileFields?: string[];
	/** The success body; leave out for 204 No Content. Must be registered with `apiOutput`. */
	response?: R;
	/**
	 * Other media types of the success response (a DOCX file…), documented next to the JSON one. The handler
	 * returns a ready `Response` for them, which the dispatcher passes through unchanged.
	 */
	produces?: { mediaType: string; description: string; headers?: Record<string, string> }[];
	/** Success status (default 200, or 204 without response). */
	status?: 200 | 201 | 202 | 204;
	/** Error statuses this endpoint can return besides the generic ones (400/401/403/404/415/500 are inferred). */
	errors?: number[];
	handler: (
		ctx: HandlerContext<Out<P>, Out<Q>, Out<B>>
	) => Promise<
		(R extends z.ZodType ? z.input<R> : void) | ApiResult<R extends z.ZodType ? z.input<R> : null> | Response
	>;
}

// The registry stores endpoints of every shape; handlers are only called with values their own schemas produced.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Endpoint = EndpointDef<any, any, any, any>;

export function defineEndpoint<
	P extends AnyObject | undefined = undefined,
	Q extends AnyObject | undefined = undefined,
	B extends z.ZodType | undefined = undefined,
	R extends z.ZodType | undefined = undefined
>(def: EndpointDef<P, Q, B, R>): Endpoint {
	return def as Endpoint;
}

export interface CompiledRoute {
	endpoint: Endpoint;
	regex: RegExp;
	paramNames: string[];
}

/** '/organisations/{id}/members/{userId}' → a regex with one capture per parameter. */
export function compilePath(path: string): { regex: RegExp; paramNames: string[] } {
	const paramNames: string[] = [];
	const pattern = path
		.split('/')
		.map((segment) => {
			const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
			if (m) {
				paramNames.push(m[1]);
				return '([^/]+)';
			}
			return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		})
		.join('/');
	return { regex: new RegExp(`^${pattern}$`), paramNames };
}

/** Checks the registry once (duplicate routes or operation ids, parameters that the schema does not declare). */
export function compileRegistry(endpoints: Endpoint[]): CompiledRoute[] {
	const seen = new Set<string>();
	const ids = new Set<string>();
	return endpoints.map((endpoint) => {
		const key = `${endpoint.method} ${endpoint.path}`;
		if (seen.has(key)) throw new Error(`API registry: duplicate route ${key}`);
		if (ids.has(endpoint.operationId)) throw new Error(`API registry: duplicate operationId ${endpoint.operationId}`);
		seen.add(key);
		ids.add(endpoint.operationId);
		const { regex, paramNames } = compilePath(endpoint.path);
		const declared = Object.keys(endpoint.params?.shape ?? {});
		if (declared.sort().join() !== [...paramNames].sort().join())
			throw new Error(`API registry: ${key} declares params [${declared}] but its path has [${paramNames}]`);
		return { endpoint, regex, paramNames };
	});
}

/** Finds the endpoint for a method and path; `allowed` lists the methods of the path when only the method is wrong. */
export function matchRoute(routes: CompiledRoute[], method: string, path: string) {
	const allowed: string[] = [];
	for (const route of routes) {
		const m = route.regex.exec(path);
		if (!m) continue;
		if (route.endpoint.method === method) {
			const params: Record<string, string> = {};
			route.paramNames.forEach((name, i) => {
				try {
					params[name] = decodeURIComponent(m[i + 1]);
				} catch {
					params[name] = m[i + 1];
				}
			});
			return { route, params, allowed };
		}
		allowed.push(route.endpoint.method);
	}
	return { route: null, params: {}, allowed };
}
