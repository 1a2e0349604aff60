/**
 * The JSON API (/api/v1), end to end below HTTP: real Request objects go through the real dispatcher, real
 * personal access tokens (createApiToken) are resolved by the same code as in production, and the services run
 * on a real database of each engine (PGlite and PostgreSQL 15), so row-level security decides.
 * Every success body is checked against its response schema (strictResponses) and every error body against the
 * error schema. The generated OpenAPI document is checked structurally at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { asService, type Database } from '../../src/lib/server/db';
import { createApiToken, revokeApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	apiEndpoints,
	apiRoutes,
	authenticateRequest,
	authFromLocals,
	dispatchApi,
	getOpenApiDocument
} from '../../src/lib/server/api';
import { handleApiRequest } from '../../src/lib/server/api/dispatch';
import { compileRegistry, defineEndpoint, matchRoute } from '../../src/lib/server/api/registry';
import { apiErrorSchema } from '../../src/lib/server/api/schemas';
import { engines, openTestDb } from '../helpers/engines';
import {
	INVALID_SIREN,
	VALID_SIREN,
	VALID_SIRET,
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	outbox,
	uniqueEmail,
	type TestUser
} from '../helpers/factories';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface CallOptions {
	token?: string;
	body?: unknown;
	rawBody?: string;
	headers?: Record<string, string>;
}

interface CallResult {
	status: number;
	headers: Headers;
	body: Body;
	text: string;
}

describe.each(engines)('API v1 (%s)', (kind) => {
	let db: Database;
	let alice: TestUser; // admin of orgA
	let bob: TestUser; // editor of orgA
	let carol: TestUser; // no collectivité
	let anna: TestUser; // animator of the network
	let pam: TestUser; // platform admin
	let orgA: { id: string; slug: string };
	let network: { id: string; slug: string };
	const tokens: Record<string, string> = {};

	async function token(user: TestUser, scopes: Scope[]) {
		return (await createApiToken(db, user, { name: `test ${scopes.join('+')}`, scopes })).token;
	}

	/** One API call through the real dispatcher, authenticated from the Authorization header. */
	async function call(method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
		const headers = new Headers(opts.headers);
		if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
		let payload: string | undefined = opts.rawBody;
		if (opts.body !== undefined) {
			payload = JSON.stringify(opts.body);
			if (!headers.has('content-type')) headers.set('content-type', 'application/json');
		}
		const request = new Request(`http://localhost/api/v1${path}`, { method, headers, body: payload });
		const auth = await authenticateRequest(db, request);
		const res = await dispatchApi(request, { db, auth, strictResponses: true });
		const text = await res.text();
		const body = text ? JSON.parse(text) : null;
		expect(res.headers.get('cache-control')).toBe('no-store');
		if (res.status >= 400) {
			expect(apiErrorSchema.safeParse(body).success, `error body of ${method} ${path}: ${text}`).toBe(true);
			expect(body.error.message).toMatch(/[a-zé]/);
		}
		return { status: res.status, headers: res.headers, body, text };
	}

	beforeAll(async () => {
		db = await openTestDb(kind);
		[alice, bob, carol, anna, pam] = await Promise.all([
			createUser(db, { displayName: 'Alice Admin' }),
			createUser(db, { displayName: 'Bob Rédacteur' }),
			createUser(db, { displayName: 'Carol Seule' }),
			createUser(db, { displayName: 'Anna Animatrice' }),
			createUser(db, { displayName: 'Pam Plateforme', platformAdmin: true })
		]);
		orgA = await createOrg(db, alice, 'Commune d’Alice');
		await addMember(db, orgA.id, bob, 'editor');
		network = await createNetwork(db, pam, 'Réseau Test Sud');
		await addAnimatorDirect(db, network.id, anna);
		tokens.alice = await token(alice, ['read', 'write']);
		tokens.aliceRead = await token(alice, ['read']);
		tokens.aliceWrite = await token(alice, ['write']);
		tokens.bob = await token(bob, ['read', 'write']);
		tokens.carol = await token(carol, ['read', 'write']);
		tokens.anna = await token(anna, ['read', 'write']);
		tokens.pam = await token(pam, ['read', 'write']);
	});

	afterAll(async () => {
		await db?.close();
	});

	describe('authentication and scopes', () => {
		it('refuses a call without a token (401 unauthenticated, WWW-Authenticate)', async () => {
			const r = await call('GET', '/me');
			expect(r.status).toBe(401);
			expect(r.body.error.code).toBe('unauthenticated');
			expect(r.body.error.message).toContain('Bearer');
			expect(r.headers.get('www-authenticate')).toBe('Bearer realm="api"');
		});

		it('refuses malformed, unknown, non-bearer, revoked and expired tokens', async () => {
			const malformed = await call('GET', '/me', { token: 'spc_nope' });
			expect(malformed.status).toBe(401);
			expect(malformed.headers.get('www-authenticate')).toBe('Bearer realm="api", error="invalid_token"');
			expect((await call('GET', '/me', { token: `spc_${'a'.repeat(16)}_${'b'.repeat(32)}` })).status).toBe(401);
			expect((await call('GET', '/me', { headers: { authorization: `Basic ${btoa('a:b')}` } })).status).toBe(401);
			const revoked = await createApiToken(db, carol, { name: 'révoqué', scopes: ['read'] });
			expect((await call('GET', '/me', { token: revoked.token })).status).toBe(200);
			await revokeApiToken(db, carol, revoked.id);
			const r = await call('GET', '/me', { token: revoked.token });
			expect(r.status).toBe(401);
			expect(r.body.error.message).toContain('révoqué');
			const expired = await createApiToken(db, carol, { name: 'expiré', scopes: ['read'], expiresInDays: 1 });
			await asService(db, 'test: expire token', (tx) =>
				tx.query(`update public.api_tokens set expires_at = now() - interval '1 minute' where id = $1`, [expired.id])
			);
			expect((await call('GET', '/me', { token: expired.token })).status).toBe(401);
		});

		it('a wrong token is refused even on a public endpoint', async () => {
			const r = await call('GET', '/networks', { token: 'spc_nope' });
			expect(r.status).toBe(401);
		});

		it('read endpoints need "read", writes need "write" (403 insufficient_scope)', async () => {
			const w = await call('POST', '/organisations', {
				token: tokens.aliceRead,
				body: { name: 'Commune Interdite', kind: 'commune' }
			});
			expect(w.status).toBe(403);
			expect(w.body.error.code).toBe('insufficient_scope');
			expect(w.body.error.details.requiredScope).toBe('write');
			expect(w.headers.get('www-authenticate')).toContain('insufficient_scope');
			const r = await call('GET', '/me', { token: tokens.aliceWrite });
			expect(r.status).toBe(403);
			expect(r.body.error.details.requiredScope).toBe('read');
			// Nothing was created by the refused call.
			const list = await call('GET', '/organisations', { token: tokens.alice });
			expect(list.body.items.map((o: Body) => o.name)).not.toContain('Commune Interdite');
		});

		it('only a bearer token counts: a session cookie alone is anonymous, an unresolved header is invalid', () => {
			const cookieOnly = new Request('http://localhost/api/v1/me', { headers: { cookie: 'session=x' } });
			const sessionUser = { id: alice.id, email: alice.email };
			expect(authFromLocals(cookieOnly, { user: sessionUser, apiScopes: null })).toEqual({ kind: 'none' });
			const withHeader = new Request('http://localhost/api/v1/me', { headers: { authorization: 'Bearer spc_bad' } });
			expect(authFromLocals(withHeader, { user: null, apiScopes: null })).toEqual({ kind: 'invalid' });
			expect(authFromLocals(withHeader, { user: sessionUser, apiScopes: null })).toEqual({ kind: 'invalid' });
			expect(authFromLocals(withHeader, { user: sessionUser, apiScopes: ['read'] })).toEqual({
				kind: 'token',
				caller: { user: sessionUser, scopes: ['read'] }
			});
		});
	});

	describe('GET /me', () => {
		it('returns the token owner, scopes and memberships', async () => {
			const r = await call('GET', '/me', { token: tokens.alice });
			expect(r.status).toBe(200);
			expect(r.body).toMatchObject({
				id: alice.id,
				email: alice.email,
				displayName: 'Alice Admin',
				isPlatformAdmin: false,
				emailVerified: true
			});
			expect(r.body.scopes.sort()).toEqual(['read', 'write']);
			expect(r.body.memberships).toEqual([{ orgId: orgA.id, slug: orgA.slug, name: 'Commune d’Alice', role: 'admin' }]);
			expect(r.body.animatedNetworks).toEqual([]);
		});

		it('lists the networks an animator animates, and platform admin rights', async () => {
			const a = await call('GET', '/me', { token: tokens.anna });
			expect(a.body.animatedNetworks).toEqual([{ id: network.id, slug: network.slug, name: 'Réseau Test Sud' }]);
			expect(a.body.memberships).toEqual([]);
			const p = await call('GET', '/me', { token: tokens.pam });
			expect(p.body.isPlatformAdmin).toBe(true);
		});
	});

	describe('organisations', () => {
		let created: Body;

		it('lists only my collectivités', async () => {
			const a = await call('GET', '/organisations', { token: tokens.alice });
			expect(a.status).toBe(200);
			expect(a.body.items.map((o: Body) => [o.id, o.myRole])).toEqual([[orgA.id, 'admin']]);
			const b = await call('GET', '/organisations', { token: tokens.bob });
			expect(b.body.items.map((o: Body) => [o.id, o.myRole])).toEqual([[orgA.id, 'editor']]);
			const c = await call('GET', '/organisations', { token: tokens.carol });
			expect(c.body.items).toEqual([]);
		});

		it('creates a collectivité (201, Location) whose creator becomes admin', async () => {
			const r = await call('POST', '/organisations', {
				token: tokens.carol,
				body: {
					name: '  Ville de Carol  ',
					kind: 'commune',
					siren: VALID_SIREN.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3'),
					siret: VALID_SIRET,
					regionCode: '11',
					departementCode: '75',
					population: 2100000,
					purchaseVolumeEur: 60_000_000,
					referentsCount: 3
				}
			});
			expect(r.status).toBe(201);
			created = r.body;
			expect(r.headers.get('location')).toBe(`/api/v1/organisations/${created.id}`);
			expect(created).toMatchObject({
				name: 'Ville de Carol',
				siren: VALID_SIREN,
				siret: VALID_SIRET,
				regionCode: '11',
				departementCode: '75',
				population: 2100000,
				purchaseVolumeEur: 60_000_000,
				referentsCount: 3,
				spaserMandatory: true,
				myRole: 'admin',
				archivedAt: null,
				hasLogo: false
			});
			expect(new Date(created.createdAt).toISOString()).toBe(created.createdAt);
			const me = await call('GET', '/me', { token: tokens.carol });
			expect(me.body.memberships).toEqual([
				{ orgId: created.id, slug: created.slug, name: 'Ville de Carol', role: 'admin' }
			]);
		});

		it('refuses a second collectivité with the same SIREN (409 siren_taken, field siren)', async () => {
			const r = await call('POST', '/organisations', {
				token: tokens.alice,
				body: { name: 'Doublon', kind: 'commune', siren: VALID_SIREN }
			});
			expect(r.status).toBe(409);
			expect(r.body.error.code).toBe('siren_taken');
			expect(r.body.error.details.fields.siren).toBe(r.body.error.message);
		});

		it('validates the body with French messages per field (400 invalid), and creates nothing', async () => {
			const r = await call('POST', '/organisations', {
				token: tokens.alice,
				body: { name: 'X', kind: 'chateau', siren: INVALID_SIREN, population: 'beaucoup', departementCode: '99' }
			});
			expect(r.status).toBe(400);
			expect(r.body.error.code).toBe('invalid');
			expect(r.body.error.details.fields).toEqual({
				name: 'Le nom doit contenir au moins 2 caractères.',
				kind: 'Choisissez un type de collectivité.',
				siren: "Ce SIREN n'est pas valable (clé de contrôle incorrecte).",
				population: 'La population doit être un nombre.',
				departementCode: 'Choisissez un département.'
			});
			const wrongType = await call('POST', '/organisations', {
				token: tokens.alice,
				body: { name: 'Commune Typée', kind: 'commune', siren: 217500016 }
			});
			expect(wrongType.status).toBe(400);
			expect(wrongType.body.error.details.fields.siren).toMatch(/attendu/);
			const list = await call('GET', '/organisations', { token: tokens.alice });
			expect(list.body.items).toHaveLength(1);
		});

		it('rejects non-JSON bodies (415), broken JSON (400 invalid_json) and empty bodies (400)', async () => {
			const form = await call('POST', '/organisations', {
				token: tokens.alice,
				rawBody: 'name=Commune&kind=commune',
				headers: { 'content-type': 'application/x-www-form-urlencoded' }
			});
			expect(form.status).toBe(415);
			expect(form.body.error.code).toBe('unsupported_media_type');
			const noType = await call('POST', '/organisations', {
				token: tokens.alice,
				rawBody: '{"name":"Commune","kind":"commune"}'
			});
			expect(noType.status).toBe(415);
			const broken = await call('POST', '/organisations', {
				token: tokens.alice,
				rawBody: '{"name":',
				headers: { 'content-type': 'application/json' }
			});
			expect(broken.status).toBe(400);
			expect(broken.body.error.code).toBe('invalid_json');
			const empty = await call('POST', '/organisations', {
				token: tokens.alice,
				rawBody: '',
				headers: { 'content-type': 'application/json' }
			});
			expect(empty.status).toBe(400);
			expect(empty.body.error.code).toBe('invalid');
			const array = await call('POST', '/organisations', { token: tokens.alice, body: [] });
			expect(array.status).toBe(400);
			expect(array.body.error.details.fields._).toMatch(/objet/);
			const big = await call('POST', '/organisations', {
				token: tokens.alice,
				body: { name: 'x'.repeat(1_100_000), kind: 'commune' }
			});
			expect(big.status).toBe(413);
			// A delete with a form body is refused too; a write with a +json type is accepted.
			const del = await call('DELETE', `/organisations/${orgA.id}/members/${bob.id}`, {
				token: tokens.alice,
				rawBody: 'x=1',
				headers: { 'content-type': 'text/plain' }
			});
			expect(del.status).toBe(415);
			const vendor = await call('PATCH', `/organisations/${orgA.id}`, {
				token: tokens.alice,
				rawBody: JSON.stringify({ referentsCount: 2 }),
				headers: { 'content-type': 'application/merge-patch+json' }
			});
			expect(vendor.status).toBe(200);
			expect(vendor.body.referentsCount).toBe(2);
		});

		it('shows a collectivité to its members only (404 otherwise), and checks the id', async () => {
			const b = await call('GET', `/organisations/${orgA.id}`, { token: tokens.bob });
			expect(b.status).toBe(200);
			expect(b.body).toMatchObject({ id: orgA.id, myRole: 'editor', name: 'Commune d’Alice' });
			const c = await call('GET', `/organisations/${orgA.id}`, { token: tokens.carol });
			expect(c.status).toBe(404);
			expect(c.body.error.code).toBe('not_found');
			const unknown = await call('GET', `/organisations/${crypto.randomUUID()}`, { token: tokens.alice });
			expect(unknown.status).toBe(404);
			const bad = await call('GET', '/organisations/pas-un-uuid', { token: tokens.alice });
			expect(bad.status).toBe(400);
			expect(bad.body.error.details.fields).toEqual({ id: 'Identifiant invalide.' });
		});

		it('PATCH changes only the fields sent; null clears; cross-field rules still apply', async () => {
			const r = await call('PATCH', `/organisations/${created.id}`, {
				token: tokens.carol,
				body: { population: 2200000, siret: null, referentsCount: null }
			});
			expect(r.status).toBe(200);
			expect(r.body).toMatchObject({
				name: 'Ville de Carol',
				siren: VALID_SIREN,
				siret: null,
				population: 2200000,
				referentsCount: null,
				purchaseVolumeEur: 60_000_000
			});
			const wrongDep = await call('PATCH', `/organisations/${created.id}`, {
				token: tokens.carol,
				body: { departementCode: '13' }
			});
			expect(wrongDep.status).toBe(400);
			expect(wrongDep.body.error.details.fields).toEqual({
				departementCode: "Ce département n'appartient pas à la région choisie."
			});
			const nullName = await call('PATCH', `/organisations/${created.id}`, {
				token: tokens.carol,
				body: { name: null }
			});
			expect(nullName.status).toBe(400);
			expect(Object.keys(nullName.body.error.details.fields)).toEqual(['name']);
			const after = await call('GET', `/organisations/${created.id}`, { token: tokens.carol });
			expect(after.body).toMatchObject({ departementCode: '75', name: 'Ville de Carol', population: 2200000 });
		});

		it('PATCH is for admins (403 for an editor, 404 for an outsider); a platform admin may', async () => {
			const e = await call('PATCH', `/organisations/${orgA.id}`, {
				token: tokens.bob,
				body: { name: 'Renommée par Bob' }
			});
			expect(e.status).toBe(403);
			expect(e.body.error.code).toBe('forbidden');
			const o = await call('PATCH', `/organisations/${orgA.id}`, {
				token: tokens.carol,
				body: { name: 'Renommée par Carol' }
			});
			expect(o.status).toBe(404);
			const p = await call('PATCH', `/organisations/${orgA.id}`, { token: tokens.pam, body: { population: 1234 } });
			expect(p.status).toBe(200);
			expect(p.body).toMatchObject({ name: 'Commune d’Alice', population: 1234, myRole: null });
		});

		it('lists members (admins first) to members only', async () => {
			const r = await call('GET', `/organisations/${orgA.id}/members`, { token: tokens.bob });
			expect(r.status).toBe(200);
			expect(r.body.items.map((m: Body) => [m.userId, m.role, m.email])).toEqual([
				[alice.id, 'admin', alice.email],
				[bob.id, 'editor', bob.email]
			]);
			expect((await call('GET', `/organisations/${orgA.id}/members`, { token: tokens.carol })).status).toBe(404);
		});

		it('invites by e-mail (201) without ever returning the secret link', async () => {
			const email = uniqueEmail('invitee');
			const r = await call('POST', `/organisations/${orgA.id}/invitations`, {
				token: tokens.alice,
				body: { email: `  ${email.toUpperCase()} `, role: 'viewer' }
			});
			expect(r.status).toBe(201);
			expect(r.body).toMatchObject({ email, role: 'viewer' });
			expect(Object.keys(r.body).sort()).toEqual(['email', 'expiresAt', 'id', 'role']);
			expect(new Date(r.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 6 * 86400_000);
			const mails = await outbox(db, email);
			expect(mails).toHaveLength(1);
			const link = /https?:\/\/\S+\/invitation\/(\S+)/.exec(mails[0].text_body);
			expect(link).not.toBeNull();
			expect(r.text).not.toContain(link![1]);
			expect(r.text).not.toContain('/invitation/');
		});

		it('refuses invitations from non-admins, to members, and with bad values', async () => {
			const e = await call('POST', `/organisations/${orgA.id}/invitations`, {
				token: tokens.bob,
				body: { email: uniqueEmail(), role: 'viewer' }
			});
			expect(e.status).toBe(403);
			const dup = await call('POST', `/organisations/${orgA.id}/invitations`, {
				token: tokens.alice,
				body: { email: bob.email, role: 'viewer' }
			});
			expect(dup.status).toBe(409);
			expect(dup.body.error.code).toBe('already_member');
			expect(dup.body.error.details.fields.email).toBeTruthy();
			const bad = await call('POST', `/organisations/${orgA.id}/invitations`, {
				token: tokens.alice,
				body: { email: 'pas-une-adresse', role: 'roi' }
			});
			expect(bad.status).toBe(400);
			expect(bad.body.error.details.fields).toEqual({
				email: "Cette adresse e-mail n'est pas valable.",
				role: 'Choisissez un rôle.'
			});
			const outsider = await call('POST', `/organisations/${orgA.id}/invitations`, {
				token: tokens.carol,
				body: { email: uniqueEmail(), role: 'viewer' }
			});
			expect(outsider.status).toBe(404);
		});

		it('removes members: admins remove, anyone leaves, the last admin stays', async () => {
			const erin = await createUser(db, { displayName: 'Erin Partante' });
			const fred = await createUser(db, { displayName: 'Fred Retiré' });
			await addMember(db, orgA.id, erin, 'viewer');
			await addMember(db, orgA.id, fred, 'viewer');
			const erinToken = await token(erin, ['read', 'write']);
			// An editor cannot remove someone else.
			const byEditor = await call('DELETE', `/organisations/${orgA.id}/members/${fred.id}`, { token: tokens.bob });
			expect(byEditor.status).toBe(403);
			// The admin removes Fred (204, no body).
			const removed = await call('DELETE', `/organisations/${orgA.id}/members/${fred.id}`, { token: tokens.alice });
			expect(removed.status).toBe(204);
			expect(removed.text).toBe('');
			// Erin leaves on her own.
			expect((await call('DELETE', `/organisations/${orgA.id}/members/${erin.id}`, { token: erinToken })).status).toBe(
				204
			);
			// Removing someone who is not (or no longer) a member.
			expect(
				(await call('DELETE', `/organisations/${orgA.id}/members/${fred.id}`, { token: tokens.alice })).status
			).toBe(404);
			// The last admin cannot leave.
			const last = await call('DELETE', `/organisations/${orgA.id}/members/${alice.id}`, { token: tokens.alice });
			expect(last.status).toBe(409);
			expect(last.body.error.code).toBe('last_admin');
			const members = await call('GET', `/organisations/${orgA.id}/members`, { token: tokens.alice });
			expect(members.body.items.map((m: Body) => m.userId)).toEqual([alice.id, bob.id]);
		});
	});

	describe('networks', () => {
		let membershipId: string;

		it('lists networks without a token (public directory), with more detail with one', async () => {
			const anon = await call('GET', '/networks');
			expect(anon.status).toBe(200);
			const n = anon.body.items.find((x: Body) => x.id === network.id);
			expect(n).toMatchObject({ slug: network.slug, name: 'Réseau Test Sud', iAnimate: false, memberCount: null });
			const animator = await call('GET', '/networks', { token: tokens.anna });
			expect(animator.body.items.find((x: Body) => x.id === network.id)).toMatchObject({
				iAnimate: true,
				memberCount: 0
			});
		});

		it('shows one network: animators’ contacts only with a token; 404 for an unknown id', async () => {
			const anon = await call('GET', `/networks/${network.id}`);
			expect(anon.status).toBe(200);
			expect(anon.body.animators).toEqual([{ userId: anna.id, displayName: null, email: null }]);
			expect(anon.body.members).toEqual([]);
			const withToken = await call('GET', `/networks/${network.id}`, { token: tokens.carol });
			expect(withToken.body.animators).toEqual([
				{ userId: anna.id, displayName: 'Anna Animatrice', email: anna.email }
			]);
			expect((await call('GET', `/networks/${crypto.randomUUID()}`)).status).toBe(404);
			expect((await call('GET', `/networks/${crypto.randomUUID()}/memberships`, { token: tokens.alice })).status).toBe(
				404
			);
		});

		it('an org admin asks to join (201 pending); the animators get an e-mail', async () => {
			const r = await call('POST', `/networks/${network.id}/join-requests`, {
				token: tokens.alice,
				body: { orgId: orgA.id, message: '  Bonjour !  ' }
			});
			expect(r.status).toBe(201);
			expect(r.body).toMatchObject({
				networkId: network.id,
				orgId: orgA.id,
				status: 'pending',
				message: 'Bonjour !',
				requestedByName: 'Alice Admin',
				decidedAt: null
			});
			membershipId = r.body.id;
			const mails = await outbox(db, anna.email);
			expect(mails.map((m) => m.subject)).toContain("Demande d'adhésion de Commune d’Alice au réseau Réseau Test Sud");
		});

		it('refuses duplicate requests (409), non-admins (403), unknown networks (404), bad bodies (400)', async () => {
			const dup = await call('POST', `/networks/${network.id}/join-requests`, {
				token: tokens.alice,
				body: { orgId: orgA.id }
			});
			expect(dup.status).toBe(409);
			expect(dup.body.error.code).toBe('already_requested');
			const editor = await call('POST', `/networks/${network.id}/join-requests`, {
				token: tokens.bob,
				body: { orgId: orgA.id }
			});
			expect(editor.status).toBe(403);
			const unknown = await call('POST', `/networks/${crypto.randomUUID()}/join-requests`, {
				token: tokens.alice,
				body: { orgId: orgA.id }
			});
			expect(unknown.status).toBe(404);
			const bad = await call('POST', `/networks/${network.id}/join-requests`, {
				token: tokens.alice,
				body: { orgId: 'abc', message: 'x'.repeat(2001) }
			});
			expect(bad.status).toBe(400);
			expect(bad.body.error.details.fields.orgId).toBe('Choisissez une collectivité.');
			expect(bad.body.error.details.fields.message).toBeTruthy();
		});

		it('memberships are visible to the animators and to the collectivité, not to others', async () => {
			const anim = await call('GET', `/networks/${network.id}/memberships`, { token: tokens.anna });
			expect(anim.status).toBe(200);
			expect(anim.body.items.map((m: Body) => [m.id, m.status, m.orgName])).toEqual([
				[membershipId, 'pending', 'Commune d’Alice']
			]);
			const own = await call('GET', `/networks/${network.id}/memberships`, { token: tokens.bob });
			expect(own.body.items.map((m: Body) => m.id)).toEqual([membershipId]);
			const other = await call('GET', `/networks/${network.id}/memberships`, { token: tokens.carol });
			expect(other.body.items).toEqual([]);
			expect((await call('GET', `/networks/${network.id}/memberships`)).status).toBe(401);
		});

		it('only animators decide; a refusal needs a reason; a decision is final', async () => {
			const byAdmin = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.alice,
				body: { decision: 'approved' }
			});
			expect(byAdmin.status).toBe(403);
			const byOutsider = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.carol,
				body: { decision: 'approved' }
			});
			expect(byOutsider.status).toBe(404);
			const noReason = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.anna,
				body: { decision: 'refused', reason: '   ' }
			});
			expect(noReason.status).toBe(400);
			expect(noReason.body.error.details.fields).toEqual({ reason: 'Indiquez le motif du refus.' });
			const badDecision = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.anna,
				body: { decision: 'peut-être' }
			});
			expect(badDecision.body.error.details.fields).toEqual({ decision: 'Choisissez une décision.' });
			const ok = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.anna,
				body: { decision: 'approved' }
			});
			expect(ok.status).toBe(200);
			expect(ok.body).toMatchObject({ id: membershipId, status: 'approved', decidedByName: 'Anna Animatrice' });
			expect(new Date(ok.body.decidedAt).toISOString()).toBe(ok.body.decidedAt);
			const again = await call('POST', `/memberships/${membershipId}/decision`, {
				token: tokens.anna,
				body: { decision: 'refused', reason: 'Trop tard' }
			});
			expect(again.status).toBe(409);
			expect(again.body.error.code).toBe('already_decided');
			expect(
				(
					await call('POST', `/memberships/${crypto.randomUUID()}/decision`, {
						token: tokens.anna,
						body: { decision: 'approved' }
					})
				).status
			).toBe(404);
			const mails = await outbox(db, alice.email);
			expect(mails.map((m) => m.subject)).toContain('Commune d’Alice a rejoint le réseau Réseau Test Sud');
		});

		it('after approval the network shows the collectivité to its members', async () => {
			const r = await call('GET', `/networks/${network.id}`, { token: tokens.bob });
			expect(r.body.members).toEqual([
				expect.objectContaining({ membershipId, orgId: orgA.id, orgName: 'Commune d’Alice', orgSlug: orgA.slug })
			]);
			expect(r.body.memberCount).toBe(1);
			const anon = await call('GET', `/networks/${network.id}`);
			expect(anon.body.members).toEqual([]);
		});
	});

	describe('dispatcher', () => {
		it('unknown routes are JSON 404s; known routes with another method are 405 with Allow', async () => {
			const r = await call('GET', '/nulle-part', { token: tokens.alice });
			expect(r.status).toBe(404);
			expect(r.body.error.code).toBe('not_found');
			const m = await call('PUT', '/me', { token: tokens.alice, body: {} });
			expect(m.status).toBe(405);
			expect(m.headers.get('allow')).toBe('GET');
			expect(m.body.error.code).toBe('method_not_allowed');
		});

		it('HEAD answers like GET without a body', async () => {
			const request = new Request('http://localhost/api/v1/networks', { method: 'HEAD' });
			const res = await dispatchApi(request, { db, auth: { kind: 'none' } });
			expect(res.status).toBe(200);
			expect(await res.text()).toBe('');
			expect(res.headers.get('content-type')).toContain('application/json');
		});

		it('maps AppErrors to their status and unexpected errors to a generic 500 (nothing leaks)', async () => {
			const OkBody = z.object({ ok: z.boolean() });
			const routes = compileRegistry([
				defineEndpoint({
					method: 'GET',
					path: '/boom',
					operationId: 'boom',
					summary: 'boom',
					tags: [],
					scope: 'public',
					response: OkBody,
					handler: async () => {
						throw new Error('secret detail: db password');
					}
				}),
				defineEndpoint({
					method: 'GET',
					path: '/teapot',
					operationId: 'teapot',
					summary: 'teapot',
					tags: [],
					scope: 'public',
					response: OkBody,
					handler: async () => {
						throw new AppError('teapot', 'Je suis une théière.', 418, { field: 'tea' });
					}
				}),
				defineEndpoint({
					method: 'GET',
					path: '/liar',
					operationId: 'liar',
					summary: 'liar',
					tags: [],
					scope: 'public',
					response: OkBody,
					handler: async () => ({ ok: 'yes' }) as unknown as { ok: boolean }
				}),
				defineEndpoint({
					method: 'GET',
					path: '/items/{id}',
					operationId: 'item',
					summary: 'item',
					tags: [],
					scope: 'read',
					params: z.object({ id: z.uuid() }),
					query: z.object({ limit: z.coerce.number().int().max(10).optional() }),
					response: OkBody,
					handler: async ({ params, query }) => ({ ok: !!params.id && (query.limit ?? 0) >= 0 })
				})
			]);
			const run = async (path: string, auth: Parameters<typeof handleApiRequest>[1]['auth'] = { kind: 'none' }) => {
				const res = await handleApiRequest(new Request(`http://localhost/api/v1${path}`), {
					db,
					auth,
					routes,
					strictResponses: true
				});
				return { status: res.status, body: await res.json() };
			};
			const boom = await run('/boom');
			expect(boom.status).toBe(500);
			expect(boom.body.error.code).toBe('internal');
			expect(boom.body.error.message).toMatch(/Une erreur inattendue/);
			expect(JSON.stringify(boom.body)).not.toContain('secret');
			const teapot = await run('/teapot');
			expect(teapot).toEqual({
				status: 418,
				body: {
					error: {
						code: 'teapot',
						message: 'Je suis une théière.',
						details: { field: 'tea', fields: { tea: 'Je suis une théière.' } }
					}
				}
			});
			expect((await run('/liar')).status).toBe(500);
			const caller = {
				kind: 'token' as const,
				caller: { user: { id: alice.id, email: alice.email }, scopes: ['read' as const] }
			};
			expect(await run(`/items/${crypto.randomUUID()}?limit=3`, caller)).toEqual({ status: 200, body: { ok: true } });
			const badQuery = await run(`/items/nope?limit=99`, caller);
			expect(badQuery.status).toBe(400);
			expect(Object.keys(badQuery.body.error.details.fields).sort()).toEqual(['id', 'limit']);
			expect(() =>
				compileRegistry([
					defineEndpoint({
						method: 'GET',
						path: '/x/{id}',
						operationId: 'x',
						summary: 'x',
						tags: [],
						scope: 'public',
						handler: async () => {}
					})
				])
			).toThrow(/declares params/);
		});
	});

	describe('OpenAPI document', () => {
		it('is served without a token and equals the generated document', async () => {
			const r = await call('GET', '/openapi.json');
			expect(r.status).toBe(200);
			expect(r.headers.get('content-type')).toContain('application/json');
			expect(r.body).toEqual(JSON.parse(JSON.stringify(getOpenApiDocument())));
		});

		it('is structurally valid OpenAPI 3.1', () => {
			const doc = JSON.parse(JSON.stringify(getOpenApiDocument())) as Body;
			const problems = validateOpenApi31(doc);
			expect(problems).toEqual([]);
			expect(doc.servers).toEqual([{ url: '/api/v1', description: expect.any(String) }]);
			expect(doc.info.description).toMatch(/jeton/);
			expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
			expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
		});

		it('lists exactly the implemented endpoints, each routed by the dispatcher', () => {
			const doc = getOpenApiDocument() as Body;
			const documented = Object.entries(doc.paths as Record<string, Body>).flatMap(([path, item]) =>
				Object.keys(item)
					.filter((k) => HTTP_METHODS.includes(k))
					.map((m) => `${m.toUpperCase()} ${path}`)
			);
			const registered = apiEndpoints.map((e) => `${e.method} ${e.path}`);
			expect(documented.sort()).toEqual(registered.sort());
			expect(registered.sort()).toEqual(
				[
					'GET /me',
					'GET /organisations',
					'POST /organisations',
					'GET /organisations/{id}',
					'PATCH /organisations/{id}',
					'GET /organisations/{id}/members',
					'POST /organisations/{id}/invitations',
					'DELETE /organisations/{id}/members/{userId}',
					'GET /organisations/{id}/export',
					'POST /organisations/{id}/closure',
					'GET /networks',
					'GET /networks/{id}',
					'GET /networks/{id}/memberships',
					'POST /networks/{id}/join-requests',
					'POST /memberships/{id}/decision',
					'GET /organisations/{id}/spasers',
					'POST /organisations/{id}/spasers',
					'POST /spasers/import',
					'POST /spasers/import-document/preview',
					'POST /organisations/{id}/spasers/import-document',
					'GET /spasers/{id}',
					'PATCH /spasers/{id}',
					'GET /spasers/{id}/nodes',
					'GET /spasers/{id}/targets',
					'GET /spasers/{id}/versions',
					'POST /spasers/{id}/versions',
					'GET /spasers/{id}/versions/{versionId}',
					'GET /spasers/{id}/export',
					'GET /networks/{id}/guichet/animators',
					'GET /networks/{id}/guichet/slots',
					'GET /networks/{id}/guichet/availability',
					'PUT /networks/{id}/guichet/availability',
					'GET /networks/{id}/guichet/bookings',
					'POST /networks/{id}/guichet/bookings',
					'GET /guichet/bookings/{id}',
					'POST /guichet/bookings/{id}/confirm',
					'POST /guichet/bookings/{id}/cancel',
					'POST /guichet/bookings/{id}/reschedule',
					'POST /networks/{id}/guichet/questions',
					'GET /guichet/requests/{id}',
					'GET /guichet/requests/{id}/attachments/{fileId}',
					'POST /guichet/requests/{id}/messages',
					'GET /resources',
					'GET /resources/{id}',
					'POST /resources',
					'PUT /resources/{id}',
					'POST /resources/import',
					'GET /events',
					'POST /events',
					'GET /events/{id}',
					'POST /events/{id}/publish',
					'POST /events/{id}/choice-groups',
					'POST /events/{id}/sessions',
					'GET /events/{id}/registrations',
					'POST /events/{id}/registrations',
					'POST /event-registrations/{id}/cancel',
					'POST /event-sessions/{id}/check-ins',
					'DELETE /event-sessions/{id}/check-ins/{registrationId}',
					'GET /indicators',
					'GET /organisations/{id}/indicator-values',
					'PUT /organisations/{id}/indicator-values',
					'DELETE /organisations/{id}/indicator-values/{valueId}',
					'GET /organisations/{id}/decp-imports',
					'POST /organisations/{id}/decp-imports',
					'GET /benchmark/statistics',
					'GET /openapi.json'
				].sort()
			);
			for (const e of apiEndpoints) {
				const concrete = e.path.replace(/\{[^}]+\}/g, () => crypto.randomUUID());
				const found = matchRoute(apiRoutes(), e.method, concrete);
				expect(found.route?.endpoint.operationId).toBe(e.operationId);
				const op = doc.paths[e.path][e.method.toLowerCase()];
				if (e.scope === 'public') expect(op.security).toEqual([{}, { bearerAuth: [] }]);
				else {
					expect(op.security).toEqual([{ bearerAuth: [e.scope] }]);
					expect(op.description).toContain(`«\u00a0${e.scope}\u00a0»`);
					expect(op.responses['401']).toBeDefined();
					expect(op.responses['403']).toBeDefined();
				}
				if (e.body) {
					expect(op.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
					expect(op.responses['415']).toBeDefined();
					expect(op.responses['400']).toBeDefined();
				}
			}
		});
	});
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * Checks the rules of OpenAPI 3.1 that matter for clients and code generators: required fields, unique
 * operationIds, path templates and their parameters, responses, security schemes, and that every $ref resolves.
 */
