/**
 * Security crawler: every page, +server.ts endpoint, JSON API endpoint and form action of the app, requested as each persona
 * (anonymous, member of another collectivité, viewer, editor, admin, the network's animator, the animator of
 * another network, platform admin), against the expected status of tests/e2e/security-rules.ts. Routes are
 * discovered at run time (src/routes/** on disk — pages, +server.ts handlers and the `export const actions` of every
 * +page.server.ts —, /api/v1/openapi.json from the running app): a route without a rule, or a rule without a route,
 * fails the suite. A compact matrix (route × persona → status) is printed.
 *
 * Also here: a cross-site form POST is refused (CSRF), and a session cookie planted before login is never the
 * one used after it (session fixation).
 */
import { expect, test, type APIRequestContext, type APIResponse, type BrowserContext } from '@playwright/test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { logIn } from './helpers';
import {
	DEMO,
	DEMO_SPASER_TITLE,
	PERSONAS,
	PERSONA_EMAILS,
	RULES,
	type Expect,
	type FilePart,
	type Fixtures,
	type FormBody,
	type Persona,
	type Rule
} from './security-rules';

const ROUTES_DIR = join(process.cwd(), 'src', 'routes');
const PAGE_FILES = new Set(['+page.svelte', '+page.server.ts', '+page.ts']);
const METHOD_RE = /export\s+(?:const|async\s+function|function)\s+(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS|fallback)\b/g;

/** `METHOD pattern` of every page (GET) and +server.ts handler under src/routes, route groups removed. */
function discoverFileRoutes(): string[] {
	const found = new Set<string>();
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const full = join(dir, name);
			if (statSync(full).isDirectory()) {
				walk(full);
				continue;
			}
			const segments = relative(ROUTES_DIR, dir)
				.split(sep)
				.filter((s) => s !== '' && !/^\(.+\)$/.test(s)); // route ids as written ([id=uuid]): the rules name them so
			const pattern = '/' + segments.join('/');
			if (PAGE_FILES.has(name)) found.add(`GET ${pattern}`);
			if (name === '+server.ts' || name === '+server.js')
				for (const m of readFileSync(full, 'utf8').matchAll(METHOD_RE))
					found.add(`${m[1] === 'fallback' ? 'ANY' : m[1]} ${pattern}`);
		}
	};
	walk(ROUTES_DIR);
	return [...found];
}

/**
 * The names of the form actions of one +page.server.ts (`default` for a default action): the top-level keys of the
 * object literal assigned to `export const actions`, read by scanning the source text (comments and strings
 * skipped, brackets counted), so `name: async (e) => …`, `name(e) {…}`, `async name(e) {…}` and `name,` all count.
 */
