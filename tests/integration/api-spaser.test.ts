/**
 * The SPASER endpoints of the JSON API (/api/v1), end to end below HTTP, on both engines: real Request objects
 * through the real dispatcher, real personal access tokens (createApiToken), real services and row-level
 * security, and the live document changed through the (headless) collaboration server. Every success body is
 * checked against its response schema (strictResponses) and every error body against the error schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import type { Database } from '../../src/lib/server/db';
import { apiEndpoints, authenticateRequest, dispatchApi, getOpenApiDocument } from '../../src/lib/server/api';
import { apiErrorSchema } from '../../src/lib/server/api/schemas';
import { getCollabServer, readLiveDoc, setCollabServer } from '../../src/lib/server/spaser/live';
import { outlineContent } from '../../src/lib/spaser/content-schema';
import { buildTemplate, TEMPLATES } from '../../src/lib/spaser/templates';
import { exportContent, readTree, type DocContent } from '../../src/lib/spaser/ydoc';
import { engines, openTestDb } from '../helpers/engines';
import { docxParagraphs, unzip } from '../helpers/unzip';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface CallResult {
	status: number;
	headers: Headers;
	body: Body;
	bytes: Buffer;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

describe.each(engines)('API v1 — SPASER (%s)', (kind) => {
	let db: Database;
	let w: SpaserWorld;
	const tokens: Record<string, string> = {};
	/** The SPASER created from a template by the editor, used by most tests. */
	let spaserId: string;

	async function token(user: { id: string; email: string }, scopes: Scope[]) {
		return (await createApiToken(db, user, { name: `test ${scopes.join('+')}`, scopes })).token;
	}

	/** One API call through the real dispatcher, authenticated from the Authorization header. */
	async function call(
		method: string,
		path: string,
		opts: { token?: string; body?: unknown } = {}
	): Promise<CallResult> {
		const headers = new Headers();
		if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
		let payload: string | undefined;
		if (opts.body !== undefined) {
			payload = JSON.stringify(opts.body);
			headers.set('content-type', 'application/json');
		}
		const request = new Request(`http://localhost/api/v1${path}`, { method, headers, body: payload });
		const res = await dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
		const bytes = Buffer.from(await res.arrayBuffer());
		const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
		const body = isJson && bytes.length ? JSON.parse(bytes.toString('utf8')) : null;
		expect(res.headers.get('cache-control')).toBe('no-store');
		if (res.status >= 400) {
			expect(apiErrorSchema.safeParse(body).success, `error body of ${method} ${path}: ${bytes.toString('utf8')}`).toBe(
				true
			);
			expect(body.error.message).toMatch(/[a-zé]/);
		}
		return { status: res.status, headers: res.headers, body, bytes };
	}

	/** The live document's content, as the collaboration server stores it. */
	async function liveContent(id: string): Promise<DocContent> {
		const doc = await readLiveDoc(db, id);
		try {
			return exportContent(doc);
		} finally {
			doc.destroy();
		}
	}

	async function countSpasers(orgId: string, tok = tokens.admin): Promise<number> {
		const r = await call('GET', `/organisations/${orgId}/spasers`, { token: tok });
		expect(r.status).toBe(200);
		return r.body.items.length;
	}

	beforeAll(async () => {
		db = await openTestDb(kind);
		w = await spaserWorld(db);
		tokens.admin = await token(w.adminA, ['read', 'write']);
		tokens.editor = await token(w.editorA, ['read', 'write']);
		tokens.editorRead = await token(w.editorA, ['read']);
		tokens.viewer = await token(w.viewerA, ['read', 'write']);
		tokens.outsider = await token(w.adminB, ['read', 'write']);
		tokens.animator = await token(w.animator, ['read', 'write']);
	});

	afterAll(async () => {
		// the headless collaboration server that changeLiveDoc started for this database
		await getCollabServer(db).close();
		setCollabServer(db, undefined);
		await db?.close();
	});

	describe('creating and listing', () => {
		it('an editor creates a SPASER from a template (201, Location); nodes and targets are readable at once', async () => {
			const r = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.editor,
				body: {
					title: '  SPASER 2026–2029 de la ville  ',
					periodStart: 2026,
					periodEnd: 2029,
					templateKey: 'cinq_axes'
				}
			});
			expect(r.status).toBe(201);
			spaserId = r.body.id;
			expect(r.headers.get('location')).toBe(`/api/v1/spasers/${spaserId}`);
			expect(r.body).toMatchObject({
				title: 'SPASER 2026–2029 de la ville',
				periodStart: 2026,
				periodEnd: 2029,
				status: 'brouillon',
				statusLabel: 'Brouillon',
				nextStatuses: ['en_consultation'],
				templateKey: 'cinq_axes',
				myAccess: 'write',
				owners: [{ orgId: w.orgA.id, name: w.orgA.name, isLead: true }]
			});
			expect(r.body.projectedAt).not.toBeNull();

			// the live document holds the template, and the projection matches it node for node
			const content = await liveContent(spaserId);
			const expected = buildTemplate('cinq_axes', { periodStart: 2026, periodEnd: 2029 });
			expect(content.nodes.length).toBe(expected.nodes.length);
			expect(content.nodes.map((n) => n.title)).toEqual(outlineContent(expected).order.map((n) => n.title));
			const live = await readLiveDoc(db, spaserId);
			const tree = readTree(live);
			live.destroy();

			const nodes = await call('GET', `/spasers/${spaserId}/nodes`, { token: tokens.editor });
			expect(nodes.status).toBe(200);
			expect(nodes.body.items.map((n: Body) => [n.id, n.parentId, n.depth, n.number, n.label, n.title])).toEqual(
				tree.map((n) => [n.id, n.parentId, n.depth, n.number, n.label, n.title])
			);
			expect(nodes.body.items.map((n: Body) => n.position)).toEqual(tree.map((_, i) => i));
			expect(nodes.body.items[0]).toMatchObject({ depth: 1, levelName: 'Axe', kind: 'normal', status: 'a_lancer' });
			const withBody = nodes.body.items.find((n: Body) => n.body.length > 0);
			expect(withBody.bodyText.length).toBeGreaterThan(0);

			const targets = await call('GET', `/spasers/${spaserId}/targets`, { token: tokens.editor });
			expect(targets.status).toBe(200);
			const allTargets = content.nodes.flatMap((n) => n.targets.map((t) => ({ nodeId: n.id, ...t })));
			expect(allTargets.length).toBeGreaterThan(0);
			expect(targets.body.items.length).toBe(allTargets.length);
			for (const t of targets.body.items) {
				const src = allTargets.find((x) => x.nodeId === t.nodeId && x.id === t.id)!;
				expect(src, `${t.nodeId}/${t.id}`).toBeDefined();
				expect(t).toMatchObject({
					indicatorCode: src.indicatorCode,
					label: src.label,
					unit: src.unit,
					value: src.value,
					year: src.year,
					milestones: src.milestones,
					baselineYear: src.baselineYear,
					relative: src.relative,
					thresholdEurHt: src.thresholdEurHt,
					scope: src.scope,
					nodeLabel: tree.find((n) => n.id === t.nodeId)!.label
				});
				if (t.indicatorCode) expect(t.indicatorLabel).toEqual(expect.any(String));
			}
			// document order: the targets follow the nodes' positions
			const pos = new Map(tree.map((n, i) => [n.id, i]));
			const positions = targets.body.items.map((t: Body) => pos.get(t.nodeId)!);
			expect(positions).toEqual([...positions].sort((a, b) => a - b));
		});

		it('creates an empty SPASER without a template, and a joint one with a co-owner', async () => {
			const r = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.admin,
				body: { title: 'SPASER vide', periodStart: 2027, periodEnd: 2030 }
			});
			expect(r.status).toBe(201);
			expect(r.body.templateKey).toBeNull();
			const nodes = await call('GET', `/spasers/${r.body.id}/nodes`, { token: tokens.admin });
			expect(nodes.body.items).toEqual([]);
			expect((await liveContent(r.body.id)).settings.levelNames.length).toBeGreaterThan(0);

			// a joint SPASER needs editor rights in every collectivité: the editor of A cannot involve B
			const refused = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.editor,
				body: { title: 'SPASER conjoint', periodStart: 2027, periodEnd: 2030, coOwnerOrgIds: [w.orgB.id] }
			});
			expect(refused.status).toBe(403);
			expect(refused.body.error.message).toContain('chaque collectivité');
		});

		it('validates the body with French messages per field (400), and creates nothing', async () => {
			const before = await countSpasers(w.orgA.id);
			const r = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.editor,
				body: { title: 'x', periodStart: 2029, periodEnd: 2026, templateKey: 'inconnu', coOwnerOrgIds: ['pas-un-uuid'] }
			});
			expect(r.status).toBe(400);
			expect(r.body.error.code).toBe('invalid');
			const fields = r.body.error.details.fields;
			expect(fields.title).toContain('au moins 2 caractères');
			expect(fields.templateKey).toContain('Modèle inconnu');
			expect(fields.templateKey).toContain(TEMPLATES[0].key);
			expect(fields['coOwnerOrgIds.0']).toContain('Identifiant');
			const period = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.editor,
				body: { title: 'SPASER', periodStart: 2029, periodEnd: 2026 }
			});
			expect(period.body.error.details.fields.periodEnd).toBe('La fin de période doit suivre son début.');
			expect(await countSpasers(w.orgA.id)).toBe(before);
		});

		it('a viewer cannot create (403), an outsider does not see the collectivité (404), a read token cannot write', async () => {
			const before = await countSpasers(w.orgA.id);
			const body = { title: 'SPASER interdit', periodStart: 2026, periodEnd: 2029 };
			const viewer = await call('POST', `/organisations/${w.orgA.id}/spasers`, { token: tokens.viewer, body });
			expect(viewer.status).toBe(403);
			expect(viewer.body.error.code).toBe('forbidden');
			expect((await call('POST', `/organisations/${w.orgA.id}/spasers`, { token: tokens.outsider, body })).status).toBe(
				404
			);
			const scope = await call('POST', `/organisations/${w.orgA.id}/spasers`, { token: tokens.editorRead, body });
			expect(scope.status).toBe(403);
			expect(scope.body.error.code).toBe('insufficient_scope');
			expect(await countSpasers(w.orgA.id)).toBe(before);
		});

		it('lists the collectivité’s SPASERs to its members; 404 to an outsider', async () => {
			const viewer = await call('GET', `/organisations/${w.orgA.id}/spasers`, { token: tokens.viewer });
			expect(viewer.status).toBe(200);
			const mine = viewer.body.items.find((s: Body) => s.id === spaserId);
			expect(mine).toMatchObject({ title: 'SPASER 2026–2029 de la ville', myAccess: 'read' });
			expect((await call('GET', `/organisations/${w.orgA.id}/spasers`, { token: tokens.outsider })).status).toBe(404);
			const own = await call('GET', `/organisations/${w.orgB.id}/spasers`, { token: tokens.outsider });
			expect(own.status).toBe(200);
			expect(own.body.items).toEqual([]);
			expect((await call('GET', `/organisations/${w.orgA.id}/spasers`)).status).toBe(401);
		});
	});

	describe('reading and changing one SPASER', () => {
		it('GET shows the metadata, my access and the owners', async () => {
			const editor = await call('GET', `/spasers/${spaserId}`, { token: tokens.editor });
			expect(editor.status).toBe(200);
			expect(editor.body.myAccess).toBe('write');
			const viewer = await call('GET', `/spasers/${spaserId}`, { token: tokens.viewer });
			expect(viewer.body).toMatchObject({
				id: spaserId,
				myAccess: 'read',
				owners: [{ orgId: w.orgA.id, slug: w.orgA.slug, isLead: true }]
			});
			expect((await call('GET', `/spasers/not-a-uuid`, { token: tokens.viewer })).status).toBe(400);
			expect((await call('GET', `/spasers/${crypto.randomUUID()}`, { token: tokens.viewer })).status).toBe(404);
		});

		it('an outsider gets 404 on every /spasers/{id} route, and nothing changes', async () => {
			const versions = await call('GET', `/spasers/${spaserId}/versions`, { token: tokens.editor });
			const before = {
				doc: (await call('GET', `/spasers/${spaserId}`, { token: tokens.editor })).body,
				versions: versions.body.items.length
			};
			const v = await call('POST', `/spasers/${spaserId}/versions`, {
				token: tokens.editor,
				body: { name: 'Version témoin' }
			});
			expect(v.status).toBe(201);
			const routes: [string, string, unknown?][] = [
				['GET', `/spasers/${spaserId}`],
				['PATCH', `/spasers/${spaserId}`, { title: 'Piraté' }],
				['GET', `/spasers/${spaserId}/nodes`],
				['GET', `/spasers/${spaserId}/targets`],
				['GET', `/spasers/${spaserId}/versions`],
				['POST', `/spasers/${spaserId}/versions`, { name: 'Intrus' }],
				['GET', `/spasers/${spaserId}/versions/${v.body.id}`],
				['GET', `/spasers/${spaserId}/export`],
				['GET', `/spasers/${spaserId}/export?format=docx`]
			];
			// every route of the registry under /spasers/{id} is covered
			const covered = new Set(
				routes.map(([m, p]) => `${m} ${p.split('?')[0].replace(spaserId, '{id}').replace(v.body.id, '{versionId}')}`)
			);
			for (const e of apiEndpoints.filter((e) => e.path.startsWith('/spasers/{id}')))
				expect(covered.has(`${e.method} ${e.path}`), e.path).toBe(true);
			for (const [method, path, body] of routes) {
				const r = await call(method, path, { token: tokens.outsider, body });
				expect(r.status, `${method} ${path}`).toBe(404);
				expect(r.body.error.code).toBe('not_found');
			}
			const after = await call('GET', `/spasers/${spaserId}`, { token: tokens.editor });
			expect(after.body.title).toBe(before.doc.title);
			expect((await call('GET', `/spasers/${spaserId}/versions`, { token: tokens.editor })).body.items.length).toBe(
				before.versions + 1
			);
		});

		it('a viewer reads everything but cannot PATCH nor save a version (403, insufficient rights)', async () => {
			for (const path of ['', '/nodes', '/targets', '/versions', '/export', '/export?format=docx'])
				expect((await call('GET', `/spasers/${spaserId}${path}`, { token: tokens.viewer })).status, path).toBe(200);
			const patch = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.viewer,
				body: { title: 'Titre du lecteur' }
			});
			expect(patch.status).toBe(403);
			expect(patch.body.error.code).toBe('forbidden');
			expect(patch.body.error.message).toContain('rédacteurs');
			const share = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.viewer,
				body: { sharedWithNetworks: true }
			});
			expect(share.status).toBe(403);
			const version = await call('POST', `/spasers/${spaserId}/versions`, {
				token: tokens.viewer,
				body: { name: 'Version du lecteur' }
			});
			expect(version.status).toBe(403);
			const doc = await call('GET', `/spasers/${spaserId}`, { token: tokens.viewer });
			expect(doc.body.title).toBe('SPASER 2026–2029 de la ville');
			expect(doc.body.sharedWithNetworks).toBe(false);
			const versions = await call('GET', `/spasers/${spaserId}/versions`, { token: tokens.viewer });
			expect(versions.body.items.some((v: Body) => v.name === 'Version du lecteur')).toBe(false);
		});

		it('PATCH changes the metadata through the services: transitions, adoption and their French errors', async () => {
			const title = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.editor,
				body: { title: 'SPASER de la ville', periodEnd: 2030 }
			});
			expect(title.status).toBe(200);
			expect(title.body).toMatchObject({
				title: 'SPASER de la ville',
				periodStart: 2026,
				periodEnd: 2030,
				status: 'brouillon'
			});

			const jump = await call('PATCH', `/spasers/${spaserId}`, { token: tokens.editor, body: { status: 'adopte' } });
			expect(jump.status).toBe(409);
			expect(jump.body.error.code).toBe('transition_not_allowed');
			expect(jump.body.error.message).toContain('Brouillon');
			expect(jump.body.error.details.fields.status).toBe(jump.body.error.message);

			const period = await call('PATCH', `/spasers/${spaserId}`, { token: tokens.editor, body: { periodStart: 2031 } });
			expect(period.status).toBe(400);
			expect(period.body.error.message).toBe('La fin de période doit suivre son début.');

			const badValues = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.editor,
				body: { status: 'publie', adoptedOn: '15/12/2025', sharedWithNetworks: 'oui' }
			});
			expect(badValues.status).toBe(400);
			expect(badValues.body.error.details.fields.status).toContain('Statut inconnu');
			expect(badValues.body.error.details.fields.adoptedOn).toContain('AAAA-MM-JJ');
			expect(badValues.body.error.details.fields.sharedWithNetworks).toContain('true ou false');

			expect(
				(await call('PATCH', `/spasers/${spaserId}`, { token: tokens.editor, body: { status: 'en_consultation' } }))
					.body.nextStatuses
			).toEqual(['brouillon', 'adopte']);
			const noDate = await call('PATCH', `/spasers/${spaserId}`, { token: tokens.editor, body: { status: 'adopte' } });
			expect(noDate.status).toBe(400);
			expect(noDate.body.error.details.fields.adoptedOn).toContain('date d’adoption');
			const future = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.editor,
				body: { status: 'adopte', adoptedOn: '2099-01-01', deliberationRef: 'n° 2099-1' }
			});
			expect(future.status).toBe(400);
			expect(future.body.error.message).toContain('futur');
			expect((await call('GET', `/spasers/${spaserId}`, { token: tokens.editor })).body.status).toBe('en_consultation');

			const adopted = await call('PATCH', `/spasers/${spaserId}`, {
				token: tokens.editor,
				body: { status: 'adopte', adoptedOn: '2025-12-15', deliberationRef: 'n° 2025-12-07', sharedWithNetworks: true }
			});
			expect(adopted.status).toBe(200);
			expect(adopted.body).toMatchObject({
				status: 'adopte',
				statusLabel: 'Adopté',
				adoptedOn: '2025-12-15',
				deliberationRef: 'n° 2025-12-07',
				sharedWithNetworks: true,
				nextStatuses: ['archive']
			});
			// shared: the network's animator now reads it (read-only)
			const animator = await call('GET', `/spasers/${spaserId}`, { token: tokens.animator });
			expect(animator.status).toBe(200);
			expect(animator.body.myAccess).toBe('read');
			expect(
				(await call('PATCH', `/spasers/${spaserId}`, { token: tokens.animator, body: { title: 'Animé' } })).status
			).toBe(403);
			// an empty PATCH changes nothing
			const same = await call('PATCH', `/spasers/${spaserId}`, { token: tokens.editor, body: {} });
			expect(same.status).toBe(200);
			expect(same.body.title).toBe('SPASER de la ville');
		});
	});

	describe('versions', () => {
		it('saves a named version of the live document (201, Location), lists it and reads it with its content', async () => {
			const r = await call('POST', `/spasers/${spaserId}/versions`, {
				token: tokens.editor,
				body: { name: '  Version adoptée le 15/12/2025 — délibération n° 2025-12-07 ' }
			});
			expect(r.status).toBe(201);
			expect(r.headers.get('location')).toBe(`/api/v1/spasers/${spaserId}/versions/${r.body.id}`);
			expect(r.body).toMatchObject({
				kind: 'named',
				kindLabel: 'Version nommée',
				name: 'Version adoptée le 15/12/2025 — délibération n° 2025-12-07',
				createdBy: w.editorA.id,
				createdByName: 'Éric Rédacteur',
				publishedAt: null
			});

			const list = await call('GET', `/spasers/${spaserId}/versions`, { token: tokens.viewer });
			expect(list.status).toBe(200);
			expect(list.body.items[0].id).toBe(r.body.id);
			const times = list.body.items.map((v: Body) => Date.parse(v.createdAt));
			expect(times).toEqual([...times].sort((a, b) => b - a));

			const detail = await call('GET', `/spasers/${spaserId}/versions/${r.body.id}`, { token: tokens.viewer });
			expect(detail.status).toBe(200);
			expect(detail.body.content).toEqual(await liveContent(spaserId));
			expect(detail.body.name).toBe(r.body.name);
		});

		it('refuses an empty name (400), a version of another SPASER (404), an unknown version (404)', async () => {
			const empty = await call('POST', `/spasers/${spaserId}/versions`, {
				token: tokens.editor,
				body: { name: '   ' }
			});
			expect(empty.status).toBe(400);
			expect(empty.body.error.details.fields.name).toContain('Donnez un nom');
			const other = await call('POST', `/organisations/${w.orgA.id}/spasers`, {
				token: tokens.editor,
				body: { title: 'Autre SPASER', periodStart: 2026, periodEnd: 2028 }
			});
			const v = await call('POST', `/spasers/${other.body.id}/versions`, {
				token: tokens.editor,
				body: { name: 'Version de l’autre' }
			});
			expect(v.status).toBe(201);
			expect((await call('GET', `/spasers/${spaserId}/versions/${v.body.id}`, { token: tokens.editor })).status).toBe(
				404
			);
			expect(
				(await call('GET', `/spasers/${spaserId}/export?versionId=${v.body.id}`, { token: tokens.editor })).status
			).toBe(404);
			expect(
				(await call('GET', `/spasers/${spaserId}/versions/${crypto.randomUUID()}`, { token: tokens.editor })).status
			).toBe(404);
		});
	});

	describe('export and import', () => {
		it('JSON export → import gives the same tree (ids, order, texts, targets, settings)', async () => {
			const exp = await call('GET', `/spasers/${spaserId}/export`, { token: tokens.viewer });
			expect(exp.status).toBe(200);
			expect(exp.headers.get('content-type')).toContain('application/json');
			expect(exp.headers.get('content-disposition')).toMatch(/^attachment; filename="SPASER_de_la_ville\.json"/);
			expect(exp.body).toMatchObject({
				format: 'spaser-commun',
				version: 1,
				document: {
					title: 'SPASER de la ville',
					periodStart: 2026,
					periodEnd: 2030,
					status: 'adopte',
					adoptedOn: '2025-12-15',
					deliberationRef: 'n° 2025-12-07'
				}
			});
			const original = await liveContent(spaserId);
			expect(exp.body.content).toEqual(original);

			const before = await countSpasers(w.orgA.id);
			const imp = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.editor, body: exp.body });
			expect(imp.status).toBe(201);
			const copyId = imp.body.id;
			expect(copyId).not.toBe(spaserId);
			expect(imp.headers.get('location')).toBe(`/api/v1/spasers/${copyId}`);
			expect(imp.body).toMatchObject({
				title: 'SPASER de la ville',
				periodStart: 2026,
				periodEnd: 2030,
				status: 'brouillon',
				adoptedOn: '2025-12-15',
				deliberationRef: 'n° 2025-12-07',
				myAccess: 'write',
				owners: [{ orgId: w.orgA.id, isLead: true }]
			});
			expect(imp.body.slug).not.toBe((await call('GET', `/spasers/${spaserId}`, { token: tokens.editor })).body.slug);
			expect(await countSpasers(w.orgA.id)).toBe(before + 1);

			// same tree in the live document, in a second export and in the projection
			expect(await liveContent(copyId)).toEqual(original);
			const again = await call('GET', `/spasers/${copyId}/export`, { token: tokens.editor });
			expect(again.body.content).toEqual(exp.body.content);
			const n1 = await call('GET', `/spasers/${spaserId}/nodes`, { token: tokens.editor });
			const n2 = await call('GET', `/spasers/${copyId}/nodes`, { token: tokens.editor });
			expect(n2.body.items).toHaveLength(original.nodes.length);
			expect(n2.body.items).toEqual(n1.body.items);
			const t1 = await call('GET', `/spasers/${spaserId}/targets`, { token: tokens.editor });
			const t2 = await call('GET', `/spasers/${copyId}/targets`, { token: tokens.editor });
			expect(t2.body.items).toEqual(t1.body.items);
			// the imported state is kept as a named version
			const versions = await call('GET', `/spasers/${copyId}/versions`, { token: tokens.editor });
			expect(versions.body.items).toHaveLength(1);
			expect(versions.body.items[0]).toMatchObject({ kind: 'named', name: expect.stringContaining('Import') });

			// orgId in the body works too
			const viaBody = await call('POST', '/spasers/import', {
				token: tokens.editor,
				body: { ...exp.body, orgId: w.orgA.id }
			});
			expect(viaBody.status).toBe(201);
			expect(await liveContent(viaBody.body.id)).toEqual(original);
		});

		it('exports a version rather than the live document with versionId', async () => {
			const list = await call('GET', `/spasers/${spaserId}/versions`, { token: tokens.editor });
			const v = list.body.items.find((x: Body) => x.kind === 'named');
			const detail = await call('GET', `/spasers/${spaserId}/versions/${v.id}`, { token: tokens.editor });
			const exp = await call('GET', `/spasers/${spaserId}/export?versionId=${v.id}`, { token: tokens.editor });
			expect(exp.status).toBe(200);
			expect(exp.body.content).toEqual(detail.body.content);
		});

		it('refuses an invalid file with a French message per problem (400), and creates nothing', async () => {
			const exp = (await call('GET', `/spasers/${spaserId}/export`, { token: tokens.editor })).body;
			const before = await countSpasers(w.orgA.id);
			const broken = structuredClone(exp);
			broken.content.nodes[1].parentId = crypto.randomUUID();
			broken.content.nodes[2].title = 'x'.repeat(1001);
			broken.content.nodes[3].targets.push({ ...(broken.content.nodes[3].targets[0] ?? {}), id: '' });
			broken.document.periodEnd = 1900;
			const r = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.editor, body: broken });
			expect(r.status).toBe(400);
			expect(r.body.error.code).toBe('invalid');
			const fields = r.body.error.details.fields as Record<string, string>;
			expect(fields['content.nodes.2.title']).toBe('Un titre est limité à 1 000 caractères.');
			expect(fields['document.periodEnd']).toContain('1990');
			expect(Object.keys(fields).some((k) => k.startsWith('content.nodes.3.targets'))).toBe(true);
			// the tree rules (parents, cycles) are checked once the values are
			const orphan = structuredClone(exp);
			orphan.content.nodes[1].parentId = crypto.randomUUID();
			const o = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.editor, body: orphan });
			expect(o.status).toBe(400);
			expect(o.body.error.details.fields['content.nodes.1.parentId']).toContain('introuvable');

			const notAnExport = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, {
				token: tokens.editor,
				body: { format: 'autre', version: 2 }
			});
			expect(notAnExport.status).toBe(400);
			expect(notAnExport.body.error.details.fields.format).toContain("n'est pas un export SPASER Commun");
			expect(notAnExport.body.error.details.fields.version).toContain('version 1');

			const future = structuredClone(exp);
			future.document.adoptedOn = '2099-06-01';
			const f = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.editor, body: future });
			expect(f.status).toBe(400);
			expect(f.body.error.details.fields['document.adoptedOn']).toContain('futur');

			const noOrg = await call('POST', '/spasers/import', { token: tokens.editor, body: exp });
			expect(noOrg.status).toBe(400);
			expect(noOrg.body.error.details.fields.orgId).toContain('orgId');
			const twoOrgs = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, {
				token: tokens.editor,
				body: { ...exp, orgId: w.orgB.id }
			});
			expect(twoOrgs.status).toBe(400);
			expect(await countSpasers(w.orgA.id)).toBe(before);
		});

		it('a viewer cannot import (403), an outsider cannot import into A (404)', async () => {
			const exp = (await call('GET', `/spasers/${spaserId}/export`, { token: tokens.editor })).body;
			const before = await countSpasers(w.orgA.id);
			const viewer = await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.viewer, body: exp });
			expect(viewer.status).toBe(403);
			expect(viewer.body.error.code).toBe('forbidden');
			expect(
				(await call('POST', `/spasers/import?orgId=${w.orgA.id}`, { token: tokens.outsider, body: exp })).status
			).toBe(404);
			expect(await countSpasers(w.orgA.id)).toBe(before);
			// into their own collectivité, the outsider may
			const own = await call('POST', `/spasers/import?orgId=${w.orgB.id}`, { token: tokens.outsider, body: exp });
			expect(own.status).toBe(201);
			expect(own.body.owners).toEqual([expect.objectContaining({ orgId: w.orgB.id, isLead: true })]);
		});

		it('DOCX export: a Word file (PK zip) with Content-Disposition, containing every node title', async () => {
			const r = await call('GET', `/spasers/${spaserId}/export?format=docx`, { token: tokens.viewer });
			expect(r.status).toBe(200);
			expect(r.headers.get('content-type')).toBe(DOCX);
			expect(r.headers.get('content-disposition')).toBe(
				`attachment; filename="SPASER_de_la_ville.docx"; filename*=UTF-8''${encodeURIComponent('SPASER de la ville.docx')}`
			);
			expect(Number(r.headers.get('content-length'))).toBe(r.bytes.length);
			expect(r.bytes.subarray(0, 2).toString('latin1')).toBe('PK');
			const xml = unzip(r.bytes).get('word/document.xml')!.toString('utf8');
			const paras = docxParagraphs(xml);
			const { order, outline } = outlineContent(await liveContent(spaserId));
			for (const n of order)
				expect(
					paras.some((p) => p.startsWith(outline.get(n.id)!.label) && p.endsWith(`— ${n.title}`)),
					n.title
				).toBe(true);
			expect(paras).toContain('SPASER de la ville');

			const head = await dispatchApi(
				new Request(`http://localhost/api/v1/spasers/${spaserId}/export?format=docx`, {
					method: 'HEAD',
					headers: { authorization: `Bearer ${tokens.viewer}` }
				}),
				{
					db,
					auth: { kind: 'token', caller: { user: { id: w.viewerA.id, email: w.viewerA.email }, scopes: ['read'] } }
				}
			);
			expect(head.status).toBe(200);
			expect(head.headers.get('content-type')).toBe(DOCX);
			expect(await head.text()).toBe('');

			const bad = await call('GET', `/spasers/${spaserId}/export?format=pdf`, { token: tokens.viewer });
			expect(bad.status).toBe(400);
			expect(bad.body.error.details.fields.format).toContain('json ou docx');
		});
	});

	describe('OpenAPI document', () => {
		it('documents the SPASER endpoints, the JSON and DOCX exports and the import body', () => {
			const doc = JSON.parse(JSON.stringify(getOpenApiDocument())) as Body;
			const ops = Object.entries(doc.paths as Record<string, Body>).flatMap(([path, item]) =>
				Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`)
			);
			expect(ops).toEqual(
				expect.arrayContaining([
					'GET /organisations/{id}/spasers',
					'POST /organisations/{id}/spasers',
					'POST /spasers/import',
					'GET /spasers/{id}',
					'PATCH /spasers/{id}',
					'GET /spasers/{id}/nodes',
					'GET /spasers/{id}/targets',
					'GET /spasers/{id}/versions',
					'POST /spasers/{id}/versions',
					'GET /spasers/{id}/versions/{versionId}',
					'GET /spasers/{id}/export'
				])
			);
			const exp = doc.paths['/spasers/{id}/export'].get;
			expect(exp.responses['200'].content['application/json'].schema).toEqual({
				$ref: '#/components/schemas/SpaserExport'
			});
			expect(exp.responses['200'].content[DOCX].schema).toMatchObject({ type: 'string', format: 'binary' });
			expect(exp.responses['200'].headers['Content-Disposition'].schema).toEqual({ type: 'string' });
			expect(exp.parameters).toEqual(
				expect.arrayContaining([
					expect.objectContaining({
						name: 'format',
						in: 'query',
						required: false,
						schema: expect.objectContaining({ enum: ['json', 'docx'] })
					}),
					expect.objectContaining({ name: 'versionId', in: 'query', required: false })
				])
			);
			expect(doc.paths['/spasers/import'].post.requestBody.content['application/json'].schema).toEqual({
				$ref: '#/components/schemas/SpaserImport'
			});
			// the recursive rich text is a named schema referenced from the content
			expect(doc.components.schemas.SpaserRichNode.properties.content.items).toEqual({
				$ref: '#/components/schemas/SpaserRichNode'
			});
			expect(JSON.stringify(doc.components.schemas.SpaserContentInput)).toContain(
				'#/components/schemas/SpaserRichNodeInput'
			);
			expect(doc.components.schemas.SpaserInput.properties.templateKey.enum).toEqual(TEMPLATES.map((t) => t.key));
			expect(doc.tags.find((t: Body) => t.name === 'SPASER').description).toMatch(/SPASER|achats/);
		});
	});
});
