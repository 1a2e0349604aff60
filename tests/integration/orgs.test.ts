import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import {
	acceptInvitation,
	changeMemberRole,
	createOrganisation,
	getLogo,
	getOrganisation,
	getOrganisationBySlug,
	inviteMember,
	leaveOrganisation,
	listInvitations,
	listMembers,
	listMyOrganisations,
	previewInvitation,
	removeMember,
	revokeInvitation,
	setLogo,
	sniffImage,
	transferAdmin,
	updateOrganisation
} from '../../src/lib/server/organisations/service';
import { signUp } from '../../src/lib/server/auth/service';
import { AppError } from '../../src/lib/server/kit/errors';
import { engines, openTestDb } from '../helpers/engines';
import {
	addMember,
	createOrg,
	createUser,
	DEFAULT_PASSWORD,
	INVALID_SIREN,
	lastMail,
	linkFrom,
	outbox,
	uniqueEmail,
	VALID_SIREN,
	VALID_SIRET,
	type TestUser
} from '../helpers/factories';

const LAST_ADMIN =
	'Une collectivité doit garder au moins un administrateur : nommez un autre administrateur avant de partir.';

describe.each(engines)('collectivités on %s', (engine) => {
	let db: Database;

	beforeAll(async () => {
		db = await openTestDb(engine);
	});
	afterAll(async () => {
		await db?.close();
	});

	const secretOf = (url: string) => new URL(url).pathname.split('/').pop()!;

	describe('creation and update', () => {
		it('the creator becomes admin; the organisation is visible to members only', async () => {
			const alice = await createUser(db);
			const stranger = await createUser(db);
			const org = await createOrganisation(db, alice, {
				name: 'Ville de Paris',
				kind: 'commune',
				siren: VALID_SIREN,
				siret: VALID_SIRET,
				regionCode: '11',
				departementCode: '75',
				population: 2_100_000,
				purchaseVolumeEur: 1_500_000_000.5,
				referentsCount: 4
			});
			expect(org).toMatchObject({
				slug: 'ville-de-paris',
				name: 'Ville de Paris',
				siren: VALID_SIREN,
				population: 2_100_000,
				purchase_volume_eur: 1_500_000_000.5,
				my_role: 'admin',
				spaser_mandatory: true,
				has_logo: false,
				archived_at: null
			});
			expect(org.created_at).toBeInstanceOf(Date);
			expect(await listMembers(db, alice, org.id)).toEqual([
				expect.objectContaining({
					user_id: alice.id,
					role: 'admin',
					email: alice.email,
					display_name: alice.displayName
				})
			]);
			expect((await listMyOrganisations(db, alice)).map((o) => o.id)).toEqual([org.id]);
			expect(await getOrganisationBySlug(db, alice, 'ville-de-paris')).toMatchObject({ id: org.id });
			await expect(getOrganisation(db, stranger, org.id)).rejects.toMatchObject({ code: 'not_found', status: 404 });
			expect(await listMembers(db, stranger, org.id)).toEqual([]);
		});

		it('gives each organisation a unique slug and refuses a SIREN already on the platform', async () => {
			const a = await createUser(db);
			const b = await createUser(db);
			const first = await createOrg(db, a, 'Commune de Saint-Émilion');
			const second = await createOrg(db, b, 'Commune de Saint-Émilion');
			const third = await createOrg(db, b, 'Commune de Saint Emilion');
			expect([first.slug, second.slug, third.slug]).toEqual([
				'commune-de-saint-emilion',
				'commune-de-saint-emilion-2',
				'commune-de-saint-emilion-3'
			]);

			const siren = '732829320';
			await createOrg(db, a, { name: 'Avec SIREN', siren });
			await expect(createOrg(db, b, { name: 'Doublon', siren })).rejects.toMatchObject({
				code: 'siren_taken',
				status: 409,
				details: { field: 'siren' },
				message: expect.stringMatching(/^Une collectivité avec ce SIREN existe déjà/)
			});
		});

		it('the database itself enforces the SIREN Luhn key and SIRET/SIREN consistency', async () => {
			const a = await createUser(db);
			// The service trusts its (zod-validated) input: the check constraints are the last line of defence.
			await expect(createOrg(db, a, { name: 'SIREN faux', siren: INVALID_SIREN })).rejects.toMatchObject({
				code: 'invalid',
				status: 400
			});
			await expect(
				createOrg(db, a, { name: 'SIRET incohérent', siren: '552100554', siret: '73282932000074' })
			).rejects.toMatchObject({
				code: 'invalid'
			});
			await expect(
				asService(db, 'test', (tx) =>
					tx.query(`insert into public.organisations (name, kind, slug, siren) values ('X X', 'commune', 'x-x', $1)`, [
						INVALID_SIREN
					])
				)
			).rejects.toMatchObject({ code: '23514' });
			expect(await listMyOrganisations(db, a)).toEqual([]);
		});

		it('only admins update; an editor gets a 403 AppError and nothing changes', async () => {
			const admin = await createUser(db);
			const editor = await createUser(db);
			const org = await createOrg(db, admin, { name: 'Département test', kind: 'departement' });
			await addMember(db, org.id, editor, 'editor');

			const err = await updateOrganisation(db, editor, org.id, { name: 'Piraté', kind: 'commune' }).catch((e) => e);
			expect(err).toBeInstanceOf(AppError);
			expect(err).toMatchObject({
				code: 'forbidden',
				status: 403,
				message: 'Seuls les administrateurs de la collectivité peuvent modifier ses informations.'
			});
			expect((await getOrganisation(db, editor, org.id)).name).toBe('Département test');

			await updateOrganisation(db, admin, org.id, {
				name: 'Département renommé',
				kind: 'departement',
				purchaseVolumeEur: 49_999_999
			});
			const after = await getOrganisation(db, editor, org.id);
			expect(after).toMatchObject({
				name: 'Département renommé',
				slug: org.slug,
				purchase_volume_eur: 49_999_999,
				spaser_mandatory: false,
				my_role: 'editor'
			});
		});

		it('stores a logo (bytes round-trip) for admins only', async () => {
			const admin = await createUser(db);
			const viewer = await createUser(db);
			const org = await createOrg(db, admin, 'Commune au logo');
			await addMember(db, org.id, viewer, 'viewer');
			// A PNG header with its size (1 × 1): images whose header is unreadable are refused (issue 14).
			const png = new Uint8Array([
				0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8,
				2, 0, 0, 0
			]);
			expect(sniffImage(png)).toBe('image/png');
			expect(sniffImage(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
			await expect(setLogo(db, viewer, org.id, png)).rejects.toMatchObject({ code: 'forbidden', status: 403 });
			await setLogo(db, admin, org.id, png);
			const logo = await getLogo(db, viewer, org.id);
			expect(logo?.mime).toBe('image/png');
			expect(Array.from(logo!.data)).toEqual(Array.from(png));
			expect((await getOrganisation(db, viewer, org.id)).has_logo).toBe(true);
			expect(await getLogo(db, null, org.id)).toBeNull();
			// A lying file (an SVG, an HTML page) is refused whatever its name; the stored logo is unchanged.
			for (const lie of [
				'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
				'<!doctype html><script>alert(1)</script>'
			])
				await expect(setLogo(db, admin, org.id, new TextEncoder().encode(lie))).rejects.toMatchObject({
					code: 'invalid_file_type',
					status: 415
				});
			expect(Array.from((await getLogo(db, viewer, org.id))!.data)).toEqual(Array.from(png));
		});
	});

	describe('invitations', () => {
		let admin: TestUser;
		let orgId: string;
		beforeAll(async () => {
			admin = await createUser(db, { displayName: 'Claire Admin' });
			orgId = (await createOrg(db, admin, 'Métropole invitante')).id;
		});

		it('queues an invitation e-mail whose link carries the secret; only the hash is stored', async () => {
			const email = uniqueEmail('invitee');
			const { id, url } = await inviteMember(db, admin, orgId, email.toUpperCase(), 'editor');
			const mail = await lastMail(db, email);
			expect(mail).toMatchObject({
				kind: 'invitation',
				subject: 'Claire Admin vous invite à rejoindre Métropole invitante sur SPASER Commun'
			});
			expect(mail.text_body).toContain('en tant que rédacteur·rice');
			const link = linkFrom(mail.text_body, '/invitation/');
			expect(link.toString()).toBe(url);
			const secret = secretOf(url);
			expect(secret).toMatch(/^[a-z2-7]{32}$/);
			const [row] = await asService(db, 'test', (tx) =>
				tx.query<Record<string, unknown>>('select * from public.organisation_invitations where id = $1', [id])
			);
			expect(row.email).toBe(email);
			expect(JSON.stringify(row)).not.toContain(secret);
			expect((await listInvitations(db, admin, orgId)).map((i) => i.id)).toContain(id);

			expect(await previewInvitation(db, secret)).toMatchObject({
				state: 'valid',
				email,
				role: 'editor',
				org_name: 'Métropole invitante',
				has_account: false
			});
			expect(await previewInvitation(db, 'a'.repeat(32))).toBeNull();
		});

		it('non-admins cannot invite; members cannot be invited twice', async () => {
			const editor = await createUser(db);
			await addMember(db, orgId, editor, 'editor');
			const before = (await outbox(db)).length;
			await expect(inviteMember(db, editor, orgId, uniqueEmail('x'), 'viewer')).rejects.toMatchObject({
				code: 'forbidden',
				status: 403
			});
			await expect(inviteMember(db, admin, orgId, editor.email, 'viewer')).rejects.toMatchObject({
				code: 'already_member',
				status: 409,
				message: 'Cette personne est déjà membre de la collectivité.'
			});
			expect((await outbox(db)).length).toBe(before);
		});

		it('is accepted once, by the invited verified account only', async () => {
			const invitee = await createUser(db, { verified: false });
			const other = await createUser(db);
			const { url } = await inviteMember(db, admin, orgId, invitee.email, 'viewer');
			const secret = secretOf(url);
			expect((await previewInvitation(db, secret))?.has_account).toBe(true);

			await expect(acceptInvitation(db, other, secret)).rejects.toMatchObject({
				code: 'invitation_other_email',
				message: "Cette invitation a été envoyée à une autre adresse e-mail : connectez-vous avec l'adresse invitée."
			});
			await expect(acceptInvitation(db, invitee, secret)).rejects.toMatchObject({
				code: 'email_not_verified',
				message: "Vérifiez d'abord votre adresse e-mail (lien reçu à l'inscription)."
			});
			await asService(db, 'test', (tx) =>
				tx.query('update public.users set email_verified_at = now() where id = $1', [invitee.id])
			);

			const slug = await acceptInvitation(db, invitee, secret);
			expect(slug).toBe('metropole-invitante');
			expect((await getOrganisation(db, invitee, orgId)).my_role).toBe('viewer');
			expect((await previewInvitation(db, secret))?.state).toBe('used');
			await expect(acceptInvitation(db, invitee, secret)).rejects.toMatchObject({
				code: 'invitation_used',
				message: 'Cette invitation a déjà été utilisée.'
			});
			await expect(acceptInvitation(db, other, secret)).rejects.toMatchObject({ code: 'invitation_used' });
			expect((await listMembers(db, admin, orgId)).map((m) => m.user_id)).not.toContain(other.id);
		});

		it('a person who signs up after being invited can accept once verified', async () => {
			const email = uniqueEmail('later');
			const { url } = await inviteMember(db, admin, orgId, email, 'editor');
			const { userId } = await signUp(
				db,
				{ email, displayName: 'Arrivée Tardive', password: DEFAULT_PASSWORD },
				{ verified: true }
			);
			expect(await acceptInvitation(db, { id: userId, email }, secretOf(url))).toBe('metropole-invitante');
			expect((await getOrganisation(db, { id: userId }, orgId)).my_role).toBe('editor');
		});

		it('expired, revoked and replaced invitations cannot be used', async () => {
			const invitee = await createUser(db);
			const first = await inviteMember(db, admin, orgId, invitee.email, 'viewer');
			const second = await inviteMember(db, admin, orgId, invitee.email, 'editor');
			expect((await previewInvitation(db, secretOf(first.url)))?.state).toBe('revoked');
			await expect(acceptInvitation(db, invitee, secretOf(first.url))).rejects.toMatchObject({
				code: 'invitation_invalid'
			});

			await asService(db, 'test', (tx) =>
				tx.query(`update public.organisation_invitations set expires_at = now() - interval '1 hour' where id = $1`, [
					second.id
				])
			);
			expect((await previewInvitation(db, secretOf(second.url)))?.state).toBe('expired');
			await expect(acceptInvitation(db, invitee, secretOf(second.url))).rejects.toMatchObject({
				code: 'invitation_expired',
				message: "Cette invitation a expiré : demandez à l'administrateur de vous en envoyer une nouvelle."
			});
			expect((await listInvitations(db, admin, orgId)).map((i) => i.id)).not.toContain(second.id);

			const third = await inviteMember(db, admin, orgId, invitee.email, 'viewer');
			await revokeInvitation(db, admin, orgId, third.id);
			expect((await previewInvitation(db, secretOf(third.url)))?.state).toBe('revoked');
			await expect(acceptInvitation(db, invitee, secretOf(third.url))).rejects.toMatchObject({
				code: 'invitation_invalid',
				message: "Cette invitation n'est pas valable (lien erroné ou invitation annulée)."
			});
			await expect(acceptInvitation(db, invitee, 'b'.repeat(32))).rejects.toMatchObject({ code: 'invitation_invalid' });
			await expect(getOrganisation(db, invitee, orgId)).rejects.toMatchObject({ status: 404 });
		});
	});

	describe('members and roles', () => {
		it('role change, removal, leaving, and the last-admin rule', async () => {
			const admin = await createUser(db);
			const bob = await createUser(db);
			const carol = await createUser(db);
			const org = await createOrg(db, admin, 'Communauté de communes du Val');
			await addMember(db, org.id, bob, 'viewer');
			await addMember(db, org.id, carol, 'editor');

			// Only admins change roles or remove others.
			await expect(changeMemberRole(db, carol, org.id, bob.id, 'admin')).rejects.toMatchObject({
				code: 'forbidden',
				status: 403
			});
			await expect(removeMember(db, carol, org.id, bob.id)).rejects.toMatchObject({ code: 'forbidden', status: 403 });

			await changeMemberRole(db, admin, org.id, bob.id, 'editor');
			expect((await getOrganisation(db, bob, org.id)).my_role).toBe('editor');

			// The last admin can neither be demoted, nor leave, nor be removed.
			await expect(changeMemberRole(db, admin, org.id, admin.id, 'editor')).rejects.toMatchObject({
				code: 'last_admin',
				message: LAST_ADMIN
			});
			await expect(leaveOrganisation(db, admin, org.id)).rejects.toMatchObject({
				code: 'last_admin',
				status: 409,
				message: LAST_ADMIN
			});
			await expect(removeMember(db, admin, org.id, admin.id)).rejects.toMatchObject({ code: 'last_admin' });
			expect((await getOrganisation(db, admin, org.id)).my_role).toBe('admin');

			await removeMember(db, admin, org.id, bob.id);
			await expect(getOrganisation(db, bob, org.id)).rejects.toMatchObject({ status: 404 });

			await leaveOrganisation(db, carol, org.id);
			expect((await listMembers(db, admin, org.id)).map((m) => m.user_id)).toEqual([admin.id]);
			expect(await listMyOrganisations(db, carol)).toEqual([]);
		});

		it('with two admins, one may step down or leave', async () => {
			const a1 = await createUser(db);
			const a2 = await createUser(db);
			const org = await createOrg(db, a1, 'Région à deux admins');
			await addMember(db, org.id, a2, 'admin');
			await changeMemberRole(db, a1, org.id, a1.id, 'viewer');
			expect((await getOrganisation(db, a1, org.id)).my_role).toBe('viewer');
			await expect(leaveOrganisation(db, a2, org.id)).rejects.toMatchObject({ code: 'last_admin' });
			await leaveOrganisation(db, a1, org.id);
			// After leaving, the creator no longer sees the collectivité.
			await expect(getOrganisation(db, a1, org.id)).rejects.toMatchObject({ status: 404 });
		});

		it('transferAdmin promotes the member and steps the admin down, atomically', async () => {
			const admin = await createUser(db);
			const heir = await createUser(db);
			const stranger = await createUser(db);
			const org = await createOrg(db, admin, 'Centre hospitalier');
			await addMember(db, org.id, heir, 'viewer');

			await expect(transferAdmin(db, admin, org.id, stranger.id)).rejects.toMatchObject({
				code: 'not_a_member',
				message: "Cette personne n'est pas membre de la collectivité."
			});
			await expect(transferAdmin(db, admin, org.id, admin.id)).rejects.toMatchObject({ code: 'not_a_member' });
			await expect(transferAdmin(db, heir, org.id, heir.id)).rejects.toMatchObject({ code: 'forbidden', status: 403 });

			await transferAdmin(db, admin, org.id, heir.id);
			const roles = Object.fromEntries((await listMembers(db, heir, org.id)).map((m) => [m.user_id, m.role]));
			expect(roles).toEqual({ [heir.id]: 'admin', [admin.id]: 'editor' });
			await expect(transferAdmin(db, admin, org.id, heir.id)).rejects.toMatchObject({ code: 'forbidden' });
		});
	});
});