export function actionNames(source: string): string[] {
	const start = /export\s+const\s+actions\b[^=]*=\s*\{/.exec(source);
	if (!start) return [];
	const names: string[] = [];
	let i = start.index + start[0].length;
	let depth = 1;
	let atKey = true;
	while (i < source.length && depth > 0) {
		const c = source[i];
		if (c === '/' && source[i + 1] === '/') {
			const end = source.indexOf('\n', i);
			i = end < 0 ? source.length : end;
		} else if (c === '/' && source[i + 1] === '*') {
			i = source.indexOf('*/', i + 2) + 2;
		} else if (c === '"' || c === "'" || c === '`') {
			let j = i + 1;
			while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
			i = j + 1;
			atKey = false;
		} else if ('{[('.includes(c)) {
			depth++;
			i++;
			atKey = false;
		} else if ('}])'.includes(c)) {
			depth--;
			i++;
		} else if (depth === 1 && c === ',') {
			atKey = true;
			i++;
		} else if (depth === 1 && atKey && /[A-Za-z_$]/.test(c)) {
			const key = /^(?:async\s+)?([A-Za-z_$][\w$]*)/.exec(source.slice(i))!;
			names.push(key[1]);
			atKey = false;
			i += key[0].length;
		} else i++;
	}
	return names;
}

/** `POST pattern?/name` of every form action under src/routes (`POST pattern` for a default action). */
function discoverActions(): string[] {
	const found: string[] = [];
	const walk = (dir: string) => {
		for (const name of readdirSync(dir)) {
			const full = join(dir, name);
			if (statSync(full).isDirectory()) walk(full);
			else if (name === '+page.server.ts' || name === '+page.server.js') {
				const segments = relative(ROUTES_DIR, dir)
					.split(sep)
					.filter((s) => s !== '' && !/^\(.+\)$/.test(s)); // route ids as written ([id=uuid]), as the rules name them
				for (const action of actionNames(readFileSync(full, 'utf8')))
					found.push(`POST /${segments.join('/')}${action === 'default' ? '' : `?/${action}`}`);
			}
		}
	};
	walk(ROUTES_DIR);
	return found;
}

interface OpenApiOperation {
	requestBody?: unknown;
}
type OpenApi = { paths: Record<string, Record<string, OpenApiOperation>> };

/** `METHOD /api/v1/path` of every operation in the served OpenAPI document, with whether it takes a body. */
function discoverApiRoutes(doc: OpenApi): Map<string, { hasBody: boolean }> {
	const out = new Map<string, { hasBody: boolean }>();
	for (const [path, ops] of Object.entries(doc.paths))
		for (const [method, op] of Object.entries(ops))
			if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
				out.set(`${method.toUpperCase()} /api/v1${path}`, { hasBody: !!op.requestBody });
	return out;
}

function fill(path: string, fixtures: Fixtures): string {
	return path.replace(
		/:(version|request|node|draft)\b/g,
		(_, k: 'version' | 'request' | 'node' | 'draft') => fixtures[k]
	);
}

const isRefusal = (e: Expect) => typeof e === 'number' && e >= 401 && e < 500 && e !== 400;

interface Cell {
	expected: Expect;
	actual: string;
	ok: boolean;
}

async function createToken(ctx: BrowserContext, baseURL: string, name: string): Promise<string> {
	const res = await ctx.request.post('/compte?/createToken', {
		headers: { origin: baseURL, 'x-sveltekit-action': 'true', 'content-type': 'application/x-www-form-urlencoded' },
		data: new URLSearchParams([
			['name', name],
			['scopes[]', 'read'],
			['scopes[]', 'write']
		]).toString()
	});
	expect(res.status()).toBe(200);
	const text = await res.text();
	const token = /spc_[A-Za-z0-9_-]+/.exec(text)?.[0];
	expect(token, `the account page returns the new token once: ${text.slice(0, 500)}`).toBeTruthy();
	return token!;
}

test('every route and API endpoint answers each persona as its rule says', async ({ browser, playwright, baseURL }) => {
	test.setTimeout(240_000);
	const started = Date.now();

	// 1. Discovery against the rules table.
	const anonApi = await playwright.request.newContext({ baseURL });
	const openapi = (await (await anonApi.get('/api/v1/openapi.json')).json()) as OpenApi;
	const api = discoverApiRoutes(openapi);
	const actions = discoverActions();
	expect(actions.length, 'form actions found under src/routes').toBeGreaterThan(100);
	const discovered = new Set([...discoverFileRoutes(), ...api.keys(), ...actions]);
	const missing = [...discovered].filter((k) => !(k in RULES)).sort();
	const obsolete = Object.keys(RULES)
		.filter((k) => !discovered.has(k))
		.sort();
	expect(missing, 'routes and form actions without a rule in tests/e2e/security-rules.ts (add one line each)').toEqual(
		[]
	);
	expect(obsolete, 'rules naming a route or form action that no longer exists (remove them)').toEqual([]);

	// 2. One logged-in browser context and one API token per persona (anon: none of either).
	const sessions = new Map<Persona, { ctx: BrowserContext; api: APIRequestContext }>();
	const anonCtx = await browser.newContext();
	sessions.set('anon', { ctx: anonCtx, api: anonApi });
	for (const persona of PERSONAS) {
		if (persona === 'anon') continue;
		const ctx = await browser.newContext();
		const page = await ctx.newPage();
		await logIn(page, PERSONA_EMAILS[persona]);
		await page.close();
		const token = await createToken(ctx, baseURL!, `Crawler de sécurité ${persona} ${Date.now()}`);
		sessions.set(persona, {
			ctx,
			api: await playwright.request.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } })
		});
	}

	// 3. Fixtures, as admin@ (additive only): a named version of the demo SPASER, a Guichet question, an invitation,
	// a comment, an import draft.
	const admin = sessions.get('admin')!.api;
	const versions = await admin.get(`/api/v1/spasers/${DEMO.spaser}/versions`);
	expect(versions.status()).toBe(200);
	let versionId = ((await versions.json()).items as { id: string }[])[0]?.id;
	if (!versionId) {
		const created = await admin.post(`/api/v1/spasers/${DEMO.spaser}/versions`, {
			data: { name: 'Version du crawler de sécurité' }
		});
		expect(created.status()).toBe(201);
		versionId = (await created.json()).id;
	}
	const question = await admin.post(`/api/v1/networks/${DEMO.network}/guichet/questions`, {
		data: {
			orgId: DEMO.org,
			topic: 'Crawler de sécurité',
			stage: 'spaser',
			question: 'Une question pour vérifier les droits d’accès.'
		}
	});
	expect(question.status(), await question.text()).toBe(201);
	const exported = await admin.get(`/api/v1/spasers/${DEMO.spaser}/export`);
	expect(exported.status()).toBe(200);
	const nodes = await admin.get(`/api/v1/spasers/${DEMO.spaser}/nodes`);
	expect(nodes.status()).toBe(200);
	const node = ((await nodes.json()).items as { id: string }[])[0]?.id;
	expect(node, 'the demo SPASER has at least one element').toBeTruthy();
	const invited = await admin.post(`/api/v1/organisations/${DEMO.org}/invitations`, {
		data: { email: `invitation.crawler.${Date.now()}@exemple.test`, role: 'viewer' }
	});
	expect(invited.status(), await invited.text()).toBe(201);
	// (through admin@'s forms: a comment on the demo SPASER, an import draft of Val d'Aurence)
	const adminCtx = sessions.get('admin')!.ctx;
	const enhanced = { origin: baseURL!, accept: 'application/json', 'x-sveltekit-action': 'true' };
	const commented = await adminCtx.request.post(`/spaser/${DEMO.spaser}?/comment`, {
		form: { nodeId: node, body: 'Commentaire du crawler de sécurité' },
		headers: enhanced
	});
	const comment = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/.exec(
		((await commented.json()) as { data?: string }).data ?? ''
	)?.[0];
	expect(comment, 'admin@ comments on the demo SPASER').toBeTruthy();
	const drafted = await postAction(
		adminCtx,
		`/collectivites/${DEMO.orgSlug}/spaser/importer/document`,
		{ text: 'SPASER du crawler\n\nAxe 1 : achats sociaux' },
		baseURL!
	);
	const draft = /\/importer\/document\/([0-9a-f-]{36})$/.exec(drafted.location)?.[1];
	expect(draft, `admin@ starts an import (${drafted.status} ${drafted.location})`).toBeTruthy();
	const fixtures: Fixtures = {
		version: versionId,
		request: (await question.json()).id,
		node,
		invitation: (await invited.json()).id,
		comment: comment!,
		draft: draft!,
		spaserExport: await exported.json()
	};

	// 4. The crawl: rules in order, personas in parallel; no redirect followed.
	const matrix = new Map<string, Map<Persona, Cell>>();
	for (const [key, rule] of Object.entries(RULES)) {
		if (rule.kind === 'skip') continue;
		const method = key.split(' ')[0];
		const row = new Map<Persona, Cell>();
		matrix.set(key, row);
		await Promise.all(
			PERSONAS.map(async (persona) => {
				const expected = rule.expect[persona];
				const cell =
					rule.kind === 'action'
						? await probeAction(rule, persona, expected, sessions.get(persona)!.ctx, fixtures, baseURL!)
						: await probe(
								rule,
								method,
								persona,
								expected,
								sessions.get(persona)!,
								fixtures,
								api.get(key)?.hasBody ?? false
							);
				if (cell) row.set(persona, cell);
			})
		);
	}

	// 5. Report: the matrix, then every mismatch at once.
	const keyWidth = Math.max(...[...matrix.keys()].map((k) => k.length));
	const head = ['route'.padEnd(keyWidth), ...PERSONAS.map((p) => p.slice(0, 9).padStart(9))].join(' ');
	const lines = [head];
	const failures: string[] = [];
	let cells = 0;
	let actionCells = 0;
	let actionSkipped = 0;
	let actionRows = 0;
	for (const [key, row] of matrix) {
		const isAction = RULES[key].kind === 'action';
		if (isAction) actionRows++;
		lines.push(
			[
				key.padEnd(keyWidth),
				...PERSONAS.map((p) => {
					const c = row.get(p);
					if (!c) {
						if (isAction) actionSkipped++;
						return '—'.padStart(9);
					}
					if (isAction) actionCells++;
					else cells++;
					if (!c.ok) failures.push(`${key} as ${p}: expected ${c.expected}, got ${c.actual}`);
					return `${c.ok ? '' : '✗'}${c.actual}`.padStart(9);
				})
			].join(' ')
		);
	}
	const actionFailures = failures.filter((f) => RULES[f.slice(0, f.lastIndexOf(' as '))]?.kind === 'action').length;
	lines.push(
		`${matrix.size - actionRows} routes × ${PERSONAS.length} personas: ${cells} requests checked, ${failures.length - actionFailures} mismatches`,
		`${actionRows} form actions × ${PERSONAS.length} personas: ${actionCells} requests checked (${actionSkipped} allowed but not sent: no invalid form exists), ${actionFailures} mismatches`,
		`${Math.round((Date.now() - started) / 1000)} s`
	);
	console.log(lines.join('\n'));

	// 6. Where a status of 200 is by design (RLS filters rows), nothing of Val d'Aurence's private data shows through.
	const outsider = sessions.get('outsider')!;
	const members = await (await outsider.api.get(`/api/v1/organisations/${DEMO.org}/members`)).json();
	expect(members.items, 'another collectivité sees none of its members').toEqual([]);
	const membersPage = await (await outsider.ctx.request.get(`/collectivites/${DEMO.orgSlug}/membres`)).text();
	expect(membersPage).not.toContain(PERSONA_EMAILS.viewer);
	const registrations = JSON.stringify(
		await (await outsider.api.get(`/api/v1/events/${DEMO.event}/registrations`)).json()
	);
	expect(registrations).toContain(DEMO.outsiderOrg); // its own collectivité's registration…
	expect(registrations).not.toContain(DEMO.org); // …none of Val d'Aurence's
	expect(registrations).not.toContain(DEMO.registration);
	const spasers = JSON.stringify(await (await outsider.api.get(`/api/v1/organisations/${DEMO.org}/spasers`)).json());
	expect(spasers).not.toContain(DEMO.spaser);

	// 7. Nothing of the demo data was written by the crawl (refused personas were refused, allowed ones sent invalid
	// forms): Val d'Aurence keeps its three members and their roles, its SPASER, its network membership, the forum
	// its programme and admin@'s registration, the clause its public visibility and network share.
	const members2 = (await (await admin.get(`/api/v1/organisations/${DEMO.org}/members`)).json()).items as {
		email: string;
		role: string;
	}[];
	expect(Object.fromEntries(members2.map((m) => [m.email, m.role]))).toEqual({
		[PERSONA_EMAILS.admin]: 'admin',
		[PERSONA_EMAILS.editor]: 'editor',
		[PERSONA_EMAILS.viewer]: 'viewer'
	});
	const demoSpaser = await admin.get(`/api/v1/spasers/${DEMO.spaser}`);
	expect(demoSpaser.status()).toBe(200);
	expect((await demoSpaser.json()).title).toBe(DEMO_SPASER_TITLE);
	const memberships = (await (await admin.get(`/api/v1/networks/${DEMO.network}/memberships`)).json()).items as {
		id: string;
		status: string;
	}[];
	expect(memberships.find((m) => m.id === DEMO.orgMembership)?.status).toBe('approved');
	const forum = await (await sessions.get('animator')!.api.get(`/api/v1/events/${DEMO.event}`)).json();
	expect(forum.status).toBe('published');
	expect(JSON.stringify(forum)).toContain(DEMO.eventSession);
	const regs = JSON.stringify(await (await admin.get(`/api/v1/events/${DEMO.event}/registrations`)).json());
	expect(regs).toContain(DEMO.registration);
	expect(regs).not.toContain('"cancelled"');
	const clause = await (await anonApi.get(`/api/v1/resources/${DEMO.resource}`)).json();
	expect(clause.visibility).toBe('public');

	for (const s of sessions.values()) await s.api.dispose();
	for (const [p, s] of sessions) if (p !== 'anon') await s.ctx.close();
	await anonCtx.close();
	expect(failures, 'access-rule mismatches (route as persona: expected, got)').toEqual([]);
});

