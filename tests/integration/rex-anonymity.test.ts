/**
 * Issue 14, item 4: an anonymised REX names its collectivité to nobody but the collectivité's members. The attack:
 * the REX page data carried org_id, and GET /api/v1/organisations/{id} then gave the name. Every serialisation is
 * fetched here as an anonymous visitor, as a member of another collectivité (services and API token) and as the
 * network's animator, and its raw text searched for the collectivité's id, slug and name, the author's id and name
 * and the contact; the members of the collectivité still see them. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { addAttachment } from '../../src/lib/server/resources/attachments';
import { copyResource } from '../../src/lib/server/resources/reuse';
import { createResource, getResource, updateResource } from '../../src/lib/server/resources/editing';
import { exportResources, searchResources } from '../../src/lib/server/resources/search';
import { reviewQueue, shareResource } from '../../src/lib/server/resources/sharing';
import { toCsv, toJson } from '../../src/lib/server/resources/io';
import { listAuditEntries } from '../../src/lib/server/audit/service';
import { resourceInput, searchParamsSchema } from '../../src/lib/server/resources/input';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	type TestUser
} from '../helpers/factories';

const rex = (over: Record<string, unknown>) =>
	resourceInput.parse({
		kind: 'rex',
		title: 'Restauration collective zythophile : 60 % de produits durables',
		summary: 'Retour d’expérience zythophile sur un marché de denrées.',
		family: 'environnementale',
		mechanism: 'critere_attribution',
		year: 2024,
		segments: ['alimentation'],
		context: 'Marché de denrées pour les cantines.',
		actions: 'Allotissement fin et critère de circuits courts.',
		anonymised: true,
		contactName: 'Camille Contactrex',
		contactEmail: 'camille.contactrex@ville-secrete.test',
		...over
	});

async function pdf(text: string): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	const page = doc.addPage();
	page.drawText(text, { x: 40, y: 700, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
	return doc.save();
}

describe.each(engines)('anonymised REX (%s)', (engine) => {
	let db: Database;
	let author: TestUser, colleague: TestUser, other: TestUser, anim: TestUser;
	let org: { id: string; slug: string; name: string };
	let pubId: string, netId: string, clauseId: string, orgB: string, net: string;
	let secrets: string[];
	let otherToken: string, colleagueToken: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		author = await createUser(db, { displayName: 'Dominique Auteurrex' });
		colleague = await createUser(db, { displayName: 'Sacha Collegue' });
		other = await createUser(db);
		anim = await createUser(db);
		const platform = await createUser(db, { platformAdmin: true });
		const o = await createOrg(db, author, 'Ville Secrète de Zorglub');
		org = { id: o.id, slug: o.slug, name: o.name };
		await addMember(db, org.id, colleague, 'viewer');
		orgB = (await createOrg(db, other, 'Ville Curieuse')).id;
		net = (await createNetwork(db, platform, 'Réseau Anonymat')).id;
		await addAnimatorDirect(db, net, anim);
		await asService(db, 'test: memberships', async (tx) => {
			for (const x of [org.id, orgB])
				await tx.query(
					`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`,
					[net, x]
				);
		});
		// A public clause of the same collectivité, linked from the REX: following the link would name the author.
		clauseId = await createResource(
			db,
			author,
			org.id,
			resourceInput.parse({
				kind: 'clause',
				title: 'Critère circuits courts',
				body: 'Le critère apprécie la part de produits issus de circuits courts.',
				family: 'environnementale',
				mechanism: 'critere_attribution',
				visibility: 'public'
			})
		);
		pubId = await createResource(db, author, org.id, rex({ visibility: 'public', linkedClauseIds: [clauseId] }));
		await addAttachment(db, author, pubId, 'bilan.pdf', await pdf('Bilan du marche de denrees'));
		netId = await createResource(
			db,
			author,
			org.id,
			rex({ title: 'Nettoyage zythophile partagé au réseau', visibility: 'private' })
		);
		await shareResource(db, author, netId, net);
		await withUser(db, anim, (tx) =>
			tx.query(`update public.resource_shares set status = 'validated' where resource_id = $1`, [netId])
		);
		otherToken = (await createApiToken(db, other, { name: 'curieux', scopes: ['read'] })).token;
		colleagueToken = (await createApiToken(db, colleague, { name: 'collègue', scopes: ['read'] })).token;
		secrets = [org.id, org.slug, org.name, author.id, author.displayName, 'Contactrex', 'ville-secrete.test', clauseId];
	}, 120_000);
	afterAll(async () => db?.close());

	const leaks = (body: unknown) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		return secrets.filter((s) => text.includes(s));
	};

	/** Every serialisation of the two REX that `who` (null: anonymous) may read, through services and the API. */
	async function everything(who: TestUser | null, token?: string) {
		const out: Record<string, unknown> = {};
		const ids = who ? [pubId, netId] : [pubId];
		for (const id of ids) {
			out[`detail ${id}`] = await getResource(db, who, id);
			out[`api ${id}`] = (await apiCall(db, 'GET', `/resources/${id}`, { token })).body;
		}
		const search = await searchResources(db, who, searchParamsSchema.parse({ q: 'zythophile' }));
		expect(search.items.map((i) => i.id).sort()).toEqual([...ids].sort());
		out.search = search;
		out.mine = await searchResources(db, who, searchParamsSchema.parse({ kind: 'rex' }));
		const api = await apiCall(db, 'GET', '/resources?q=zythophile', { token });
		expect(api.status).toBe(200);
		out.apiSearch = api.body;
		const rows = await exportResources(db, who, { q: 'zythophile' });
		expect(rows).toHaveLength(ids.length);
		out.csv = toCsv(rows);
		out.json = toJson(rows);
		return out;
	}

	it('an anonymous visitor learns nothing of the author', async () => {
		const all = await everything(null);
		expect(leaks(all)).toEqual([]);
		const d = all[`detail ${pubId}`] as Awaited<ReturnType<typeof getResource>>;
		expect(d.org_id).toBeNull();
		expect(d.org_name).toBeNull();
		expect(d.attachments).toHaveLength(1);
	});

	it('a member of another collectivité learns nothing, through the pages’ services or an API token', async () => {
		const all = await everything(other, otherToken);
		expect(leaks(all)).toEqual([]);
		// The attack: the page data gave org_id, the API then the name. There is no id to ask for.
		const d = all[`detail ${netId}`] as Awaited<ReturnType<typeof getResource>>;
		expect(d.org_id).toBeNull();
		expect(d.versions.every((v) => v.author === null)).toBe(true);
		// A copy into the curious collectivité carries no link to the author's own clauses either.
		const copy = await getResource(db, other, await copyResource(db, other, pubId, orgB));
		expect(leaks(copy)).toEqual([]);
	});

	it('the database itself refuses the identifying columns to the API roles', async () => {
		for (const who of [null, other]) {
			for (const col of ['org_id', 'created_by', 'contact_name', 'contact_email'])
				await expect(
					withUser(db, who, (tx) => tx.query(`select ${col} from public.resources where id = $1`, [pubId]))
				).rejects.toThrow(/permission denied/);
			await expect(
				withUser(db, who, (tx) => tx.query(`select created_by from public.resource_versions`))
			).rejects.toThrow(/permission denied/);
			await expect(
				withUser(db, who, (tx) => tx.query(`select created_by from public.resource_attachments`))
			).rejects.toThrow(/permission denied/);
			const [v] = await withUser(db, who, (tx) =>
				tx.query<{ snapshot: unknown }>(`select snapshot from public.resource_versions where resource_id = $1`, [pubId])
			);
			// Versions keep the content (links included), never who wrote it nor the contact.
			expect(leaks(v).filter((x) => x !== clauseId)).toEqual([]);
		}
	});

	it('the network’s animator reviews the REX without learning its author', async () => {
		const queue = await reviewQueue(db, anim);
		const item = queue.find((q) => q.id === netId);
		expect(item).toBeDefined();
		expect(leaks(queue)).toEqual([]);
		const d = await getResource(db, anim, netId);
		expect(leaks(d)).toEqual([]);
		// The animator's own decision stays signed.
		expect(d.events.find((e) => e.action === 'validated')?.actor_name).toBe(anim.displayName);
		// The network's journal records the submission and the decision, without the collectivité nor the author.
		const journal = await listAuditEntries(db, anim, { networkId: net });
		expect(
			journal.entries
				.filter((e) => e.target_id === netId)
				.map((e) => e.action)
				.sort()
		).toEqual(['ressource.partage.pending', 'ressource.partage.validated']);
		// (Its other entries — the collectivités joining the network — are not about the REX.)
		expect(leaks(journal.entries.filter((e) => e.target_id === netId || e.target_id === pubId))).toEqual([]);
		// The collectivité's own journal keeps who submitted it.
		const own = await listAuditEntries(db, author, { orgId: org.id });
		expect(leaks(own.entries.filter((e) => e.target_id === netId))).toContain(author.displayName);
	});

	it('the members of the collectivité see who wrote it, a lecteur included', async () => {
		const d = await getResource(db, colleague, netId);
		expect(d.org_id).toBe(org.id);
		expect(d.org_name).toBe(org.name);
		expect(d.contact_email).toBe('camille.contactrex@ville-secrete.test');
		expect(d.versions[0].author).toBe(author.displayName);
		expect((await getResource(db, colleague, pubId)).linked_clauses.map((c) => c.id)).toEqual([clauseId]);
		const api = await apiCall(db, 'GET', `/resources/${pubId}`, { token: colleagueToken });
		expect(api.body.organisation).toBe(org.name);
		const search = await searchResources(db, colleague, searchParamsSchema.parse({ q: 'zythophile' }));
		expect(search.items.every((i) => i.org_name === org.name)).toBe(true);
		expect(toCsv(await exportResources(db, colleague, { q: 'zythophile' }))).toContain(org.name);
		const mine = await searchResources(db, colleague, searchParamsSchema.parse({ mine: '1', kind: 'rex' }));
		expect(mine.items.map((i) => i.id).sort()).toEqual([pubId, netId].sort());
	});

	it('search does not tell which networks validated an anonymised REX, outside its collectivité', async () => {
		for (const who of [null, other]) {
			const filtered = await searchResources(db, who, searchParamsSchema.parse({ q: 'zythophile', network: net }));
			expect(filtered.items.map((i) => i.id)).toEqual([]);
			const all = await searchResources(db, who, searchParamsSchema.parse({ q: 'zythophile' }));
			expect(all.facets.network).toEqual([]);
			const api = await apiCall(db, 'GET', `/resources?q=zythophile&network=${net}`, {
				token: who ? otherToken : undefined
			});
			expect(api.status).toBe(200);
			expect(JSON.stringify(api.body)).not.toContain(netId);
		}
		// The collectivité's members still filter by the networks that validated their REX.
		const own = await searchResources(db, colleague, searchParamsSchema.parse({ q: 'zythophile', network: net }));
		expect(own.items.map((i) => i.id)).toEqual([netId]);
		expect(
			(await searchResources(db, colleague, searchParamsSchema.parse({ q: 'zythophile' }))).facets.network
		).toEqual([{ id: net, name: 'Réseau Anonymat', count: 1 }]);
	});

	it('a REX anonymised after its validation disappears from the network’s journal, the collectivité keeps it', async () => {
		const input = rex({
			title: 'Mobilier de bureau reconditionné',
			summary: 'Retour d’expérience sur le mobilier.',
			anonymised: false,
			visibility: 'private'
		});
		const id = await createResource(db, author, org.id, input);
		await shareResource(db, author, id, net);
		await withUser(db, anim, (tx) =>
			tx.query(`update public.resource_shares set status = 'validated' where resource_id = $1`, [id])
		);
		const about = async (who: TestUser, scope: Parameters<typeof listAuditEntries>[2]) =>
			(await listAuditEntries(db, who, scope)).entries.filter((e) => e.target_id === id);
		// Not anonymised yet: the animator's journal names the collectivité and the author (as it should).
		expect(leaks(await about(anim, { networkId: net }))).toEqual(
			expect.arrayContaining([org.name, author.displayName])
		);
		// A switches it to anonymised.
		await updateResource(db, author, id, { ...input, visibility: 'network', anonymised: true });
		const journal = await about(anim, { networkId: net });
		// (The edit sends the REX back to review: a new « pending » entry, written anonymised.)
		expect(journal.map((e) => e.action)).toEqual(
			expect.arrayContaining(['ressource.partage.pending', 'ressource.partage.validated'])
		);
		expect(leaks(journal)).toEqual([]);
		// The animator's own decision stays signed; the collectivité's journal keeps who submitted it.
		expect(journal.find((e) => e.action === 'ressource.partage.validated')?.actor_name).toBe(anim.displayName);
		expect(leaks(await about(author, { orgId: org.id }))).toContain(author.displayName);
	});
});
