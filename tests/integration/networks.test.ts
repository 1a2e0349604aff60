import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser, type Database } from '../../src/lib/server/db';
import {
	addAnimator,
	createNetwork,
	decideMembership,
	endMembership,
	getNetworkBySlug,
	listNetworks,
	listOrgMemberships,
	removeAnimator,
	requestToJoin,
	updateNetwork
} from '../../src/lib/server/networks/service';
import { getOrganisation } from '../../src/lib/server/organisations/service';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	addMember,
	createNetwork as makeNetwork,
	createOrg,
	createUser,
	lastMail,
	linkFrom,
	outbox,
	uniqueEmail,
	type TestUser
} from '../helpers/factories';

describe.each(engines)('networks on %s', (engine) => {
	let db: Database;
	let platformAdmin: TestUser;

	beforeAll(async () => {
		db = await openTestDb(engine);
		platformAdmin = await createUser(db, { platformAdmin: true, displayName: 'Admin Plateforme' });
	});
	afterAll(async () => {
		await db?.close();
	});

	/** A network with one animator, and a collectivité with an admin and an editor. */
	async function scene(name: string) {
		const network = await makeNetwork(db, platformAdmin, name, { regionCodes: ['53'] });
		const animator = await createUser(db, { displayName: `Animatrice ${name}` });
		await addAnimator(db, platformAdmin, network.id, animator.email);
		const orgAdmin = await createUser(db, { displayName: 'Admin Collectivité' });
		const editor = await createUser(db);
		const org = await createOrg(db, orgAdmin, `Ville ${name}`);
		await addMember(db, org.id, editor, 'editor');
		return { network, animator, orgAdmin, editor, org };
	}

	describe('networks and animators', () => {
		it('platform admins create networks (unique slug); others are refused', async () => {
			const n1 = await createNetwork(db, platformAdmin, {
				name: 'Réseau Grand Ouest',
				description: 'Acheteurs de l’Ouest',
				regionCodes: ['53', '52']
			});
			const n2 = await createNetwork(db, platformAdmin, {
				name: 'Réseau Grand Ouest',
				description: '',
				regionCodes: []
			});
			expect(n1.slug).toBe('reseau-grand-ouest');
			expect(n2.slug).toBe('reseau-grand-ouest-2');

			const someone = await createUser(db);
			await expect(
				createNetwork(db, someone, { name: 'Réseau pirate', description: '', regionCodes: [] })
			).rejects.toMatchObject({
				code: 'forbidden',
				status: 403
			});
			expect((await listNetworks(db, someone)).map((n) => n.name)).not.toContain('Réseau pirate');

			// The directory is public, also to anonymous visitors.
			const anon = await listNetworks(db, null);
			expect(anon.find((n) => n.id === n1.id)).toMatchObject({
				name: 'Réseau Grand Ouest',
				region_codes: ['53', '52'],
				i_animate: false
			});
		});

		it('addAnimator by e-mail (platform admin only); animators may describe their network', async () => {
			const net = await makeNetwork(db, platformAdmin, 'Réseau Sud');
			const anim = await createUser(db);
			const someone = await createUser(db);
			await expect(addAnimator(db, platformAdmin, net.id, uniqueEmail('ghost'))).rejects.toMatchObject({
				code: 'unknown_user',
				status: 404,
				message: "Aucun compte n'existe avec cette adresse : la personne doit d'abord créer son compte."
			});
			await expect(addAnimator(db, someone, net.id, anim.email)).rejects.toMatchObject({
				code: 'forbidden',
				status: 403
			});
			await addAnimator(db, platformAdmin, net.id, anim.email.toUpperCase());
			await addAnimator(db, platformAdmin, net.id, anim.email); // idempotent

			const page = await getNetworkBySlug(db, anim, net.slug);
			expect(page.network.i_animate).toBe(true);
			expect(page.animators).toEqual([{ user_id: anim.id, display_name: anim.displayName, email: anim.email }]);
			const anonPage = await getNetworkBySlug(db, null, net.slug);
			expect(anonPage.animators).toEqual([{ user_id: anim.id, display_name: null, email: null }]);

			await updateNetwork(db, anim, net.id, {
				name: 'Réseau Sud',
				description: 'Nouvelle description',
				regionCodes: ['76']
			});
			expect((await getNetworkBySlug(db, someone, net.slug)).network.description).toBe('Nouvelle description');
			await expect(
				updateNetwork(db, someone, net.id, { name: 'X Y', description: '', regionCodes: [] })
			).rejects.toMatchObject({ code: 'forbidden' });

			await expect(removeAnimator(db, anim, net.id, anim.id)).rejects.toMatchObject({ code: 'forbidden' });
			await removeAnimator(db, platformAdmin, net.id, anim.id);
			expect((await getNetworkBySlug(db, anim, net.slug)).network.i_animate).toBe(false);
		});
	});

	describe('membership requests', () => {
		it('an org admin asks to join; animators get a mail; editors and duplicates are refused', async () => {
			const { network, animator, orgAdmin, editor, org } = await scene('Bretagne');
			await expect(requestToJoin(db, editor, network.id, org.id)).rejects.toMatchObject({
				code: 'forbidden',
				status: 403,
				message: "Seuls les administrateurs de la collectivité peuvent demander l'adhésion à un réseau."
			});
			const before = await outbox(db, animator.email);
			const id = await requestToJoin(db, orgAdmin, network.id, org.id, 'Nous souhaitons partager nos clauses.');
			const mails = await outbox(db, animator.email);
			expect(mails.length).toBe(before.length + 1);
			const mail = mails[mails.length - 1];
			expect(mail).toMatchObject({
				kind: 'network_join_request',
				subject: "Demande d'adhésion de Ville Bretagne au réseau Bretagne"
			});
			expect(mail.text_body).toContain('« Nous souhaitons partager nos clauses. »');
			expect(linkFrom(mail.text_body, '/reseaux/').pathname).toBe(`/reseaux/${network.slug}`);

			await expect(requestToJoin(db, orgAdmin, network.id, org.id)).rejects.toMatchObject({
				code: 'already_requested',
				status: 409,
				message: 'Une demande est déjà en attente pour ce réseau.'
			});

			// The animator sees the pending request and the collectivité.
			const page = await getNetworkBySlug(db, animator, network.slug);
			expect(page.memberships).toEqual([
				expect.objectContaining({
					id,
					status: 'pending',
					org_id: org.id,
					org_name: 'Ville Bretagne',
					requested_by_name: 'Admin Collectivité'
				})
			]);
			expect((await getOrganisation(db, animator, org.id)).name).toBe('Ville Bretagne');
			expect((await listOrgMemberships(db, editor, org.id)).map((m) => [m.network_name, m.status])).toEqual([
				['Bretagne', 'pending']
			]);
		});

		it('approval: animator of ANOTHER network refused; org admins get a mail; member count; org cannot re-request', async () => {
			const { network, animator, orgAdmin, editor, org } = await scene('Normandie');
			const otherNet = await makeNetwork(db, platformAdmin, 'Autre réseau');
			const otherAnimator = await createUser(db);
			await addAnimatorDirect(db, otherNet.id, otherAnimator);
			const id = await requestToJoin(db, orgAdmin, network.id, org.id);

			await expect(decideMembership(db, otherAnimator, id, 'approved')).rejects.toMatchObject({ status: 404 });
			await expect(decideMembership(db, editor, id, 'approved')).rejects.toMatchObject({
				code: 'forbidden',
				status: 403,
				message: 'Seuls les animateurs du réseau peuvent décider des adhésions.'
			});
			await expect(decideMembership(db, orgAdmin, id, 'approved')).rejects.toMatchObject({ code: 'forbidden' });

			await decideMembership(db, animator, id, 'approved');
			const mail = await lastMail(db, orgAdmin.email);
			expect(mail).toMatchObject({
				kind: 'network_decision',
				subject: 'Ville Normandie a rejoint le réseau Normandie'
			});
			expect(await outbox(db, editor.email)).toEqual([]); // only admins are told

			const page = await getNetworkBySlug(db, orgAdmin, network.slug);
			expect(page.network.member_count).toBe(1);
			const m = page.memberships.find((x) => x.id === id)!;
			expect(m).toMatchObject({ status: 'approved', decided_by_name: animator.displayName });
			expect(m.decided_at).toBeInstanceOf(Date);

			await expect(decideMembership(db, animator, id, 'refused', 'Trop tard')).rejects.toMatchObject({
				code: 'already_decided',
				status: 409
			});
			await expect(requestToJoin(db, orgAdmin, network.id, org.id)).rejects.toMatchObject({
				code: 'already_requested',
				message: 'Votre collectivité est déjà membre de ce réseau.'
			});
		});

		it('refusal needs a reason, which the collectivité reads in the mail', async () => {
			const { network, animator, orgAdmin, org } = await scene('Occitanie');
			const id = await requestToJoin(db, orgAdmin, network.id, org.id);
			await expect(decideMembership(db, animator, id, 'refused')).rejects.toMatchObject({
				code: 'reason_required',
				message: 'Indiquez le motif du refus.'
			});
			await expect(decideMembership(db, animator, id, 'refused', '   ')).rejects.toMatchObject({
				code: 'reason_required'
			});
			const [still] = await listOrgMemberships(db, orgAdmin, org.id);
			expect(still.status).toBe('pending');

			await decideMembership(db, animator, id, 'refused', 'Réseau réservé aux communes de la région.');
			const mail = await lastMail(db, orgAdmin.email);
			expect(mail.subject).toBe("Demande d'adhésion au réseau Occitanie refusée");
			expect(mail.text_body).toContain('Motif : Réseau réservé aux communes de la région.');
			const [refused] = await listOrgMemberships(db, orgAdmin, org.id);
			expect(refused).toMatchObject({ status: 'refused', reason: 'Réseau réservé aux communes de la région.' });

			// After a refusal, a new request is possible.
			const again = await requestToJoin(db, orgAdmin, network.id, org.id);
			expect(again).not.toBe(id);
		});

		it('withdraw, leave and remove transitions', async () => {
			const { network, animator, orgAdmin, editor, org } = await scene('Corse');

			// pending → withdrawn (by the collectivité admin only)
			const first = await requestToJoin(db, orgAdmin, network.id, org.id);
			await expect(endMembership(db, editor, first)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
			expect(await endMembership(db, orgAdmin, first)).toBe('withdrawn');
			await expect(decideMembership(db, animator, first, 'approved')).rejects.toMatchObject({
				code: 'already_decided'
			});
			await expect(endMembership(db, orgAdmin, first)).rejects.toMatchObject({ code: 'forbidden' });

			// approved → left (by the collectivité admin)
			const second = await requestToJoin(db, orgAdmin, network.id, org.id);
			await decideMembership(db, animator, second, 'approved');
			expect(await endMembership(db, orgAdmin, second)).toBe('left');
			expect((await getNetworkBySlug(db, animator, network.slug)).network.member_count).toBe(0);

			// approved → removed (by an animator, with a reason kept)
			const third = await requestToJoin(db, orgAdmin, network.id, org.id);
			await decideMembership(db, animator, third, 'approved');
			await expect(endMembership(db, editor, third)).rejects.toMatchObject({ code: 'forbidden' });
			expect(await endMembership(db, animator, third, 'Inactivité prolongée')).toBe('removed');

			const history = await listOrgMemberships(db, orgAdmin, org.id);
			expect(Object.fromEntries(history.map((m) => [m.id, m.status]))).toEqual({
				[first]: 'withdrawn',
				[second]: 'left',
				[third]: 'removed'
			});
			expect(history.find((m) => m.id === third)?.reason).toBe('Inactivité prolongée');
		});

		it('a decision cannot be rewritten directly, even by the animator (database trigger)', async () => {
			const { network, animator, orgAdmin, org } = await scene('Alsace');
			const id = await requestToJoin(db, orgAdmin, network.id, org.id);
			await decideMembership(db, animator, id, 'refused', 'Motif initial');
			await expect(
				withUser(db, animator, (tx) =>
					tx.query(`update public.network_memberships set reason = 'Motif réécrit' where id = $1`, [id])
				)
			).rejects.toThrow(/transition_not_allowed/);
			await expect(
				withUser(db, orgAdmin, (tx) =>
					tx.query(`update public.network_memberships set status = 'approved' where id = $1`, [id])
				)
			).rejects.toThrow(/transition_not_allowed/);
			const [m] = await listOrgMemberships(db, orgAdmin, org.id);
			expect(m).toMatchObject({ status: 'refused', reason: 'Motif initial' });
		});
	});
});