/** One request of one rule as one persona; null when the persona is not sent this request (allowed no-body write). */
async function probe(
	rule: Exclude<Rule, { kind: 'skip' }>,
	method: string,
	persona: Persona,
	expected: Expect,
	session: { ctx: BrowserContext; api: APIRequestContext },
	fixtures: Fixtures,
	hasBody: boolean
): Promise<Cell | null> {
	const path = fill(rule.path, fixtures);
	let res: APIResponse;
	if (rule.kind === 'page') {
		res = await session.ctx.request.get(path, { maxRedirects: 0 });
		const status = res.status();
		const location = res.headers()['location'] ?? '';
		if (expected === 'login') {
			const ok = status === 303 && location.startsWith('/connexion?redirect=');
			return { expected, actual: status === 303 && location.startsWith('/connexion') ? 'login' : String(status), ok };
		}
		return {
			expected,
			actual: status === 303 && location.startsWith('/connexion') ? 'login' : String(status),
			ok: status === expected
		};
	}
	const url = `/api/v1${path}`;
	if (rule.kind === 'read') {
		res = await session.api.get(url, { maxRedirects: 0 });
		return { expected, actual: String(res.status()), ok: res.status() === expected };
	}
	// write: refused personas get the valid body and must be refused; allowed ones an invalid body (→ 400).
	if (expected === 'OK') {
		if (!hasBody) return null;
		res = await session.api.fetch(url, { method, data: [], maxRedirects: 0 });
		return { expected, actual: res.status() === 400 ? 'OK' : String(res.status()), ok: res.status() === 400 };
	}
	const body = typeof rule.body === 'function' ? rule.body(fixtures) : rule.body;
	res = await session.api.fetch(url, { method, ...(body === undefined ? {} : { data: body }), maxRedirects: 0 });
	const ok = res.status() === expected && isRefusal(expected);
	return { expected, actual: String(res.status()), ok };
}

