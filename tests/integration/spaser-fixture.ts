/**
 * A small world for the SPASER service tests: collectivité A (admin, editor, viewer), collectivité B (its admin is
 * "an outsider" for A's SPASERs), a network N in which A is an approved member, with an animator.
 * The SPASER schema now lives in supabase/migrations (applied to every test database); while a copy is still
 * pending in supabase/pending, it is applied here.
 */
import { asService, type Database } from '../../src/lib/server/db';
import type { Organisation } from '../../src/lib/server/organisations/service';
import {
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	type TestUser
} from '../helpers/factories';

export interface SpaserWorld {
	adminA: TestUser;
	editorA: TestUser;
	viewerA: TestUser;
	adminB: TestUser;
	animator: TestUser;
	orgA: Organisation;
	orgB: Organisation;
	networkId: string;
}

/** The SPASER schema is part of the migrations now: nothing to apply (kept for the callers). */
export async function applySpaserSchema(_db: Database) {}

export async function spaserWorld(db: Database): Promise<SpaserWorld> {
	await applySpaserSchema(db);
	const adminA = await createUser(db, { displayName: 'Alice Admin' });
	const editorA = await createUser(db, { displayName: 'Éric Rédacteur' });
	const viewerA = await createUser(db, { displayName: 'Véra Lectrice' });
	const adminB = await createUser(db, { displayName: 'Bruno Ailleurs' });
	const animator = await createUser(db, { displayName: 'Anna Animatrice' });
	const platform = await createUser(db, { platformAdmin: true });
	const orgA = await createOrg(db, adminA, 'Ville de Aubagne-Test');
	const orgB = await createOrg(db, adminB, 'Ville de Bastia-Test');
	await addMember(db, orgA.id, editorA, 'editor');
	await addMember(db, orgA.id, viewerA, 'viewer');
	const net = await createNetwork(db, platform, 'Réseau des acheteurs responsables');
	await addAnimatorDirect(db, net.id, animator);
	await asService(db, 'test: approved membership', (tx) =>
		tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
			net.id,
			orgA.id
		])
	);
	return { adminA, editorA, viewerA, adminB, animator, orgA, orgB, networkId: net.id };
}
