/**
 * Issue 14, item 7: a lecteur (viewer) reads, and only admins and rédacteurs act for the collectivité. The attack:
 * a viewer booked Guichet vert sessions, asked questions in the collectivité's name and posted in a colleague's
 * thread. Each attempt is made as the viewer would: through the services the pages call, through the JSON API with
 * the viewer's own write token, and straight in SQL under the viewer's row-level security. Nothing may change.
 * Personal acts stay open (registering oneself to an event). Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../src/lib/server/auth/api-tokens';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { answerOffer, cancelRegistration, getRegistration, register } from '../../src/lib/server/events/registrations';
import { changeMemberRole } from '../../src/lib/server/organisations/service';
import { askQuestion, closeQuestion, getRequest, reply } from '../../src/lib/server/guichet/requests';
import { bookSession } from '../../src/lib/server/guichet/bookings';
import { createResource } from '../../src/lib/server/resources/editing';
import { recordUsage } from '../../src/lib/server/resources/reuse';
import { resourceInput } from '../../src/lib/server/resources/input';
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

const DAY = 86_400_000;
const REQUEST = {
	topic: 'Clause de réemploi',
	stage: 'redaction_dce',
	question: 'Quel taux de réemploi viser ?'
} as const;

async function refused(p: Promise<unknown>, status = 403): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect((e as AppError).status).toBe(status);
		return e as AppError;
	}
	throw new Error('expected a refusal');
}

describe.each(engines)('a lecteur does not act for the collectivité (%s)', (engine) => {
	let db: Database;
	let admin: TestUser, editor: TestUser, viewer: TestUser, anim: TestUser;
	let org: string, net: string, requestId: string, start: string;
	let viewerToken: string, adminToken: string;

	const counts = () =>
		asService(db, 'test: counts', async (tx) => {
			const [c] = await tx.query<{
				requests: number;
				messages: number;
				bookings: number;
				files: number;
				usages: number;
			}>(
				`select (select count(*)::int from public.guichet_requests) as requests, (select count(*)::int from public.guichet_messages) as messages,
				        (select count(*)::int from public.guichet_bookings) as bookings, (select count(*)::int from public.guichet_attachments) as files,
				        (select count(*)::int from public.resource_usages) as usages`
			);
			return c;
		});

	beforeAll(async () => {
		db = await openTestDb(engine);
		const platform = await createUser(db, { platformAdmin: true });
		admin = await createUser(db);
		editor = await createUser(db);
		viewer = await createUser(db, { displayName: 'Léo Lecteur' });
		anim = await createUser(db);
		org = (await createOrg(db, admin, 'Commune des lecteurs')).id;
		await addMember(db, org, editor, 'editor');
		await addMember(db, org, viewer, 'viewer');
		net = (await createNetwork(db, platform, 'Réseau des lecteurs')).id;
		await addAnimatorDirect(db, net, anim);
		await asService(db, 'test: membership', (tx) =>
			tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
				net,
				org
			])
		);
		const animToken = (await createApiToken(db, anim, { name: 'anim', scopes: ['read', 'write'] })).token;
		const put = await apiCall(db, 'PUT', `/networks/${net}/guichet/availability`, {
			token: animToken,
			body: {
				profile: {
					sessionMinutes: 60,
					bufferBeforeMinutes: 0,
					bufferAfterMinutes: 0,
					minNoticeMinutes: 60,
					horizonDays: 60,
					maxPerDay: null,
					slotStepMinutes: 60,
					modalities: ['visio'],
					visioUrl: 'https://visio.example.test/guichet',
					topics: [],
					confirmationMode: 'auto',
					active: true
				},
				weeklyHours: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' }))
			}
		});
		expect(put.status).toBe(200);
		viewerToken = (await createApiToken(db, viewer, { name: 'lecteur', scopes: ['read', 'write'] })).token;
		adminToken = (await createApiToken(db, admin, { name: 'admin', scopes: ['read', 'write'] })).token;
		// The admin's thread, where the viewer will try to post.
		requestId = await askQuestion(db, admin, { ...REQUEST, networkId: net });
		const from = new Date(Date.now() + 3 * DAY).toISOString();
		const to = new Date(Date.now() + 6 * DAY).toISOString();
		const slots = await apiCall(
			db,
			'GET',
			`/networks/${net}/guichet/slots?animatorId=any&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
			{
				token: adminToken
			}
		);
		start = slots.body.items[0].start;
	}, 120_000);
	afterAll(async () => db?.close());

	it('cannot book a session, through the service or the API', async () => {
		const before = await counts();
		const e = await refused(
			bookSession(db, viewer, { ...REQUEST, networkId: net, animatorId: 'any', start, modality: 'visio' })
		);
		expect(e.message).toMatch(/lecteur/);
		const api = await apiCall(db, 'POST', `/networks/${net}/guichet/bookings`, {
			token: viewerToken,
			body: { ...REQUEST, start, modality: 'visio', orgId: org }
		});
		expect(api.status).toBe(403);
		expect(await counts()).toEqual(before);
	});

	it('cannot ask a question in the collectivité’s name', async () => {
		const before = await counts();
		await refused(askQuestion(db, viewer, { ...REQUEST, networkId: net }));
		const api = await apiCall(db, 'POST', `/networks/${net}/guichet/questions`, {
			token: viewerToken,
			body: { ...REQUEST, orgId: org }
		});
		expect(api.status).toBe(403);
		expect(await counts()).toEqual(before);
	});

	it('reads a colleague’s thread but cannot post in it nor close it', async () => {
		const before = await counts();
		const r = await getRequest(db, viewer, requestId);
		expect(r.side).toBe('reader');
		await refused(reply(db, viewer, requestId, 'Je me permets de relancer.'));
		const api = await apiCall(db, 'POST', `/guichet/requests/${requestId}/messages`, {
			token: viewerToken,
			body: { body: 'Relance' }
		});
		expect(api.status).toBe(403);
		await refused(closeQuestion(db, viewer, requestId));
		expect((await apiCall(db, 'GET', `/guichet/requests/${requestId}`, { token: viewerToken })).status).toBe(200);
		expect(await counts()).toEqual(before);
	});

	it('the database refuses the same writes made directly under the viewer’s rights', async () => {
		const attempts = [
			[`insert into public.guichet_messages (request_id, body) values ($1, 'Relance')`, [requestId]],
			[
				`insert into public.guichet_attachments (request_id, filename, mime, size, content) values ($1, 'x.pdf', 'application/pdf', 1, '\\x25'::bytea)`,
				[requestId]
			],
			[
				`insert into public.guichet_requests (network_id, org_id, kind, topic, stage, question) values ($1, $2, 'question', 'Sujet', 'execution', 'Question ?')`,
				[net, org]
			]
		] as const;
		for (const [sql, params] of attempts)
			await expect(withUser(db, viewer, (tx) => tx.query(sql, [...params]))).rejects.toThrow(/row-level security/);
		const [{ n }] = await withUser(db, viewer, (tx) =>
			tx.query<{ n: number }>(
				`with u as (update public.guichet_requests set status = 'closed' where id = $1 returning 1) select count(*)::int as n from u`,
				[requestId]
			)
		);
		expect(n).toBe(0);
	});

	it('cannot declare that the collectivité uses a resource', async () => {
		const id = await createResource(
			db,
			editor,
			org,
			resourceInput.parse({
				kind: 'clause',
				title: 'Clause de réemploi',
				body: 'Texte.',
				family: 'environnementale',
				mechanism: 'autre',
				visibility: 'public'
			})
		);
		await refused(recordUsage(db, viewer, id, { worked: 'Très bien', notWorked: '' }));
		await recordUsage(db, editor, id, { worked: 'Très bien', notWorked: '' });
		const [{ n }] = await asService(db, 'test', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.resource_usages where resource_id = $1', [id])
		);
		expect(n).toBe(1);
	});

	it('registers himself to an event (a personal act), never a colleague', async () => {
		const [ev] = await asService(db, 'test: event', (tx) =>
			tx.query<{ id: string }>(
				`insert into public.events (kind, title, organiser_network_id, audience, status, starts_at, ends_at)
				 values ('webinaire', 'Webinaire des lecteurs', $1, 'network', 'published', now() + interval '10 days', now() + interval '10 days 2 hours') returning id`,
				[net]
			)
		);
		const mine = await register(db, viewer, { eventId: ev.id, choices: [] });
		expect(mine.status).toBe('confirmed');
		await refused(register(db, viewer, { eventId: ev.id, userId: editor.id, orgId: org, choices: [] }));
	});

	it('a former admin demoted to lecteur no longer cancels nor declines a colleague’s registration he made', async () => {
		const boss = await createUser(db);
		const former = await createUser(db, { displayName: 'Ancien Admin' });
		const mate = await createUser(db);
		const org2 = (await createOrg(db, boss, 'Commune des rétrogradés')).id;
		await addMember(db, org2, former, 'admin');
		await addMember(db, org2, mate, 'viewer');
		const formerToken = (await createApiToken(db, former, { name: 'ancien', scopes: ['read', 'write'] })).token;
		const [ev] = await asService(db, 'test: event', (tx) =>
			tx.query<{ id: string }>(
				`insert into public.events (kind, title, audience, organiser_network_id, status, starts_at, ends_at)
				 values ('webinaire', 'Webinaire des rétrogradés', 'buyers', $1, 'published', now() + interval '10 days', now() + interval '10 days 2 hours') returning id`,
				[net]
			)
		);
		// While admin, he registers two colleagues; then he is made lecteur.
		const confirmed = await register(db, former, { eventId: ev.id, userId: mate.id, orgId: org2, choices: [] });
		const offered = await register(db, former, { eventId: ev.id, userId: boss.id, orgId: org2, choices: [] });
		await asService(db, 'test: a place offered from the waiting list', (tx) =>
			tx.query(
				`update public.event_registrations set status = 'offered', offer_expires_at = now() + interval '2 days' where id = $1`,
				[offered.id]
			)
		);
		await changeMemberRole(db, boss, org2, former.id, 'viewer');
		const status = async (id: string) =>
			(
				await asService(db, 'test', (tx) =>
					tx.query<{ status: string }>('select status from public.event_registrations where id = $1', [id])
				)
			)[0].status;

		const e = await refused(cancelRegistration(db, former, confirmed.id));
		expect(e.message).toMatch(/administrateur ou rédacteur/);
		const api = await apiCall(db, 'POST', `/event-registrations/${confirmed.id}/cancel`, { token: formerToken });
		expect(api.status).toBe(403);
		await expect(
			withUser(db, former, (tx) => tx.query('select app.event_cancel_registration($1)', [confirmed.id]))
		).rejects.toThrow(/registration_act_not_allowed/);
		await refused(answerOffer(db, former, offered.id, false));
		await expect(
			withUser(db, former, (tx) => tx.query('select app.event_answer_offer($1, false)', [offered.id]))
		).rejects.toThrow(/registration_act_not_allowed/);
		expect([await status(confirmed.id), await status(offered.id)]).toEqual(['confirmed', 'offered']);
		// He still sees the registrations he made (his own history).
		const seen = await getRegistration(db, former, confirmed.id);
		expect([seen.registration.id, seen.mayAct]).toEqual([confirmed.id, false]);
		expect((await getRegistration(db, mate, confirmed.id)).mayAct).toBe(true);
		// The person and the collectivité's admin still act.
		await cancelRegistration(db, mate, confirmed.id);
		await answerOffer(db, boss, offered.id, false);
		expect([await status(confirmed.id), await status(offered.id)]).toEqual(['cancelled', 'cancelled']);
	});

	it('a rédacteur and an admin still act for the collectivité', async () => {
		const q = await askQuestion(db, editor, { ...REQUEST, networkId: net });
		expect((await getRequest(db, editor, q)).side).toBe('buyer');
		await reply(db, editor, requestId, 'Précision de la rédactrice.');
		const api = await apiCall(db, 'POST', `/networks/${net}/guichet/bookings`, {
			token: adminToken,
			body: { ...REQUEST, start, modality: 'visio' }
		});
		expect(api.status).toBe(201);
	});
});
