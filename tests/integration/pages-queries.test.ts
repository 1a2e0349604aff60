import { isHttpError, isRedirect } from '@sveltejs/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { adminOverview, listOutbox, listUsers } from '../../src/lib/server/admin/queries';
import { requirePlatformAdmin } from '../../src/lib/server/admin/access';
import { listAllAnimators, myOpenMemberships, networkMemberCounts } from '../../src/lib/server/networks/queries';
import { decideMembership, endMembership, requestToJoin } from '../../src/lib/server/networks/service';
import { orHttpError } from '../../src/lib/server/kit/errors';
import { getOrganisationBySlug, inviteMember } from '../../src/lib/server/organisations/service';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	createNetwork,
	createOrg,
	createUser,
	uniqueEmail,
	type TestUser
} from '../helpers/factories';

/** What requireUser / requirePlatformAdmin read from a request event. */
function event(
	user: { id: string; email: string; displayName: string; isPlatformAdmin: boolean } | null,
	path = '/admin'
) {
	const url = new URL(`http://localhost${path}`);
	return { url, locals: { user: user && { ...user, emailVerified: true } } } as unknown as Parameters<
		typeof requirePlatformAdmin
	>[0];
}
const sessionUser = (u: TestUser, isPlatformAdmin = false) => ({
	id: u.id,
	email: u.email,
	displayName: u.displayName,
	isPlatformAdmin
});

