import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { addAttachment, getAttachment } from '../../src/lib/server/resources/attachments';
import {
	copyResource,
	listFavourites,
	recordUsage,
	setFavourite,
	useInSpaser
} from '../../src/lib/server/resources/reuse';
import {
	createResource,
	getResource,
	setNationalReference,
	setVisibility,
	updateResource
} from '../../src/lib/server/resources/editing';
import { exportResources, searchResources } from '../../src/lib/server/resources/search';
import { reviewQueue, reviewShare, shareResource } from '../../src/lib/server/resources/sharing';
import { resourceInput, searchParamsSchema, type ResourceInput } from '../../src/lib/server/resources/input';
import { importResources, recordsFromFile, toCsv } from '../../src/lib/server/resources/io';
import { createSpaserRecord } from '../../src/lib/server/spaser/documents';
import { changeLiveDoc, readLiveDoc } from '../../src/lib/server/spaser/live';
import { projectDocument } from '../../src/lib/server/spaser/projection';
import { addNode, bodyFragment, readTree } from '../../src/lib/spaser/ydoc';
import { fragmentToJson, richToText } from '../../src/lib/spaser/rich';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	outbox,
	type TestUser
} from '../helpers/factories';

const clause = (over: Partial<Record<string, unknown>> = {}): ResourceInput =>
	resourceInput.parse({
		kind: 'clause',
		title: 'Clause d’égalité entre les femmes et les hommes',
		summary: 'Rappel des obligations du titulaire en matière d’égalité professionnelle.',
		body: 'Le titulaire veille à l’égalité de traitement entre les femmes et les hommes et respecte les principes de non-discrimination.',
		family: 'sociale',
		mechanism: 'condition_execution',
		segments: ['services.nettoyage'],
		cpvCodes: ['90910000-9'],
		...over
	});

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect((e as AppError).code).toBe(code);
		return e as AppError;
	}
	throw new Error(`expected AppError ${code}`);
}

async function pdfWith(text: string): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	const page = doc.addPage();
	const font = await doc.embedFont(StandardFonts.Helvetica);
	page.drawText(text, { x: 40, y: 700, size: 12, font });
	return doc.save();
}

function odtWith(text: string): Uint8Array {
	return zipSync({
		mimetype: [strToU8('application/vnd.oasis.opendocument.text'), { level: 0 }],
		'META-INF/manifest.xml': strToU8(
			'<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>'
		),
		'content.xml': strToU8(
			`<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>${text}</text:p></office:text></office:body></office:document-content>`
		)
	});
}