/**
 * One form action as one persona: the form POST a browser sends (the persona's session cookie, the app's own Origin,
 * url-encoded or multipart), no redirect followed. Refused personas send the VALID form and must get the expected
 * refusal; allowed ones (`OK`) send the rule's invalid form and must get 400 — or are not sent anything when the
 * action has no invalid form (it would be performed).
 *
 * The status compared is the ACTION's own outcome, asked for the way `use:enhance` does (`x-sveltekit-action`):
 * SvelteKit then answers `{ type: 'failure' | 'success' | 'redirect', status }` (HTTP 200) or, for `error()`, the
 * error's HTTP status — and runs no page load. A plain non-enhanced POST (tested below) answers the same statuses
 * while the page's load passes, but renders the page afterwards: when the load refuses the persona (a collectivité
 * it does not see, an organiser's page…), its 403/404 REPLACES the action's outcome — a successful write or a 500
 * would be hidden behind it. Measured on this app: `fail(403)` → 403, `error(404)` → 404, `redirect(303)` → 303 in
 * both modes, and a viewer's `fail(400)` on /evenements/[id=uuid]/modifier?/group answered 403 (the page's refusal) by the
 * plain POST — see the test « a plain (non-enhanced) form POST… » below.
 */
async function probeAction(
	rule: Extract<Rule, { kind: 'action' }>,
	persona: Persona,
	expected: Expect,
	ctx: BrowserContext,
	fixtures: Fixtures,
	baseURL: string
): Promise<Cell | null> {
	const allowed = expected === 'OK';
	if (allowed && rule.invalid === null) return null;
	const body = allowed ? rule.invalid! : typeof rule.body === 'function' ? rule.body(fixtures) : rule.body;
	const { status, location } = await postAction(ctx, fill(rule.path, fixtures), body, baseURL);
	const login = status === 303 && /^(?:https?:\/\/[^/]+)?\/connexion\?redirect=/.test(location);
	const actual = login ? 'login' : allowed && status === 400 ? 'OK' : String(status);
	return { expected, actual, ok: actual === String(expected) };
}

