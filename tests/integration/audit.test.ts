// Audit log (supabase/migrations/20261123090000_audit.sql, src/lib/server/audit): the services' real actions are
// recorded by the database itself; admins of the collectivité and animators of the network read their scope,
// nobody can change or delete a row, and a deleted account shows as « ancien membre ».
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { listAuditEntries } from '../../src/lib/server/audit/service';
import { saveValue } from '../../src/lib/server/indicators/service';
import { createResource } from '../../src/lib/server/resources/editing';
import { reviewShare, shareResource } from '../../src/lib/server/resources/sharing';
import { resourceInput } from '../../src/lib/server/resources/input';
import { decideMembership, requestToJoin } from '../../src/lib/server/networks/service';
import { changeMemberRole, removeMember } from '../../src/lib/server/organisations/service';
import {
	createSpaserRecord,
	setSharingWithNetworks,
	updateSpaserMetadata
} from '../../src/lib/server/spaser/documents';
import { createVersion, publishVersion } from '../../src/lib/server/spaser/versions';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	type TestUser
} from '../helpers/factories';

describe.each(engines)('audit log (%s)', (engine) => {
	let db: Database;
	let admin: TestUser,
		editor: TestUser,
		leaver: TestUser,
		animator: TestUser,
		otherAnimator: TestUser,
		outsider: TestUser,
		platform: TestUser;
	let orgId: string, networkId: string, otherNetworkId: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		platform = await createUser(db, { platformAdmin: true });
		admin = await createUser(db, { displayName: 'Anne Admin' });
		editor = await createUser(db, { displayName: 'Éric Rédacteur' });
		leaver = await createUser(db, { displayName: 'Lucie Partie' });
		animator = await createUser(db, { displayName: 'Nadia Animatrice' });
		otherAnimator = await createUser(db, { displayName: 'Omar Ailleurs' });
		outsider = await createUser(db);
		orgId = (await createOrg(db, admin, 'Ville de Saint-Audit')).id;
		await createOrg(db, outsider, 'Ville voisine');
		await addMember(db, orgId, editor, 'viewer');
		await addMember(db, orgId, leaver, 'editor');
		networkId = (await createNetwork(db, platform, 'Réseau audité')).id;
		otherNetworkId = (await createNetwork(db, platform, 'Autre réseau')).id;
		await addAnimatorDirect(db, networkId, animator);
		await addAnimatorDirect(db, otherNetworkId, otherAnimator);

		// The actions, through the services.
		await changeMemberRole(db, admin, orgId, editor.id, 'editor');
		await removeMember(db, admin, orgId, leaver.id);
		const membership = await requestToJoin(db, admin, networkId, orgId, 'Nous voulons rejoindre le réseau.');
		await decideMembership(db, animator, membership, 'approved');
		const spaser = await createSpaserRecord(db, editor, {
			orgIds: [orgId],
			leadOrgId: orgId,
			title: 'SPASER 2026-2029',
			periodStart: 2026,
			periodEnd: 2029
		});
		await setSharingWithNetworks(db, admin, spaser.id, true);
		await updateSpaserMetadata(db, admin, spaser.id, { status: 'en_consultation' });
		await updateSpaserMetadata(db, admin, spaser.id, {
			status: 'adopte',
			adoptedOn: '2025-12-15',
			deliberationRef: 'Délibération n° 2025-118'
		});
		const doc = new Y.Doc();
		doc.getMap('settings').set('title', 'SPASER 2026-2029');
		const version = await createVersion(db, editor, spaser.id, doc, {
			kind: 'named',
			name: 'Version adoptée le 15/12/2025'
		});
		await publishVersion(db, admin, version.id);
		// A benchmark value entered, then corrected.
		const [ind] = await db.query<{ id: string }>(
			`select id from public.indicator_definitions where code = 'CAN-ENV-01' and org_id is null and is_current`
		);
		await saveValue(db, editor, orgId, { indicatorId: ind.id, year: 2025, value: 22 });
		await saveValue(db, editor, orgId, { indicatorId: ind.id, year: 2025, value: 27.5 });
		// A clause shared with the network; the animator asks for a change, then validates.
		const clauseId = await createResource(
			db,
			editor,
			orgId,
			resourceInput.parse({
				kind: 'clause',
				title: 'Clause d’insertion sociale',
				summary: 'Heures d’insertion demandées au titulaire.',
				body: 'Le titulaire réserve des heures de travail à des personnes éloignées de l’emploi.',
				family: 'sociale',
				mechanism: 'clause_insertion',
				segments: ['travaux'],
				cpvCodes: []
			})
		);
		await shareResource(db, editor, clauseId, networkId);
		await reviewShare(db, animator, clauseId, {
			networkId,
			decision: 'changes_requested',
			comment: 'Précisez le volume d’heures.'
		});
		await reviewShare(db, animator, clauseId, { networkId, decision: 'validated', comment: '' });
		// The person who left deletes their account: their past actions stay, unattributed.
		await asService(db, 'test: account deleted', (tx) =>
			tx.query('delete from public.users where id = $1', [leaver.id])
		);
	});
	afterAll(async () => {
		await db?.close();
	});

	it('records membership, role, network, sharing and version actions with who did them', async () => {
		const { entries } = await listAuditEntries(db, admin, { orgId });
		const lines = entries
			.map((e) => `${e.action} | ${e.subject_name ?? ''} | ${e.actor_name ?? 'plateforme'}`)
			.reverse();
		expect(lines).toEqual(
			expect.arrayContaining([
				'membre.ajout | Anne Admin | Anne Admin',
				'membre.role | Éric Rédacteur | Anne Admin',
				'membre.retrait | ancien membre | Anne Admin',
				'reseau.adhesion.pending |  | Anne Admin',
				'reseau.adhesion.approved |  | Nadia Animatrice',
				'spaser.creation |  | Éric Rédacteur',
				'spaser.partage |  | Anne Admin',
				'spaser.statut |  | Anne Admin',
				'spaser.version.named |  | Éric Rédacteur',
				'spaser.version.publication |  | Anne Admin',
				'indicateur.valeur.saisie |  | Éric Rédacteur',
				'indicateur.valeur.modification |  | Éric Rédacteur',
				'ressource.partage.pending |  | Éric Rédacteur',
				'ressource.partage.changes_requested |  | Nadia Animatrice',
				'ressource.partage.validated |  | Nadia Animatrice'
			])
		);
		expect(entries.find((e) => e.action === 'indicateur.valeur.modification')!.details).toMatchObject({
			indicateur: 'CAN-ENV-01',
			annee: 2025,
			valeur: 27.5,
			ancienne_valeur: 22
		});
		const role = entries.find((e) => e.action === 'membre.role')!;
		expect(role.details).toMatchObject({ role: 'editor', ancien_role: 'viewer' });
		expect(entries.find((e) => e.action === 'spaser.statut' && e.details.statut === 'adopte')!.details).toMatchObject({
			statut: 'adopte',
			ancien_statut: 'en_consultation',
			deliberation: 'Délibération n° 2025-118'
		});
		expect(entries.find((e) => e.action === 'spaser.version.named')!.details).toMatchObject({
			nom: 'Version adoptée le 15/12/2025'
		});
		// Filter and pagination.
		const spaserOnly = await listAuditEntries(db, admin, { orgId }, { category: 'spaser' });
		expect(spaserOnly.entries.every((e) => e.action.startsWith('spaser.'))).toBe(true);
		const first = await listAuditEntries(db, admin, { orgId }, { limit: 2 });
		expect(first.more).toBe(true);
		const next = await listAuditEntries(db, admin, { orgId }, { limit: 2, before: first.entries[1].id });
		expect(next.entries[0].id).toBeLessThan(first.entries[1].id);
	});

	it('only admins of the collectivité, animators of the network and platform admins read it', async () => {
		expect((await listAuditEntries(db, editor, { orgId })).entries).toEqual([]);
		expect((await listAuditEntries(db, outsider, { orgId })).entries).toEqual([]);
		expect((await listAuditEntries(db, otherAnimator, { networkId })).entries).toEqual([]);
		const network = await listAuditEntries(db, animator, { networkId });
		expect(network.entries.map((e) => e.action)).toEqual(
			expect.arrayContaining([
				'reseau.animateur.ajout',
				'reseau.adhesion.pending',
				'reseau.adhesion.approved',
				'ressource.partage.validated'
			])
		);
		expect(network.entries.find((e) => e.action === 'ressource.partage.changes_requested')!.details).toMatchObject({
			motif: 'Précisez le volume d’heures.'
		});
		expect(network.entries.find((e) => e.action === 'reseau.adhesion.approved')!.org_name).toBe('Ville de Saint-Audit');
		// The animator does not read the collectivité's internal journal (members, SPASER, values): only what
		// concerns the network (memberships, sharing decisions).
		expect(
			(await listAuditEntries(db, animator, { orgId })).entries.every((e) =>
				/^(reseau|ressource\.partage)\./.test(e.action)
			)
		).toBe(true);
		expect((await listAuditEntries(db, platform, { orgId })).entries.length).toBeGreaterThan(5);
	});

	it('nobody can write, change or delete a row, not even an admin of the collectivité', async () => {
		for (const sql of [
			`insert into public.audit_log (org_id, action, target_table) values ('${orgId}', 'membre.ajout', 'x')`,
			`update public.audit_log set action = 'rien' where org_id = '${orgId}'`,
			`delete from public.audit_log where org_id = '${orgId}'`
		])
			await expect(withUser(db, admin, (tx) => tx.query(sql))).rejects.toThrow(/permission denied/);
		await expect(
			withUser(db, admin, (tx) => tx.query(`select app.audit('membre.ajout', 'x', null, '${orgId}', null, '{}')`))
		).rejects.toThrow(/permission denied/);
	});
});
