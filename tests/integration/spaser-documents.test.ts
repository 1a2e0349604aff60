import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	addCoOwner,
	createSpaserRecord,
	deleteSpaserDocument,
	getSpaserAccess,
	getSpaserDocument,
	listSpaserDocuments,
	removeCoOwner,
	setSharingWithNetworks,
	updateSpaserMetadata
} from '../../src/lib/server/spaser/documents';
import { engines, openTestDb } from '../helpers/engines';
import { addMember } from '../helpers/factories';
import { spaserWorld, type SpaserWorld } from './spaser-fixture';

async function rejects(p: Promise<unknown>): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		return e as AppError;
	}
	throw new Error('expected an error');
}

describe.each(engines)('SPASER documents (%s)', (engine) => {
	let db: Database;
	let w: SpaserWorld;
	beforeAll(async () => {
		db = await openTestDb(engine);
		w = await spaserWorld(db);
	});
	afterAll(() => db?.close());

	const count = async () =>
		(
			await asService(db, 'test', (tx) =>
				tx.query<{ n: number }>('select count(*)::int as n from public.spaser_documents')
			)
		)[0].n;

	it('creates a record with a unique slug per collectivité and checks the input', async () => {
		const doc = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'SPASER 2026-2029',
			periodStart: 2026,
			periodEnd: 2029,
			templateKey: 'cinq_axes'
		});
		expect(doc).toMatchObject({
			slug: 'spaser-2026-2029',
			status: 'brouillon',
			my_access: 'write',
			template_key: 'cinq_axes',
			period_start: 2026,
			created_by: w.editorA.id
		});
		expect(doc.orgs).toEqual([{ id: w.orgA.id, slug: w.orgA.slug, name: w.orgA.name, is_lead: true }]);
		const again = await createSpaserRecord(db, w.adminA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'Spaser 2026–2029\u00a0!',
			periodStart: 2026,
			periodEnd: 2029
		});
		expect(again.slug).toBe('spaser-2026-2029-2');
		// another collectivité may use the same slug
		const b = await createSpaserRecord(db, w.adminB, {
			orgIds: [w.orgB.id],
			leadOrgId: w.orgB.id,
			title: 'SPASER 2026-2029',
			periodStart: 2026,
			periodEnd: 2029
		});
		expect(b.slug).toBe('spaser-2026-2029');

		const before = await count();
		expect(
			(
				await rejects(
					createSpaserRecord(db, w.editorA, {
						orgIds: [w.orgA.id],
						leadOrgId: w.orgA.id,
						title: 'X',
						periodStart: 2026,
						periodEnd: 2029
					})
				)
			).message
		).toBe('Le titre doit contenir au moins 2 caractères.');
		const period = await rejects(
			createSpaserRecord(db, w.editorA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'SPASER',
				periodStart: 2029,
				periodEnd: 2026
			})
		);
		expect(period.message).toBe('La fin de période doit suivre son début.');
		expect(period.details?.field).toBe('periodEnd');
		expect(
			(
				await rejects(
					createSpaserRecord(db, w.editorA, {
						orgIds: [w.orgA.id],
						leadOrgId: w.orgB.id,
						title: 'SPASER',
						periodStart: 2026,
						periodEnd: 2029
					})
				)
			).message
		).toMatch(/collectivité pilote doit faire partie/);
		expect(
			(
				await rejects(
					createSpaserRecord(db, w.adminB, {
						orgIds: [w.orgA.id],
						leadOrgId: w.orgA.id,
						title: 'Intrusion',
						periodStart: 2026,
						periodEnd: 2029
					})
				)
			).status
		).toBe(403);
		const viewer = await rejects(
			createSpaserRecord(db, w.viewerA, {
				orgIds: [w.orgA.id],
				leadOrgId: w.orgA.id,
				title: 'Lecture',
				periodStart: 2026,
				periodEnd: 2029
			})
		);
		expect(viewer.message).toBe(
			'Vous devez être administrateur ou rédacteur de chaque collectivité associée au SPASER.'
		);
		expect(
			(
				await rejects(
					createSpaserRecord(db, w.editorA, {
						orgIds: [w.orgA.id, w.orgB.id],
						leadOrgId: w.orgA.id,
						title: 'Conjoint',
						periodStart: 2026,
						periodEnd: 2029
					})
				)
			).status
		).toBe(403);
		expect(await count()).toBe(before);
	});

	it('lists and reads through RLS: members read or write, outsiders and animators see nothing until shared', async () => {
		const listed = await listSpaserDocuments(db, w.viewerA, w.orgA.id);
		expect(listed.map((d) => d.slug).sort()).toEqual(['spaser-2026-2029', 'spaser-2026-2029-2']);
		expect(listed.every((d) => d.my_access === 'read')).toBe(true);
		expect(await listSpaserDocuments(db, w.adminB, w.orgA.id)).toEqual([]);
		expect(await listSpaserDocuments(db, w.animator, w.orgA.id)).toEqual([]);
		const id = listed.find((d) => d.slug === 'spaser-2026-2029')!.id;
		expect((await rejects(getSpaserDocument(db, w.adminB, id))).status).toBe(404);
		expect(await getSpaserAccess(db, w.adminB, id)).toBeNull();
		expect(await getSpaserAccess(db, w.editorA, id)).toBe('write');
		expect(await getSpaserAccess(db, w.viewerA, id)).toBe('read');
		expect(await getSpaserAccess(db, w.editorA, 'pas-un-uuid')).toBeNull();

		expect((await rejects(setSharingWithNetworks(db, w.viewerA, id, true))).status).toBe(403);
		await setSharingWithNetworks(db, w.editorA, id, true);
		const anim = await getSpaserDocument(db, w.animator, id);
		expect(anim.my_access).toBe('read');
		expect(anim.shared_with_networks).toBe(true);
		expect((await listSpaserDocuments(db, w.animator, w.orgA.id)).map((d) => d.id)).toEqual([id]);
		await setSharingWithNetworks(db, w.adminA, id, false);
		expect(await getSpaserAccess(db, w.animator, id)).toBeNull();
	});

	it('updates metadata with the status transitions and the adoption requirements', async () => {
		const doc = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'Schéma à adopter',
			periodStart: 2026,
			periodEnd: 2029
		});
		const renamed = await updateSpaserMetadata(db, w.editorA, doc.id, {
			title: 'Schéma des achats responsables',
			periodEnd: 2030
		});
		expect(renamed).toMatchObject({ title: 'Schéma des achats responsables', period_end: 2030, slug: doc.slug });
		const jump = await rejects(
			updateSpaserMetadata(db, w.editorA, doc.id, {
				status: 'adopte',
				adoptedOn: '2025-12-15',
				deliberationRef: 'n° 12'
			})
		);
		expect(jump.message).toBe('Un SPASER «\u00a0Brouillon\u00a0» ne peut pas passer à l’état «\u00a0Adopté\u00a0».');
		await updateSpaserMetadata(db, w.editorA, doc.id, { status: 'en_consultation' });
		expect((await rejects(updateSpaserMetadata(db, w.editorA, doc.id, { status: 'adopte' }))).message).toBe(
			'Indiquez la date d’adoption du SPASER par l’assemblée délibérante.'
		);
		expect(
			(await rejects(updateSpaserMetadata(db, w.editorA, doc.id, { status: 'adopte', adoptedOn: '2025-12-15' })))
				.message
		).toBe('Indiquez la référence de la délibération qui adopte le SPASER.');
		expect(
			(
				await rejects(
					updateSpaserMetadata(db, w.editorA, doc.id, {
						status: 'adopte',
						adoptedOn: '2025-02-30',
						deliberationRef: 'n° 12'
					})
				)
			).message
		).toBe("La date d'adoption n'existe pas.");
		expect(
			(
				await rejects(
					updateSpaserMetadata(db, w.editorA, doc.id, {
						status: 'adopte',
						adoptedOn: '2999-01-01',
						deliberationRef: 'n° 12'
					})
				)
			).message
		).toMatch(/futur/);
		expect((await rejects(updateSpaserMetadata(db, w.viewerA, doc.id, { title: 'Lecteur' }))).status).toBe(403);
		expect((await getSpaserDocument(db, w.editorA, doc.id)).status).toBe('en_consultation');
		const adopted = await updateSpaserMetadata(db, w.editorA, doc.id, {
			status: 'adopte',
			adoptedOn: '2025-12-15',
			deliberationRef: 'Délibération n° 2025-12-07'
		});
		expect(adopted).toMatchObject({
			status: 'adopte',
			adopted_on: '2025-12-15',
			deliberation_ref: 'Délibération n° 2025-12-07'
		});
		expect((await rejects(updateSpaserMetadata(db, w.editorA, doc.id, { status: 'brouillon' }))).code).toBe(
			'transition_not_allowed'
		);
		expect((await rejects(updateSpaserMetadata(db, w.editorA, doc.id, { deliberationRef: '' }))).message).toMatch(
			/référence de la délibération/
		);
		expect((await updateSpaserMetadata(db, w.adminA, doc.id, { status: 'archive' })).status).toBe('archive');
		// users cannot touch server-owned columns directly
		await expect(
			import('../../src/lib/server/db').then(({ withUser }) =>
				withUser(db, w.editorA, (tx) =>
					tx.query("update public.spaser_documents set slug = 'pirate' where id = $1", [doc.id])
				)
			)
		).rejects.toThrow(/permission denied/);
	});

	it('manages co-owners of a joint SPASER and deletes as admin of the lead collectivité', async () => {
		const doc = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'SPASER conjoint',
			periodStart: 2026,
			periodEnd: 2028
		});
		expect((await rejects(addCoOwner(db, w.editorA, doc.id, w.orgB.id))).status).toBe(403);
		await addMember(db, w.orgB.id, w.editorA, 'editor');
		const joint = await addCoOwner(db, w.editorA, doc.id, w.orgB.id);
		expect(joint.orgs.map((o) => [o.name, o.is_lead])).toEqual([
			[w.orgA.name, true],
			[w.orgB.name, false]
		]);
		expect((await rejects(addCoOwner(db, w.editorA, doc.id, w.orgB.id))).message).toBe(
			'Cette collectivité est déjà associée à ce SPASER.'
		);
		expect(await getSpaserAccess(db, w.adminB, doc.id)).toBe('write');
		expect((await rejects(removeCoOwner(db, w.editorA, doc.id, w.orgB.id))).status).toBe(403);
		expect((await rejects(removeCoOwner(db, w.adminB, doc.id, w.orgA.id))).message).toBe(
			'La collectivité pilote ne peut pas être retirée de son SPASER.'
		);
		// the co-owner's admin leaves
		const left = await removeCoOwner(db, w.adminB, doc.id, w.orgB.id);
		expect(left.my_access).toBeNull();
		expect(await getSpaserAccess(db, w.adminB, doc.id)).toBeNull();
		// the lead's admin removes a co-owner
		await addCoOwner(db, w.editorA, doc.id, w.orgB.id);
		expect((await removeCoOwner(db, w.adminA, doc.id, w.orgB.id)).orgs.map((o) => o.id)).toEqual([w.orgA.id]);
		// slug clash with a SPASER of the co-owner
		const clash = await createSpaserRecord(db, w.editorA, {
			orgIds: [w.orgA.id],
			leadOrgId: w.orgA.id,
			title: 'SPASER 2026-2029',
			periodStart: 2026,
			periodEnd: 2029
		});
		expect(clash.slug).toBe('spaser-2026-2029-3');
		const named = await createSpaserRecord(db, w.adminB, {
			orgIds: [w.orgB.id],
			leadOrgId: w.orgB.id,
			title: 'SPASER 2026-2029 3',
			periodStart: 2026,
			periodEnd: 2029
		});
		expect(named.slug).toBe('spaser-2026-2029-3');
		expect((await rejects(addCoOwner(db, w.editorA, clash.id, w.orgB.id))).message).toMatch(
			/déjà un SPASER à la même adresse/
		);

		expect((await rejects(deleteSpaserDocument(db, w.editorA, doc.id))).message).toBe(
			'Seuls les administrateurs de la collectivité pilote peuvent supprimer ce SPASER.'
		);
		await deleteSpaserDocument(db, w.adminA, doc.id);
		expect((await rejects(getSpaserDocument(db, w.adminA, doc.id))).status).toBe(404);
		expect((await rejects(deleteSpaserDocument(db, w.adminB, clash.id))).status).toBe(404);
	});
});