/** Submits a form to a SvelteKit action as `use:enhance` does; returns the action's own status (and redirect target). */
async function postAction(
	ctx: BrowserContext,
	path: string,
	body: FormBody,
	baseURL: string
): Promise<{ status: number; location: string }> {
	const payload = formPayload(body);
	const headers: Record<string, string> = { origin: baseURL, accept: 'application/json', 'x-sveltekit-action': 'true' };
	if ('data' in payload) headers['content-type'] = 'application/x-www-form-urlencoded';
	// A refusal answered before the body is read (login redirect, 401) may leave the kept-alive socket closed under
	// the next request: that one is sent again, once, on a reset connection (refused or invalid: nothing written).
	const send = () => ctx.request.post(path, { ...payload, headers, maxRedirects: 0 });
	const res = await send().catch((e: Error) =>
		/ECONNRESET|socket hang up/.test(e.message) ? send() : Promise.reject(e)
	);
	if (res.status() !== 200) return { status: res.status(), location: res.headers()['location'] ?? '' };
	const result = (await res.json()) as { type: string; status?: number; location?: string };
	return { status: result.type === 'success' ? 200 : (result.status ?? 0), location: result.location ?? '' };
}

/** A form body as Playwright sends it: multipart when a field is a file, url-encoded otherwise (arrays repeat the key). */
function formPayload(body: FormBody): { multipart: Record<string, string | FilePart> } | { data: string } {
	const entries = Object.entries(body);
	if (entries.some(([, v]) => typeof v === 'object' && !Array.isArray(v))) {
		const multipart: Record<string, string | FilePart> = {};
		for (const [k, v] of entries) multipart[k] = Array.isArray(v) ? v.join(',') : v;
		return { multipart };
	}
	const params = new URLSearchParams();
	for (const [k, v] of entries) for (const one of Array.isArray(v) ? v : [v as string]) params.append(k, one);
	return { data: params.toString() };
}

