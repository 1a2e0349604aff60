/**
 * The shared-resources endpoints of the JSON API (/api/v1), below HTTP, on both engines: real tokens, the real
 * dispatcher (strict response checking), the real services and row-level security.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import { asService, type Database } from '../../src/lib/server/db';
import { getOpenApiDocument } from '../../src/lib/server/api';
import { reviewShare } from '../../src/lib/server/resources/sharing';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { addAnimatorDirect, createNetwork, createOrg, createUser, type TestUser } from '../helpers/factories';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const CLAUSE = {
	kind: 'clause',
	title: 'Clause de réemploi du mobilier',
	summary: 'Part minimale de mobilier issu du réemploi.',
	body: 'Au moins 20 % du mobilier livré est issu du réemploi.',
	family: 'environnementale',
	mechanism: 'condition_execution',
	segments: ['fournitures.mobilier'],
	cpvCodes: ['39100000-3']
};

describe.each(engines)('API v1 — resources (%s)', (kind) => {
	let db: Database;
	let author: TestUser, other: TestUser, anim: TestUser;
	let orgA: string, orgB: string, net: string;
	const tok: Record<string, string> = {};

	async function token(user: { id: string; email: string }, scopes: Scope[]) {
		return (await createApiToken(db, user, { name: `test ${scopes.join('+')}`, scopes })).token;
	}
	const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) =>
		apiCall(db, method, path, opts);

	beforeAll(async () => {
		db = await openTestDb(kind);
		author = await createUser(db);
		other = await createUser(db);
		anim = await createUser(db);
		const platform = await createUser(db, { platformAdmin: true });
		orgA = (await createOrg(db, author, 'Ville A')).id;
		orgB = (await createOrg(db, other, 'Ville B')).id;
		net = (await createNetwork(db, platform, 'Réseau API')).id;
		await addAnimatorDirect(db, net, anim);
		await asService(db, 'test: memberships', async (tx) => {
			for (const o of [orgA, orgB])
				await tx.query(
					`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`,
					[net, o]
				);
		});
		tok.authorW = await token(author, ['read', 'write']);
		tok.authorR = await token(author, ['read']);
		tok.otherR = await token(other, ['read']);
	}, 120_000);
	afterAll(async () => db?.close());

	it('creates, reads, updates (new version, back to review) and searches with facets', async () => {
		const created = await call('POST', '/resources', {
			token: tok.authorW,
			body: { orgId: orgA, resource: { ...CLAUSE, visibility: 'network' } }
		});
		expect(created.status).toBe(201);
		const id = created.body.id;
		expect(created.body.cpvCodes).toEqual([{ code: '39100000-3', label: 'Mobilier' }]);
		expect(created.body.shares).toEqual([expect.objectContaining({ networkId: net, status: 'pending' })]);
		// Read-only token: no writes; other collectivité: not visible until validated; anonymous: not visible.
		expect(
			(await call('POST', '/resources', { token: tok.authorR, body: { orgId: orgA, resource: CLAUSE } })).status
		).toBe(403);
		expect((await call('GET', `/resources/${id}`, { token: tok.otherR })).status).toBe(404);
		expect((await call('GET', `/resources/${id}`)).status).toBe(404);

		await reviewShare(db, anim, id, { networkId: net, decision: 'validated', comment: '' });
		const seen = await call('GET', `/resources/${id}`, { token: tok.otherR });
		expect(seen.status).toBe(200);
		expect(seen.body.reliability).toBe('reseau');
		expect(seen.body.organisation).toBe('Ville A');

		const search = await call('GET', '/resources?q=REEMPLOI%20mobiliers&family=environnementale', {
			token: tok.otherR
		});
		expect(search.status).toBe(200);
		expect(search.body.items.map((i: Body) => i.id)).toEqual([id]);
		expect(search.body.items[0].snippet).toContain('<mark>');
		expect(search.body.facets.family).toEqual({ environnementale: 1 });
		expect(search.body.facets.network).toEqual([{ id: net, name: 'Réseau API', count: 1 }]);

		const updated = await call('PUT', `/resources/${id}`, {
			token: tok.authorW,
			body: { ...CLAUSE, body: 'Au moins 30 % du mobilier livré est issu du réemploi.', visibility: 'network' }
		});
		expect(updated.status).toBe(200);
		expect(updated.body.version).toBe(2);
		expect(updated.body.shares[0].status).toBe('pending');
		expect((await call('GET', `/resources/${id}`, { token: tok.otherR })).status).toBe(404);
		// Someone else cannot update it.
		const otherW = await token(other, ['read', 'write']);
		expect((await call('PUT', `/resources/${id}`, { token: otherW, body: CLAUSE })).status).toBe(404);
	});

	it('refuses invalid bodies with French field messages', async () => {
		const bad = await call('POST', '/resources', {
			token: tok.authorW,
			body: { orgId: orgA, resource: { ...CLAUSE, cpvCodes: ['123'], family: 'autre' } }
		});
		expect(bad.status).toBe(400);
		expect(JSON.stringify(bad.body)).toContain('Code CPV invalide');
	});

	it('imports row by row from JSON and CSV with a report', async () => {
		const json = await call('POST', '/resources/import', {
			token: tok.authorW,
			body: {
				orgId: orgA,
				items: [CLAUSE, { ...CLAUSE, title: 'X' }, { ...CLAUSE, title: 'Code inconnu', cpvCodes: ['99999999-9'] }]
			}
		});
		expect(json.status).toBe(200);
		expect(json.body.imported).toBe(1);
		expect(json.body.rows.map((r: Body) => r.status)).toEqual(['imported', 'refused', 'refused']);
		expect(json.body.rows[1].reasons.join()).toContain('titre');
		expect(json.body.rows[2].reasons.join()).toContain('99999999-9');
		const csv = [
			'type;titre;texte;famille;mecanisme;segments;cpv',
			'clause;Clause importée en CSV;"Texte avec ; point-virgule\net retour à la ligne";sociale;clause_insertion;travaux;45000000-7',
			'clause;Sans famille;Texte;;autre;;'
		].join('\n');
		const rep = await call('POST', '/resources/import', { token: tok.authorW, body: { orgId: orgA, csv } });
		expect(rep.status).toBe(200);
		expect(rep.body.rows.map((r: Body) => r.status)).toEqual(['imported', 'refused']);
		expect(rep.body.rows[1].reasons.join()).toContain('famille');
		const got = await call('GET', `/resources/${rep.body.rows[0].id}`, { token: tok.authorR });
		expect(got.body.body).toBe('Texte avec ; point-virgule\net retour à la ligne');
		expect(got.body.visibility).toBe('private');
		// Importing into someone else's collectivité is refused as a whole.
		expect(
			(await call('POST', '/resources/import', { token: tok.authorW, body: { orgId: orgB, items: [CLAUSE] } })).status
		).toBe(403);
	});

	it('documents the endpoints in OpenAPI', () => {
		const doc = getOpenApiDocument() as Body;
		expect(doc.paths['/resources'].get.parameters.map((p: Body) => p.name)).toEqual(
			expect.arrayContaining(['q', 'family', 'cpv', 'sort'])
		);
		expect(doc.components.schemas.ResourceInput).toBeDefined();
		expect(doc.components.schemas.ResourceSearchResult).toBeDefined();
	});
});
