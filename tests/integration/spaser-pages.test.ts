import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { addCoOwner, createSpaserRecord, setSharingWithNetworks } from '../../src/lib/server/spaser/documents';
import { listMentionablePeople, readableContent } from '../../src/lib/server/spaser/pages';
import { contentDisposition } from '../../src/lib/server/spaser/export';
import type { DocContent } from '../../src/lib/spaser/ydoc';
import { buildTemplate } from '../../src/lib/spaser/templates';
import { engines, openTestDb } from '../helpers/engines';
import { addMember, createUser } from '../helpers/factories';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('readableContent', () => {
	const content: DocContent = {
		settings: { levelNames: ['Pilier', 'Objectif', 'Action'], numbering: 'per_parent' },
		nodes: [
			{
				id: id(1),
				parentId: null,
				order: 'a0',
				title: 'Social',
				body: [],
				kind: 'normal',
				status: 'a_lancer',
				pilot: '',
				resources: [],
				tools: [],
				links: [id(3)],
				targets: []
			},
			{
				id: id(2),
				parentId: id(1),
				order: 'a0',
				title: 'Insertion',
				body: [
					{
						type: 'paragraph',
						content: [
							{ type: 'text', text: '<script>alert(1)</script> clauses ' },
							{ type: 'text', text: 'lien', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }
						]
					}
				],
				kind: 'action_bonus',
				status: 'en_cours',
				pilot: 'Direction des achats',
				resources: ['DRH', 'Emploi'],
				tools: [],
				links: [id(99)],
				targets: [
					{
						id: 't1',
						indicatorCode: null,
						label: 'Heures d’insertion',
						unit: 'heures',
						value: 12000,
						year: 2028,
						milestones: [{ year: 2026, value: 8000 }],
						baselineYear: null,
						relative: false,
						thresholdEurHt: 90000,
						scope: 'travaux'
					}
				]
			},
			{
				id: id(3),
				parentId: id(1),
				order: 'a1',
				title: '',
				body: [],
				kind: 'normal',
				status: 'a_lancer',
				pilot: '',
				resources: [],
				tools: [],
				links: [],
				targets: []
			},
			{
				id: id(4),
				parentId: null,
				order: 'a1',
				title: 'Environnement',
				body: [],
				kind: 'normal',
				status: 'a_lancer',
				pilot: '',
				resources: [],
				tools: [],
				links: [],
				targets: []
			}
		]
	};

	it('numbers nodes with the SPASER level names, in document order, and counts levels and targets', () => {
		const r = readableContent(content);
		expect(r.nodes.map((n) => `${n.label}|${n.depth}`)).toEqual([
			'Pilier 1|1',
			'Objectif 1.1|2',
			'Objectif 1.2|2',
			'Pilier 2|1'
		]);
		expect(r.countsByLevel).toEqual([2, 2]);
		expect(r.targetCount).toBe(1);
		expect(r.nodes[1].kindLabel).toBe('Action bonus');
		expect(r.nodes[1].statusLabel).toBe('En cours');
	});

	it('escapes text and drops unsafe links in bodies', () => {
		const html = readableContent(content).nodes[1].bodyHtml;
		expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
		expect(html).not.toContain('<script');
		expect(html).not.toContain('javascript:');
		expect(html).toContain('lien');
	});

	it('formats targets in French and resolves links to existing nodes only', () => {
		const r = readableContent(content);
		const t = r.nodes[1].targets[0];
		expect(t.indicator).toBe('Heures d’insertion');
		expect(t.value).toBe('12\u202f000\u00a0heures en 2028');
		expect(t.milestones).toBe('2026\u00a0: 8\u202f000\u00a0heures');
		expect(t.perimeter).toBe('travaux — marchés de plus de 90\u202f000\u00a0€ HT');
		expect(r.nodes[0].links).toEqual(['Objectif 1.2 — sans titre']);
		expect(r.nodes[1].links).toEqual([]);
	});

	it('renders every node of a real template', () => {
		const tpl = buildTemplate('cinq_axes', { periodStart: 2026, periodEnd: 2029 });
		const r = readableContent(tpl);
		expect(r.nodes).toHaveLength(tpl.nodes.length);
		expect(r.countsByLevel.reduce((a, b) => a + b, 0)).toBe(tpl.nodes.length);
		expect(r.targetCount).toBe(tpl.nodes.reduce((s, n) => s + n.targets.length, 0));
		expect(r.targetCount).toBeGreaterThan(0);
	});
});