test("a plain (non-enhanced) form POST answers the action's status, unless the page load then refuses the person", async ({
	browser,
	baseURL
}) => {
	const plain = (ctx: BrowserContext, path: string, form: Record<string, string>) =>
		ctx.request.post(path, { form, headers: { origin: baseURL!, accept: 'text/html' }, maxRedirects: 0 });
	const viewer = await browser.newContext();
	await logIn(await viewer.newPage(), PERSONA_EMAILS.viewer);
	const anon = await browser.newContext();
	const invite = `/collectivites/${DEMO.orgSlug}/membres?/invite`;
	// fail(403): the viewer may not invite; the members' page renders with that status
	expect((await plain(viewer, invite, { email: 'intrus@demo.spaser.test', role: 'admin' })).status()).toBe(403);
	// fail(400): an invalid form
	expect((await plain(viewer, invite, { email: '', role: 'admin' })).status()).toBe(400);
	// redirect(303): the anonymous visitor is sent to the login page
	const login = await plain(anon, invite, { email: 'intrus@demo.spaser.test', role: 'admin' });
	expect(login.status()).toBe(303);
	expect(login.headers()['location']).toMatch(/^\/connexion\?redirect=/);
	// error(404): Val d'Aurence's indicators, for someone who is not its member
	const outsider = await browser.newContext();
	await logIn(await outsider.newPage(), PERSONA_EMAILS.outsider);
	expect((await plain(outsider, `/indicateurs?/save&org=${DEMO.orgSlug}`, { year: '2025' })).status()).toBe(404);
	// …but the page is rendered after the action: the organiser's page refuses the viewer (its GET status), and
	// that status replaces the action's own fail(400) — which is why the crawler reads the action's outcome itself.
	const group = `/evenements/${DEMO.event}/modifier?/group`;
	const pageStatus = (await viewer.request.get(`/evenements/${DEMO.event}/modifier`, { maxRedirects: 0 })).status();
	expect(pageStatus).toBe(403);
	expect((await plain(viewer, group, { title: '' })).status()).toBe(pageStatus);
	const own = await viewer.request.post(group, {
		form: { title: '' },
		headers: { origin: baseURL!, 'x-sveltekit-action': 'true', accept: 'application/json' }
	});
	expect(await own.json()).toMatchObject({ type: 'failure', status: 400 });
	for (const c of [viewer, anon, outsider]) await c.close();
});