describe.each(engines)('resources (%s)', (engine) => {
	let db: Database;
	let adminA: TestUser,
		viewerA: TestUser,
		adminB: TestUser,
		adminC: TestUser,
		anim: TestUser,
		anim2: TestUser,
		platform: TestUser;
	let orgA: string, orgB: string, orgC: string, net: string, net2: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		adminA = await createUser(db);
		viewerA = await createUser(db);
		adminB = await createUser(db);
		adminC = await createUser(db);
		anim = await createUser(db);
		anim2 = await createUser(db);
		platform = await createUser(db, { platformAdmin: true });
		orgA = (await createOrg(db, adminA, 'Ville A')).id;
		orgB = (await createOrg(db, adminB, 'Ville B')).id;
		orgC = (await createOrg(db, adminC, 'Ville C')).id;
		await addMember(db, orgA, viewerA, 'viewer');
		net = (await createNetwork(db, platform, 'Réseau Sud')).id;
		net2 = (await createNetwork(db, platform, 'Réseau Nord')).id;
		await addAnimatorDirect(db, net, anim);
		await addAnimatorDirect(db, net2, anim2);
		await asService(db, 'test: memberships', async (tx) => {
			for (const o of [orgA, orgB])
				await tx.query(
					`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`,
					[net, o]
				);
			await tx.query(
				`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`,
				[net2, orgC]
			);
		});
	}, 120_000);
	afterAll(async () => db?.close());

	const sees = async (who: TestUser | null, id: string) => {
		try {
			await getResource(db, who, id);
			return true;
		} catch (e) {
			expect((e as AppError).code).toBe('not_found');
			return false;
		}
	};
	const canDownload = async (who: TestUser | null, attId: string) => {
		try {
			await getAttachment(db, who, attId);
			return true;
		} catch (e) {
			expect((e as AppError).code).toBe('not_found');
			return false;
		}
	};

	it('keeps a private item and its attachments to its collectivité, even by guessed ids', async () => {
		const id = await createResource(db, adminA, orgA, clause({ title: 'Clause privée de la ville A' }));
		const att = await addAttachment(db, adminA, id, 'note.pdf', await pdfWith('Note interne confidentielle'));
		expect(att.mime).toBe('application/pdf');
		expect(await sees(adminA, id)).toBe(true);
		expect(await sees(viewerA, id)).toBe(true);
		for (const other of [adminB, adminC, anim, anim2, platform, null]) {
			expect(await sees(other, id)).toBe(false);
			expect(await canDownload(other, att.id)).toBe(false);
		}
		expect(await canDownload(viewerA, att.id)).toBe(true);
		// A viewer reads but does not write.
		await expectAppError(updateResource(db, viewerA, id, clause({ title: 'Changement' })), 'forbidden');
		await expectAppError(createResource(db, viewerA, orgA, clause()), 'forbidden');
		// Nobody else writes into A's item, even through a direct statement.
		const rows = await withUser(db, adminB, (tx) =>
			tx.query(`update public.resources set title = 'piraté' where id = $1 returning id`, [id])
		);
		expect(rows).toHaveLength(0);
	});

	it('shares with the network through review: pending, changes requested with a comment, validated, edited → back to review', async () => {
		const id = await createResource(
			db,
			adminA,
			orgA,
			clause({ title: 'Clause de conditions de travail', visibility: 'network' })
		);
		const att = await addAttachment(db, adminA, id, 'annexe.odt', odtWith('Annexe sur les conditions hébergement'));
		let r = await getResource(db, adminA, id);
		expect(r.visibility).toBe('network');
		expect(r.shares.map((s) => [s.network_id, s.status])).toEqual([[net, 'pending']]);
		expect(r.reliability).toBe('collectivite');
		// Pending: the animator of the network reviews it; members of the network and others do not see it yet.
		expect(await sees(anim, id)).toBe(true);
		expect(await canDownload(anim, att.id)).toBe(true);
		for (const other of [adminB, adminC, anim2, null]) expect(await sees(other, id)).toBe(false);
		expect(await canDownload(adminB, att.id)).toBe(false);
		expect((await reviewQueue(db, anim)).map((q) => q.id)).toContain(id);
		expect((await reviewQueue(db, anim2)).map((q) => q.id)).not.toContain(id);

		// Only the network's animator decides; a request for changes needs a comment.
		await expectAppError(
			reviewShare(db, adminA, id, { networkId: net, decision: 'validated', comment: '' }),
			'forbidden'
		);
		await expectAppError(
			reviewShare(db, anim2, id, { networkId: net, decision: 'validated', comment: '' }),
			'forbidden'
		);
		await expectAppError(
			reviewShare(db, anim, id, { networkId: net, decision: 'changes_requested', comment: '' }),
			'comment_required'
		);
		await reviewShare(db, anim, id, {
			networkId: net,
			decision: 'changes_requested',
			comment: 'Citez l’article L3245-2 du code du travail.'
		});
		r = await getResource(db, adminA, id);
		expect(r.shares[0].status).toBe('changes_requested');
		expect(r.shares[0].comment).toContain('L3245-2');
		expect(await sees(adminB, id)).toBe(false);
		const mails = await outbox(db, adminA.email);
		expect(mails.map((m) => m.subject)).toContain('Modifications demandées : Clause de conditions de travail');
		expect(mails.find((m) => m.subject.startsWith('Modifications'))!.text_body).toContain('Citez l’article L3245-2');

		// The author edits: back to pending, version 2.
		await updateResource(
			db,
			adminA,
			id,
			clause({
				title: 'Clause de conditions de travail',
				legalRefs: 'Art. L3245-2 du code du travail',
				visibility: 'network'
			})
		);
		r = await getResource(db, adminA, id);
		expect(r.shares[0].status).toBe('pending');
		expect(r.version).toBe(2);
		expect(r.versions.map((v) => v.version)).toEqual([2, 1]);

		await reviewShare(db, anim, id, { networkId: net, decision: 'validated', comment: '' });
		r = await getResource(db, adminB, id);
		expect(r.reliability).toBe('reseau');
		expect(r.org_name).toBe('Ville A');
		expect(await canDownload(adminB, att.id)).toBe(true);
		// Another network's members, anonymous visitors: still nothing.
		for (const other of [adminC, anim2, null]) expect(await sees(other, id)).toBe(false);
		expect(await canDownload(adminC, att.id)).toBe(false);

		// A validated item that is edited goes back to review and leaves the network until validated again.
		await updateResource(
			db,
			adminA,
			id,
			clause({ title: 'Clause de conditions de travail (v3)', legalRefs: 'Art. L3245-2', visibility: 'network' })
		);
		r = await getResource(db, adminA, id);
		expect(r.shares[0].status).toBe('pending');
		expect(r.reliability).toBe('collectivite');
		expect(await sees(adminB, id)).toBe(false);
		expect(r.events.map((e) => e.action)).toEqual(
			expect.arrayContaining(['submitted', 'changes_requested', 'resubmitted', 'validated'])
		);

		// Back to private: withdrawn from the network, the animator loses it too.
		await setVisibility(db, adminA, id, 'private');
		expect(await sees(anim, id)).toBe(false);
	});

	it('cannot share with a network the collectivité does not belong to; the animator cannot edit', async () => {
		const id = await createResource(db, adminA, orgA, clause({ title: 'Clause pour réseau étranger' }));
		await expectAppError(shareResource(db, adminA, id, net2), 'no_network');
		await shareResource(db, adminA, id, net);
		const rows = await withUser(db, anim, (tx) =>
			tx.query(`update public.resources set title = 'x' where id = $1 returning id`, [id])
		);
		expect(rows).toHaveLength(0);
		// The author cannot validate their own submission by a direct statement.
		const own = await withUser(db, adminA, (tx) =>
			tx.query(`update public.resource_shares set status = 'validated' where resource_id = $1 returning resource_id`, [
				id
			])
		);
		expect(own).toHaveLength(0);
	});

	it('public items are visible to everyone; only the platform marks a national reference', async () => {
		const id = await createResource(
			db,
			adminC,
			orgC,
			clause({ title: 'Clause publique d’accessibilité numérique', visibility: 'public', family: 'gouvernance' })
		);
		for (const who of [adminA, adminB, anim, null]) expect(await sees(who, id)).toBe(true);
		await expectAppError(setNationalReference(db, adminC, id, true), 'forbidden');
		await setNationalReference(db, platform, id, true);
		expect((await getResource(db, null, id)).reliability).toBe('national');
		// Marking it is all the platform may do: hiding a collectivité's public item is its own editors' decision.
		await expectAppError(setVisibility(db, platform, id, 'private'), 'forbidden');
		await expectAppError(setVisibility(db, anim, id, 'private'), 'forbidden');
		expect(await sees(null, id)).toBe(true);
	});

	it('refuses attachments whose content is not an accepted document, whatever their name, and files over 10 MB', async () => {
		const id = await createResource(db, adminA, orgA, clause({ title: 'Clause avec pièces' }));
		await expectAppError(
			addAttachment(db, adminA, id, 'faux.pdf', new TextEncoder().encode('<html>pas un pdf</html>')),
			'invalid_file_type'
		);
		const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
		await expectAppError(addAttachment(db, adminA, id, 'image.docx', png), 'invalid_file_type');
		const big = new Uint8Array(10 * 1024 * 1024 + 1);
		big.set(new TextEncoder().encode('%PDF-1.7\n'));
		await expectAppError(addAttachment(db, adminA, id, 'gros.pdf', big), 'file_too_large');
		await expectAppError(addAttachment(db, adminB, id, 'a.pdf', await pdfWith('x')), 'forbidden');
		// The name is fixed to the detected type.
		const ok = await addAttachment(db, adminA, id, 'rapport.doc', odtWith('Rapport'));
		expect(ok.filename).toBe('rapport.odt');
	});

	describe('search', () => {
		let envId: string, eqId: string, privId: string, rexId: string;
		beforeAll(async () => {
			const publish = async (over: Record<string, unknown>, owner = adminA, org = orgA) => {
				const id = await createResource(db, owner, org, clause({ visibility: 'network', ...over }));
				await reviewShare(db, anim, id, { networkId: net, decision: 'validated', comment: '' });
				return id;
			};
			envId = await publish({
				title: 'Critère environnemental pour les véhicules',
				summary: 'Émissions de CO2 des véhicules de service.',
				body: 'Le critère environnemental porte sur les émissions de CO2 et le bruit.',
				family: 'environnementale',
				mechanism: 'critere_attribution',
				segments: ['fournitures.vehicules'],
				cpvCodes: ['34100000-8']
			});
			eqId = await publish({
				title: 'Égalité professionnelle',
				body: 'Principe d’égalité salariale et de non-discrimination.'
			});
			privId = await createResource(
				db,
				adminA,
				orgA,
				clause({ title: 'Clause secrète zygomatique', body: 'Texte zygomatique interne.' })
			);
			rexId = await createResource(db, adminB, orgB, {
				...resourceInput.parse({
					kind: 'rex',
					title: 'Nettoyage à l’eau seule avec un plan de progrès',
					family: 'environnementale',
					mechanism: 'plan_progres',
					year: 2023,
					segments: ['services.nettoyage'],
					context: 'Marché de nettoyage des bâtiments administratifs.',
					actions: 'Plan de progrès avec facilitateur.',
					results: [{ label: 'Produits chimiques évités', value: 80, unit: '%' }],
					visibility: 'public'
				})
			});
		});
		const search = (who: TestUser | null, q: Record<string, unknown>) =>
			searchResources(db, who, searchParamsSchema.parse(q));

		it('stems French words and ignores accents', async () => {
			const plural = await search(adminB, { q: 'environnementales' });
			expect(plural.items.map((i) => i.id)).toContain(envId);
			const clauses = await search(adminA, { q: 'clauses' });
			expect(clauses.items.map((i) => i.id)).toContain(privId);
			const egalite = await search(adminB, { q: 'egalite' });
			expect(egalite.items.map((i) => i.id)).toContain(eqId);
			const vehicule = await search(adminB, { q: 'vehicule' });
			expect(vehicule.items[0].id).toBe(envId);
			expect(vehicule.items[0].snippet).toMatch(/<mark>véhicules<\/mark>/);
		});

		it('finds text inside attachments', async () => {
			const id = await createResource(db, adminB, orgB, clause({ title: 'Clause avec annexe', visibility: 'public' }));
			await addAttachment(db, adminB, id, 'annexe.pdf', await pdfWith('Ressourcerie partenaire du territoire'));
			const hits = await search(null, { q: 'ressourceries' });
			expect(hits.items.map((i) => i.id)).toEqual([id]);
		});

		it('never returns a private item to others, nor an unvalidated one', async () => {
			expect((await search(adminB, { q: 'zygomatique' })).total).toBe(0);
			expect((await search(adminC, { q: 'zygomatique' })).total).toBe(0);
			expect((await search(null, { q: 'zygomatique' })).total).toBe(0);
			expect((await search(anim, { q: 'zygomatique' })).total).toBe(0);
			expect((await search(adminA, { q: 'zygomatique' })).total).toBe(1);
			// Nothing private in a search without words either.
			const all = await search(adminC, {});
			const ids = new Set(all.items.map((i) => i.id));
			expect(ids.has(privId)).toBe(false);
			expect(ids.has(envId)).toBe(false); // validated in a network C is not in
			expect(ids.has(rexId)).toBe(true); // public
		});

		it('counts facets over the visible results', async () => {
			const res = await searchResources(db, adminB, searchParamsSchema.parse({}), { pageSize: 100 });
			const visible = await withUser(db, adminB, (tx) =>
				tx.query<{ family: string; kind: string; n: number }>(
					`select family, kind, count(*)::int as n from public.resources group by 1, 2`
				)
			);
			expect(res.total).toBe(visible.reduce((s, r) => s + r.n, 0));
			const byFamily: Record<string, number> = {};
			for (const r of visible) byFamily[r.family] = (byFamily[r.family] ?? 0) + r.n;
			expect(res.facets.family).toEqual(byFamily);
			expect(res.facets.kind.rex).toBe(1);
			expect(res.facets.network.find((n) => n.id === net)?.count).toBe(
				visible.length ? res.items.filter((i) => i.reliability === 'reseau').length : 0
			);
			const env = await search(adminB, { family: 'environnementale' });
			expect(env.total).toBe(byFamily.environnementale);
			expect(env.facets.mechanism).toEqual({ critere_attribution: 1, plan_progres: 1 });
			expect(env.facets.segment['fournitures.vehicules']).toBe(1);
			expect(env.facets.cpv['34']).toBe(1);
			expect(env.facets.year).toEqual({ '2023': 1 });
			const seg = await search(adminB, { segment: 'services' });
			expect(seg.items.map((i) => i.id)).toContain(rexId);
			const cpv = await search(adminB, { cpv: '341' });
			expect(cpv.items.map((i) => i.id)).toEqual([envId]);
		});

		it('sorts by usage', async () => {
			await recordUsage(db, adminB, eqId, { worked: 'Bien accueillie par les candidats.', notWorked: '' });
			await recordUsage(db, adminC, rexId, { worked: '', notWorked: '' });
			await recordUsage(db, adminA, eqId, { worked: '', notWorked: 'Contrôle difficile.' });
			const res = await search(adminB, { sort: 'usage' });
			expect(res.items[0].id).toBe(eqId);
			expect(res.items[0].usage_count).toBe(2);
			const detail = await getResource(db, adminB, eqId);
			expect(detail.feedback.map((f) => f.worked || f.not_worked).sort()).toEqual([
				'Bien accueillie par les candidats.',
				'Contrôle difficile.'
			]);
		});
	});

	it('favourites, copies keeping the source, and use in a SPASER (inserted through the live document, or linked)', async () => {
		const id = await createResource(
			db,
			adminA,
			orgA,
			clause({
				title: 'Clause d’insertion de 150 heures',
				body: 'Le titulaire réserve 150 heures par an.\n\nIl rend compte chaque trimestre.',
				visibility: 'public',
				mechanism: 'clause_insertion'
			})
		);
		await setFavourite(db, adminB, id, true);
		expect((await listFavourites(db, adminB)).map((f) => f.id)).toEqual([id]);
		expect(await listFavourites(db, adminA)).toEqual([]);
		const privateId = await createResource(db, adminA, orgA, clause({ title: 'Privée' }));
		await expectAppError(setFavourite(db, adminB, privateId, true), 'not_found');
		await expectAppError(copyResource(db, adminB, privateId, orgB), 'not_found');

		const copyId = await copyResource(db, adminB, id, orgB);
		const copy = await getResource(db, adminB, copyId);
		expect(copy.visibility).toBe('private');
		expect(copy.source?.id).toBe(id);
		expect(copy.title).toBe('Copie de Clause d’insertion de 150 heures');
		expect(await sees(adminA, copyId)).toBe(false);
		await expectAppError(copyResource(db, adminB, id, orgA), 'forbidden');

		const doc = await createSpaserRecord(db, adminB, {
			title: 'SPASER de la ville B',
			orgIds: [orgB],
			leadOrgId: orgB,
			periodStart: 2026,
			periodEnd: 2030
		});
		let nodeId = '';
		const live = await changeLiveDoc(db, doc.id, (d) => {
			nodeId = addNode(d, { parentId: null, title: 'Axe social' });
		});
		await projectDocument(db, doc.id, live);
		await useInSpaser(db, adminB, id, { documentId: doc.id, nodeId, mode: 'inserted' });
		const after = await readLiveDoc(db, doc.id);
		const text = richToText(fragmentToJson(bodyFragment(after, nodeId)));
		expect(text).toContain('Clause « Clause d’insertion de 150 heures »');
		expect(text).toContain('Il rend compte chaque trimestre.');
		const [projected] = await asService(db, 'test', (tx) =>
			tx.query<{ body_text: string }>(
				`select body_text from public.spaser_nodes where document_id = $1 and node_id = $2`,
				[doc.id, nodeId]
			)
		);
		expect(projected.body_text).toContain('150 heures par an');

		await useInSpaser(db, adminB, id, { documentId: doc.id, nodeId, mode: 'linked' });
		expect(readTree(await readLiveDoc(db, doc.id)).find((n) => n.id === nodeId)!.links).toEqual([
			`/ressources/clauses/${id}`
		]);
		await expectAppError(useInSpaser(db, adminB, id, { documentId: doc.id, nodeId, mode: 'linked' }), 'conflict');
		// Someone who cannot write that SPASER cannot insert into it.
		await expectAppError(useInSpaser(db, adminA, id, { documentId: doc.id, nodeId, mode: 'inserted' }), 'forbidden');
		const links = await withUser(db, adminB, (tx) =>
			tx.query(`select mode from public.resource_spaser_links where document_id = $1 order by created_at`, [doc.id])
		);
		expect(links.map((l) => (l as { mode: string }).mode)).toEqual(['inserted', 'linked']);
	});

	it('a clause inserted with its {paramètres} filled in: the values given, else the defaults; one left empty is refused', async () => {
		const id = await createResource(
			db,
			adminA,
			orgA,
			clause({
				title: 'Pénalité paramétrée',
				body: 'Pénalité de {montant} € HT par jour de retard, plafonnée à {plafond} % du marché.',
				parameters: { montant: 150, plafond: 10 },
				visibility: 'public'
			})
		);
		const doc = await createSpaserRecord(db, adminB, {
			title: 'SPASER paramétré',
			orgIds: [orgB],
			leadOrgId: orgB,
			periodStart: 2026,
			periodEnd: 2030
		});
		let nodeId = '';
		const live = await changeLiveDoc(db, doc.id, (d) => {
			nodeId = addNode(d, { parentId: null, title: 'Axe économique' });
		});
		await projectDocument(db, doc.id, live);
		const bodyOf = async () => richToText(fragmentToJson(bodyFragment(await readLiveDoc(db, doc.id), nodeId)));
		// asked for, one left empty: refused, nothing inserted, nothing recorded
		await expectAppError(
			useInSpaser(db, adminB, id, {
				documentId: doc.id,
				nodeId,
				mode: 'inserted',
				params: { montant: '300', plafond: ' ' }
			}),
			'invalid'
		);
		expect(await bodyOf()).toBe('');
		await useInSpaser(db, adminB, id, { documentId: doc.id, nodeId, mode: 'inserted', params: { montant: '300' } });
		const text = await bodyOf();
		expect(text).toContain('Pénalité de 300 € HT par jour de retard, plafonnée à 10 % du marché.');
		expect(text).not.toMatch(/\{[^}]*\}/);
		// the resource page's flow (no values asked for) fills in the defaults
		await useInSpaser(db, adminB, id, { documentId: doc.id, nodeId, mode: 'inserted' });
		expect(await bodyOf()).toContain('Pénalité de 150 € HT par jour de retard, plafonnée à 10 % du marché.');
		const links = await withUser(db, adminB, (tx) =>
			tx.query(`select mode from public.resource_spaser_links where document_id = $1`, [doc.id])
		);
		expect(links).toHaveLength(2);
	});

	it('exports the filtered visible selection as CSV that imports back row by row', async () => {
		const rows = await exportResources(db, adminB, { family: 'environnementale' });
		expect(rows.length).toBeGreaterThan(0);
		expect(rows.every((r) => r.family === 'environnementale')).toBe(true);
		const visible = await withUser(db, adminB, (tx) =>
			tx.query<{ n: number }>(`select count(*)::int as n from public.resources where family = 'environnementale'`)
		);
		expect(rows.length).toBe(visible[0].n);
		// A title and a summary that a spreadsheet would run as formulas (CSV injection) are exported as text
		// (leading apostrophe) and read back as typed.
		const formula = '=HYPERLINK("https://pirate.example","Cliquez")';
		rows[0] = { ...rows[0], title: formula, summary: '@SUM(A1:A9) résumé' };
		const csv = toCsv(rows);
		expect(csv).toContain(`"'=HYPERLINK(""https://pirate.example"",""Cliquez"")"`);
		expect(csv).toContain("'@SUM(A1:A9) résumé");
		expect(csv.split('\r\n').some((line) => /(^|,)[=+@]/.test(line))).toBe(false);
		const report = await importResources(db, adminC, orgC, recordsFromFile('export.csv', csv));
		expect(report.refused).toBe(0);
		expect(report.imported).toBe(rows.length);
		const copies = await exportResources(db, adminC, { family: 'environnementale', mine: '1' });
		expect(copies.map((r) => r.title).sort()).toEqual(rows.map((r) => r.title).sort());
	});

	it('refuses invalid input with French messages and changes nothing', async () => {
		const bad = resourceInput.safeParse({ kind: 'clause', title: 'A', family: 'x', cpvCodes: '4500000-7' });
		expect(bad.success).toBe(false);
		const messages = bad.error!.issues.map((i) => i.message).join(' | ');
		expect(messages).toContain('Le titre doit faire au moins 3 caractères.');
		expect(messages).toContain('Code CPV invalide');
		await expectAppError(createResource(db, adminA, orgA, clause({ cpvCodes: ['99999999-9'] })), 'invalid_cpv');
	});
});