describe.each(engines)('page queries on %s', (engine) => {
	let db: Database;
	let platformAdmin: TestUser;
	let animator: TestUser;
	let orgAdmin: TestUser;
	let outsider: TestUser;
	let network: { id: string; slug: string };
	let emptyNetwork: { id: string; slug: string };

	beforeAll(async () => {
		db = await openTestDb(engine);
		platformAdmin = await createUser(db, { platformAdmin: true, displayName: 'Admin Plateforme' });
		animator = await createUser(db, { displayName: 'Animatrice Test' });
		orgAdmin = await createUser(db, { displayName: 'Admin Ville' });
		outsider = await createUser(db, { displayName: 'Personne Extérieure' });
		network = await createNetwork(db, platformAdmin, 'Réseau Compté');
		emptyNetwork = await createNetwork(db, platformAdmin, 'Réseau Vide');
		await addAnimatorDirect(db, network.id, animator);
		// three collectivités: two approved, one pending, one withdrawn request
		for (const [name, decision] of [
			['Ville A', 'approved'],
			['Ville B', 'approved'],
			['Ville C', 'pending'],
			['Ville D', 'withdrawn']
		] as const) {
			const admin = name === 'Ville A' || name === 'Ville C' || name === 'Ville D' ? orgAdmin : await createUser(db);
			const org = await createOrg(db, admin, name);
			const id = await requestToJoin(db, admin, network.id, org.id, `Message de ${name}`);
			if (decision === 'approved') await decideMembership(db, animator, id, 'approved');
			if (decision === 'withdrawn') await endMembership(db, admin, id);
		}
	});
	afterAll(async () => {
		await db?.close();
	});

	it('counts approved members for everyone, including people RLS hides the memberships from', async () => {
		for (const actor of [null, outsider, orgAdmin, animator]) {
			const counts = await networkMemberCounts(db, actor);
			expect(counts[network.id]).toBe(2);
			expect(counts[emptyNetwork.id] ?? 0).toBe(0);
		}
	});

	it("lists only the open memberships of the person's own collectivités", async () => {
		const mine = await myOpenMemberships(db, orgAdmin);
		expect(mine.map((m) => [m.org_name, m.status]).sort()).toEqual([
			['Ville A', 'approved'],
			['Ville C', 'pending']
		]);
		expect(await myOpenMemberships(db, outsider)).toEqual([]);
	});

	it('lists animators with their names for platform admins', async () => {
		const rows = await listAllAnimators(db, platformAdmin);
		const here = rows.filter((r) => r.network_id === network.id);
		expect(here.map((r) => r.display_name)).toEqual(['Animatrice Test']);
		expect(rows.some((r) => r.network_id === emptyNetwork.id)).toBe(false);
	});

	it('shows the outbox to platform admins only, newest first, filtered by address with literal wildcards', async () => {
		const orgs = await createOrg(db, orgAdmin, 'Ville Invitante');
		const a = uniqueEmail('dest_under');
		const b = uniqueEmail('destxunder');
		await inviteMember(db, orgAdmin, orgs.id, a, 'viewer');
		await inviteMember(db, orgAdmin, orgs.id, b, 'editor');
		const all = await listOutbox(db, platformAdmin);
		expect(all.total).toBeGreaterThanOrEqual(2);
		const times = all.rows.map((r) => new Date(r.created_at).getTime());
		expect([...times].sort((x, y) => y - x)).toEqual(times);
		// "_" is a LIKE wildcard: it must match only the underscore, not any character
		const filtered = await listOutbox(db, platformAdmin, { address: 'dest_under' });
		expect(filtered.rows.map((r) => r.to_address)).toEqual([a]);
		expect(filtered.rows[0].text_body).toContain('/invitation/');
		// When the platform sends its mail, the one-time link is not readable here (it is the invitee's alone).
		const secret = /\/invitation\/([^/\s?#]+)/.exec(filtered.rows[0].text_body)![1];
		expect(filtered.linksMasked).toBe(false);
		const masked = await listOutbox(db, platformAdmin, { address: 'dest_under', maskLinks: true });
		expect(masked.linksMasked).toBe(true);
		expect(masked.rows[0].text_body).toContain('/invitation/…');
		expect(masked.rows[0].text_body).not.toContain(secret);
		// RLS: anyone else sees nothing
		const hidden = await listOutbox(db, orgAdmin);
		expect(hidden.total).toBe(0);
		expect(hidden.rows).toEqual([]);
	});

	it('pages the outbox safely whatever the page parameter', async () => {
		const first = await listOutbox(db, platformAdmin, { page: 1 });
		for (const page of [Number.NaN, -3, 0, 2.5, 1e12]) {
			const r = await listOutbox(db, platformAdmin, { page });
			expect(r.page).toBeGreaterThanOrEqual(1);
			if (page !== 2.5) expect(r.rows.map((x) => x.id)).toEqual(first.rows.map((x) => x.id));
		}
		const beyond = await listOutbox(db, platformAdmin, { page: 50 });
		expect(beyond.rows).toEqual([]);
	});

	it('searches users by name or e-mail; a platform admin sees every account, others only those RLS allows', async () => {
		const byName = await listUsers(db, platformAdmin, { q: 'extérieure' });
		expect(byName.rows.map((u) => u.id)).toEqual([outsider.id]);
		const byMail = await listUsers(db, platformAdmin, { q: orgAdmin.email.toUpperCase() });
		expect(byMail.rows.map((u) => u.id)).toEqual([orgAdmin.id]);
		expect(byMail.rows[0].org_count).toBeGreaterThanOrEqual(3);
		const everyone = await listUsers(db, platformAdmin);
		expect(everyone.total).toBeGreaterThanOrEqual(5);
		const seenByOutsider = await listUsers(db, outsider);
		expect(seenByOutsider.rows.map((u) => u.id)).not.toContain(orgAdmin.id);
	});

	it('gives platform admins an overview of accounts, networks and e-mails', async () => {
		const o = await adminOverview(db, platformAdmin);
		expect(o.networks).toBe(2);
		expect(o.users).toBeGreaterThanOrEqual(5);
		expect(o.pending_emails).toBeGreaterThanOrEqual(2);
		const hidden = await adminOverview(db, outsider);
		expect(hidden.pending_emails).toBe(0);
	});

	it('guards admin pages: redirect to login when anonymous, French 403 when not a platform admin', () => {
		expect(requirePlatformAdmin(event(sessionUser(platformAdmin, true))).id).toBe(platformAdmin.id);
		try {
			requirePlatformAdmin(event(sessionUser(outsider)));
			expect.unreachable();
		} catch (e) {
			expect(isHttpError(e, 403)).toBe(true);
			expect((e as { body: { message: string } }).body.message).toMatch(/réservée aux administrateurs/);
		}
		try {
			requirePlatformAdmin(event(null, '/admin/emails'));
			expect.unreachable();
		} catch (e) {
			expect(isRedirect(e)).toBe(true);
			expect((e as { location: string }).location).toBe('/connexion?redirect=%2Fadmin%2Femails');
		}
	});

	it('turns what RLS hides into a French 404 and lets other errors through', async () => {
		const org = await createOrg(db, orgAdmin, 'Ville Secrète');
		await expect(orHttpError(getOrganisationBySlug(db, orgAdmin, org.slug))).resolves.toMatchObject({ id: org.id });
		try {
			await orHttpError(getOrganisationBySlug(db, outsider, org.slug));
			expect.unreachable();
		} catch (e) {
			expect(isHttpError(e, 404)).toBe(true);
			expect((e as { body: { message: string } }).body.message).toMatch(/n'existe pas ou vous n'y avez pas accès/);
		}
		await expect(orHttpError(Promise.reject(new Error('boom')))).rejects.toThrow('boom');
	});
});