test('a cross-site form POST is refused (CSRF)', async ({ browser, baseURL }) => {
	const ctx = await browser.newContext();
	const page = await ctx.newPage();
	await logIn(page, PERSONA_EMAILS.admin);
	for (const [path, form] of [
		['/compte?/createToken', { name: 'Jeton volé', scopes: 'write' }],
		[`/collectivites/${DEMO.orgSlug}/membres?/invite`, { email: 'pirate@exemple.test', role: 'admin' }],
		['/deconnexion', {}]
	] as const) {
		const foreign = await ctx.request.post(path, {
			form,
			headers: { origin: 'https://pirate.exemple.test' },
			maxRedirects: 0
		});
		expect(foreign.status(), `${path} from a foreign origin`).toBe(403);
		expect(await foreign.text()).toMatch(/Cross-site/i);
	}
	// Still signed in (the forged logout did nothing), and no token was created by the forged form.
	await page.goto('/compte');
	await expect(page.getByText('Jeton volé')).toHaveCount(0);
	await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
	expect(page.url()).toContain('/compte');
	// The same form from the app's own origin goes through (the refusal above is about the origin only).
	const same = await ctx.request.post('/compte?/createToken', {
		form: { name: 'Jeton légitime' },
		headers: { origin: baseURL!, 'x-sveltekit-action': 'true' }
	});
	expect(same.status()).toBe(200);
	expect(await same.text()).toContain('spc_');
	await ctx.close();
});

test('a session cookie planted before login is never the session after it (fixation)', async ({ browser, baseURL }) => {
	const sessionCookie = async (ctx: BrowserContext) => (await ctx.cookies()).find((c) => c.name === 'spaser_session');
	const settings = `/spaser/${DEMO.spaser}`; // admin@ reads it, achats.metropole@ does not

	// The attacker's own valid session, and a made-up value.
	const attacker = await browser.newContext();
	await logIn(await attacker.newPage(), PERSONA_EMAILS.outsider);
	const attackerCookie = await sessionCookie(attacker);
	expect(attackerCookie?.httpOnly, 'the session cookie is httpOnly').toBe(true);

	const { hostname } = new URL(baseURL!);
	for (const planted of [attackerCookie!.value, 'fixe-par-un-attaquant-0123456789abcdef']) {
		const victim = await browser.newContext();
		await victim.addCookies([
			{ name: 'spaser_session', value: planted, domain: hostname, path: '/', httpOnly: true, sameSite: 'Lax' }
		]);
		// The victim signs in through the login form with the planted cookie in the jar.
		const login = await victim.request.post('/connexion', {
			form: { email: PERSONA_EMAILS.admin, password: 'Demo-Spaser-2026!' },
			headers: { origin: baseURL!, accept: 'text/html' },
			maxRedirects: 0
		});
		expect(login.status()).toBe(303);
		const after = await sessionCookie(victim);
		expect(after?.value, 'a new session cookie is issued at login').toBeTruthy();
		expect(after!.value).not.toBe(planted);
		expect((await victim.request.get(settings, { maxRedirects: 0 })).status()).toBe(200);
		await victim.close();
	}

	// The attacker's cookie still designates the attacker only: it never gained the victim's rights.
	expect((await attacker.request.get(settings, { maxRedirects: 0 })).status()).toBe(404);
	await attacker.close();
});