function validateOpenApi31(doc: Body): string[] {
	const problems: string[] = [];
	const need = (cond: unknown, msg: string) => {
		if (!cond) problems.push(msg);
	};
	need(/^3\.1\.\d+$/.test(doc.openapi), 'openapi must be 3.1.x');
	need(typeof doc.info?.title === 'string' && doc.info.title, 'info.title required');
	need(typeof doc.info?.version === 'string' && doc.info.version, 'info.version required');
	need(doc.paths && typeof doc.paths === 'object', 'paths required');
	for (const s of doc.servers ?? []) need(typeof s.url === 'string', 'server.url required');
	const schemes = doc.components?.securitySchemes ?? {};
	for (const [name, s] of Object.entries(schemes as Record<string, Body>)) {
		need(
			['apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect'].includes(s.type),
			`securityScheme ${name}: bad type`
		);
		if (s.type === 'http') need(typeof s.scheme === 'string', `securityScheme ${name}: scheme required`);
	}
	const opIds = new Set<string>();
	for (const [path, item] of Object.entries(doc.paths as Record<string, Body>)) {
		need(path.startsWith('/'), `path ${path} must start with /`);
		const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
		for (const [method, op] of Object.entries(item)) {
			if (!HTTP_METHODS.includes(method)) {
				problems.push(`${path}: unknown key ${method}`);
				continue;
			}
			const where = `${method.toUpperCase()} ${path}`;
			need(typeof op.operationId === 'string' && op.operationId, `${where}: operationId`);
			need(!opIds.has(op.operationId), `${where}: duplicate operationId ${op.operationId}`);
			opIds.add(op.operationId);
			need(typeof op.summary === 'string' && op.summary.length > 0, `${where}: summary`);
			need(op.responses && Object.keys(op.responses).length > 0, `${where}: responses`);
			need(
				Object.keys(op.responses ?? {}).some((s) => /^2\d\d$/.test(s)),
				`${where}: a 2xx response`
			);
			for (const [status, resp] of Object.entries(op.responses ?? {}) as [string, Body][]) {
				need(/^([1-5]\d\d|[1-5]XX|default)$/.test(status), `${where}: response key ${status}`);
				need(resp.$ref || typeof resp.description === 'string', `${where} ${status}: description required`);
			}
			const params = (op.parameters ?? []) as Body[];
			for (const p of params) {
				need(['path', 'query', 'header', 'cookie'].includes(p.in), `${where}: parameter ${p.name} in`);
				need(p.schema || p.content, `${where}: parameter ${p.name} schema`);
				if (p.in === 'path') {
					need(p.required === true, `${where}: path parameter ${p.name} must be required`);
					need(templated.includes(p.name), `${where}: path parameter ${p.name} not in the template`);
				}
			}
			for (const t of templated)
				need(
					params.some((p) => p.in === 'path' && p.name === t),
					`${where}: {${t}} has no parameter`
				);
			const keys = params.map((p) => `${p.in}:${p.name}`);
			need(new Set(keys).size === keys.length, `${where}: duplicate parameters`);
			if (op.requestBody)
				need(op.requestBody.content && Object.keys(op.requestBody.content).length, `${where}: requestBody.content`);
			for (const req of op.security ?? [])
				for (const name of Object.keys(req)) need(name in schemes, `${where}: unknown security scheme ${name}`);
			need(Array.isArray(op.security), `${where}: security must be explicit`);
		}
	}
	// Every $ref resolves inside the document; no leftover per-schema $schema/$id or $defs.
	const walk = (node: unknown, at: string) => {
		if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
		if (!node || typeof node !== 'object') return;
		for (const [k, v] of Object.entries(node)) {
			if (k === '$ref') {
				if (typeof v !== 'string' || !v.startsWith('#/')) problems.push(`${at}: non-local $ref ${String(v)}`);
				else if (resolvePointer(doc, v) === undefined) problems.push(`${at}: unresolved $ref ${v}`);
			}
			if ((k === '$id' || k === '$defs') && at.includes('/components/schemas/')) problems.push(`${at}: leftover ${k}`);
			walk(v, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
		}
	};
	walk(doc, '#');
	return problems;
}

function resolvePointer(doc: unknown, ref: string): unknown {
	let node: unknown = doc;
	for (const raw of ref.slice(2).split('/')) {
		const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
		if (!node || typeof node !== 'object' || !(key in node)) return undefined;
		node = (node as Record<string, unknown>)[key];
	}
	return node;
}