describe('contentDisposition', () => {
	it('gives an ASCII fallback and the UTF-8 name, without path or quote characters', () => {
		const h = contentDisposition('SPASER 2026–2029 « Ville d’Été » / "test"', 'docx');
		expect(h.startsWith('attachment; filename="')).toBe(true);
		const ascii = /filename="([^"]*)"/.exec(h)![1];
		expect(ascii).toMatch(/^[A-Za-z0-9._()-]+\.docx$/);
		expect(ascii).toContain('Ville');
		const utf8 = decodeURIComponent(/filename\*=UTF-8''(.*)$/.exec(h)![1]);
		expect(utf8).toBe('SPASER 2026–2029 « Ville d’Été » test.docx');
		expect(utf8).not.toMatch(/[/"\\]/);
	});

	it('falls back to « SPASER » for an empty name', () => {
		expect(contentDisposition('   ', 'json')).toBe(`attachment; filename="SPASER.json"; filename*=UTF-8''SPASER.json`);
	});
});

describe.each(engines)('listMentionablePeople (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	let docId: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
		docId = (
			await createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER mentions',
				periodStart: 2026,
				periodEnd: 2029
			})
		).id;
	});
	afterAll(async () => {
		await db?.close();
	});

	it('lists the members of the owning collectivités (names only), for any reader', async () => {
		for (const reader of [w.adminA, w.editorA, w.viewerA]) {
			const people = await listMentionablePeople(db, reader, docId);
			expect(people.map((p) => p.name).sort()).toEqual(['Alice Admin', 'Véra Lectrice', 'Éric Rédacteur'].sort());
			expect(people.every((p) => p.orgs.length === 1 && p.orgs[0] === w.orgA.name)).toBe(true);
			expect(Object.keys(people[0]).sort()).toEqual(['id', 'name', 'orgs']);
		}
	});

	it('refuses people who cannot read the SPASER, like a missing document', async () => {
		for (const [actor, doc] of [
			[w.adminB, docId],
			[w.animator, docId],
			[w.adminA, '00000000-0000-4000-8000-000000000000'],
			[w.adminA, 'pas-un-id']
		] as const) {
			const e = await listMentionablePeople(db, actor, doc).then(
				() => null,
				(x: unknown) => x
			);
			expect(e).toBeInstanceOf(AppError);
			expect((e as AppError).status).toBe(404);
		}
	});

	it('lets a network animator list members once the SPASER is shared', async () => {
		await setSharingWithNetworks(db, w.adminA, docId, true);
		const people = await listMentionablePeople(db, w.animator, docId);
		expect(people.map((p) => p.name)).toContain('Alice Admin');
		expect(people.map((p) => p.name)).not.toContain('Anna Animatrice');
		await setSharingWithNetworks(db, w.adminA, docId, false);
	});

	it('includes members of a co-owner the reader does not belong to (joint SPASER)', async () => {
		const colleagueB = await createUser(db, { displayName: 'Brigitte Associée' });
		await addMember(db, w.orgB.id, colleagueB, 'editor');
		await addMember(db, w.orgB.id, w.adminA, 'editor'); // adminA may then associate B
		await addCoOwner(db, w.adminA, docId, w.orgB.id);
		const people = await listMentionablePeople(db, w.viewerA, docId);
		const brigitte = people.find((p) => p.name === 'Brigitte Associée');
		expect(brigitte?.orgs).toEqual([w.orgB.name]);
		const alice = people.find((p) => p.name === 'Alice Admin');
		expect(alice?.orgs.sort()).toEqual([w.orgA.name, w.orgB.name].sort());
	});
});
