/**
 * The events endpoints of the JSON API (/api/v1), end to end below HTTP on both engines: real requests through the
 * dispatcher, real personal access tokens, the events services and row-level security. Success bodies are checked
 * against their response schemas (strictResponses), error bodies against the error schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import { asService, type Database } from '../../src/lib/server/db';
import { getOpenApiDocument } from '../../src/lib/server/api';
import { apiCall } from '../helpers/api';
import { engines, openTestDb } from '../helpers/engines';
import { addAnimatorDirect, createNetwork, createOrg, createUser, outbox, type TestUser } from '../helpers/factories';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe.each(engines)('API v1 — events (%s)', (kind) => {
	let db: Database;
	let anim: TestUser, buyer1: TestUser, buyer2: TestUser, outsider: TestUser;
	let net: { id: string };
	const orgs: Record<string, string> = {};
	const tok: Record<string, string> = {};

	const call = (method: string, path: string, opts: { token?: string; body?: unknown } = {}) =>
		apiCall(db, method, path, opts);

	beforeAll(async () => {
		db = await openTestDb(kind);
		const platform = await createUser(db, { platformAdmin: true });
		anim = await createUser(db, { displayName: 'Anne Imatrice' });
		buyer1 = await createUser(db, { displayName: 'Bruno Acheteur' });
		buyer2 = await createUser(db, { displayName: 'Carla Acheteuse' });
		outsider = await createUser(db, { displayName: 'Olga Dehors' });
		net = await createNetwork(db, platform, 'Réseau API événements');
		await addAnimatorDirect(db, net.id, anim);
		for (const [k, u] of [
			['b1', buyer1],
			['b2', buyer2],
			['out', outsider]
		] as const) {
			orgs[k] = (await createOrg(db, u, `Commune ${k} ${kind}`)).id;
			if (k !== 'out')
				await asService(db, 'test: approve', (tx) =>
					tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
						net.id,
						orgs[k]
					])
				);
		}
		const token = async (u: TestUser, scopes: Scope[]) => (await createApiToken(db, u, { name: 't', scopes })).token;
		tok.anim = await token(anim, ['read', 'write']);
		tok.b1 = await token(buyer1, ['read', 'write']);
		tok.b2 = await token(buyer2, ['read', 'write']);
		tok.out = await token(outsider, ['read', 'write']);
		tok.b1read = await token(buyer1, ['read']);
	}, 120_000);
	afterAll(async () => {
		await db?.close();
	});

	it('documents the events endpoints in OpenAPI', () => {
		const doc = getOpenApiDocument() as unknown as {
			paths: Record<string, Record<string, { tags: string[] }>>;
			components: { schemas: Record<string, unknown> };
		};
		expect(doc.paths['/events/{id}/registrations'].post.tags).toEqual(['Événements']);
		expect(doc.paths['/event-sessions/{id}/check-ins'].post).toBeDefined();
		for (const name of [
			'Event',
			'EventList',
			'EventRegistration',
			'EventInput',
			'EventSessionInput',
			'EventCheckInInput'
		])
			expect(doc.components.schemas[name]).toBeDefined();
	});

	it('an organiser builds a workshop programme; buyers register, one waits; check-in by code; a cancellation promotes', async () => {
		const created = await call('POST', '/events', {
			token: tok.anim,
			body: {
				kind: 'atelier',
				title: 'Atelier clauses sociales',
				organiser: `network:${net.id}`,
				audience: 'network',
				startsAt: '2030-05-14T09:00:00+02:00',
				endsAt: '2030-05-14T12:00:00+02:00'
			}
		});
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({
			status: 'draft',
			organiserName: 'Réseau API événements',
			start: '2030-05-14T07:00:00.000Z'
		});
		const id = created.body.id;
		expect(
			(
				await call('POST', '/events', {
					token: tok.b1,
					body: {
						title: 'Atelier pirate',
						kind: 'atelier',
						organiser: `network:${net.id}`,
						audience: 'network',
						startsAt: '2030-05-14T09:00',
						endsAt: '2030-05-14T12:00'
					}
				})
			).status
		).toBe(403);
		expect(
			(
				await call('POST', '/events', {
					token: tok.anim,
					body: {
						kind: 'atelier',
						title: 'X',
						organiser: `network:${net.id}`,
						audience: 'network',
						startsAt: '2030-05-14T09:00',
						endsAt: '2030-05-14T08:00'
					}
				})
			).status
		).toBe(400);

		const group = await call('POST', `/events/${id}/choice-groups`, { token: tok.anim, body: { title: 'Ateliers' } });
		expect(group.status).toBe(201);
		const s = async (title: string, capacity?: number, choiceGroupId?: string) =>
			(
				await call('POST', `/events/${id}/sessions`, {
					token: tok.anim,
					body: { title, startsAt: '2030-05-14T10:00', endsAt: '2030-05-14T11:30', capacity, choiceGroupId }
				})
			).body;
		const plenary = await s('Introduction');
		const a = await s('Atelier A', 1, group.body.id);
		const b = await s('Atelier B', undefined, group.body.id);
		expect(a).toMatchObject({
			choiceGroupId: group.body.id,
			capacity: 1,
			placesTaken: 0,
			start: '2030-05-14T08:00:00.000Z'
		});

		// Drafts: invisible to buyers; published: visible to members of the network only.
		expect((await call('GET', `/events/${id}`, { token: tok.b1 })).status).toBe(404);
		expect(
			(await call('POST', `/events/${id}/publish`, { token: tok.anim, body: { published: true } })).body.status
		).toBe('published');
		expect((await call('GET', '/events', { token: tok.b1 })).body.items.map((e: Body) => e.id)).toContain(id);
		expect((await call('GET', '/events')).body.items.map((e: Body) => e.id)).not.toContain(id);
		expect((await call('GET', `/events/${id}`, { token: tok.out })).status).toBe(404);

		const r1 = await call('POST', `/events/${id}/registrations`, {
			token: tok.b1,
			body: { orgId: orgs.b1, choices: [a.id] }
		});
		expect(r1.status).toBe(201);
		expect(r1.body).toMatchObject({ status: 'confirmed', fullName: 'Bruno Acheteur', orgId: orgs.b1, choices: [a.id] });
		expect(r1.body.checkinCode).toMatch(/^[0-9a-f]{32}$/);
		const r2 = await call('POST', `/events/${id}/registrations`, { token: tok.b2, body: { choices: [a.id] } });
		expect(r2.body).toMatchObject({ status: 'waitlisted', waitlistPosition: 1, checkinCode: null });
		expect(
			(await call('POST', `/events/${id}/registrations`, { token: tok.b2, body: { choices: [a.id] } })).status
		).toBe(409);
		const bad = await call('POST', `/events/${id}/registrations`, { token: tok.out, body: { choices: [b.id] } });
		expect(bad.status).toBe(404);
		expect(
			(await call('POST', `/events/${id}/registrations`, { token: tok.b1read, body: { choices: [b.id] } })).status
		).toBe(403);

		// Organiser's list: everyone; a buyer sees only their own.
		expect(
			(await call('GET', `/events/${id}/registrations`, { token: tok.anim })).body.items.map((r: Body) => r.status)
		).toEqual(['confirmed', 'waitlisted']);
		expect(
			(await call('GET', `/events/${id}/registrations`, { token: tok.b2 })).body.items.map((r: Body) => r.fullName)
		).toEqual(['Carla Acheteuse']);

		// Issue 14: no check-in weeks ahead. The organiser opens it a day before each session, and the event comes
		// (by the database clock: the event is moved to two hours from now).
		const early = await call('POST', `/event-sessions/${a.id}/check-ins`, {
			token: tok.anim,
			body: { code: r1.body.checkinCode }
		});
		expect(early.status).toBe(409);
		expect(early.body.error.message).toMatch(/^Le pointage ouvre le mardi 14 mai 2030 à/);
		await asService(db, 'test: the event comes', async (tx) => {
			const [{ shift }] = await tx.query<{ shift: string }>(
				`select ((now() + interval '2 hours') - starts_at)::text as shift from public.events where id = $1`,
				[id]
			);
			await tx.query(
				`update public.events set checkin_opens_minutes = 1440, starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval where id = $1`,
				[id, shift]
			);
			await tx.query(
				`update public.event_sessions set starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval where event_id = $1`,
				[id, shift]
			);
		});

		// Check-in by QR code at the workshop, twice (counted once), by a non-organiser (refused), undo.
		const ci = await call('POST', `/event-sessions/${a.id}/check-ins`, {
			token: tok.anim,
			body: { code: r1.body.checkinCode }
		});
		expect(ci.body).toEqual({ registrationId: r1.body.id, fullName: 'Bruno Acheteur', alreadyCheckedIn: false });
		expect(
			(
				await call('POST', `/event-sessions/${a.id}/check-ins`, {
					token: tok.anim,
					body: { code: r1.body.checkinCode }
				})
			).body.alreadyCheckedIn
		).toBe(true);
		expect(
			(await call('POST', `/event-sessions/${a.id}/check-ins`, { token: tok.b1, body: { code: r1.body.checkinCode } }))
				.status
		).toBe(404);
		expect(
			(
				await call('POST', `/event-sessions/${b.id}/check-ins`, {
					token: tok.anim,
					body: { registrationId: r2.body.id }
				})
			).status
		).toBe(409);
		expect(
			(await call('POST', `/event-sessions/${plenary.id}/check-ins`, { token: tok.anim, body: { code: 'not-a-code' } }))
				.status
		).toBe(400);
		expect((await call('DELETE', `/event-sessions/${a.id}/check-ins/${r1.body.id}`, { token: tok.anim })).status).toBe(
			204
		);

		// Buyer 1 cancels: buyer 2 gets a time-limited offer by e-mail.
		const cancelled = await call('POST', `/event-registrations/${r1.body.id}/cancel`, { token: tok.b1 });
		expect(cancelled.body.status).toBe('cancelled');
		const mine = (await call('GET', `/events/${id}/registrations`, { token: tok.b2 })).body.items[0];
		expect(mine.status).toBe('offered');
		expect(new Date(mine.offerExpiresAt).getTime()).toBeGreaterThan(Date.now());
		expect((await outbox(db, buyer2.email)).at(-1)!.subject).toBe('Une place vous attend : Atelier clauses sociales');
	});
});
