/**
 * The Guichet vert endpoints of the JSON API (/api/v1), end to end below HTTP, on both engines: real Request
 * objects through the real dispatcher, real personal access tokens, real guichet services and row-level
 * security. The animator sets up availability through the API itself; buyers book through it. Every success
 * body is checked against its response schema (strictResponses) and every error body against the error schema.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, type Scope } from '../../src/lib/server/auth/api-tokens';
import { asService, type Database } from '../../src/lib/server/db';
import { authenticateRequest, dispatchApi, getOpenApiDocument } from '../../src/lib/server/api';
import { apiErrorSchema } from '../../src/lib/server/api/schemas';
import { askQuestion } from '../../src/lib/server/guichet/requests';
import { SLOT_TAKEN_MESSAGE } from '../../src/lib/server/guichet/booking-record';
import { engines, openTestDb } from '../helpers/engines';
import { addAnimatorDirect, createNetwork, createOrg, createUser, outbox, type TestUser } from '../helpers/factories';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const DAY = 86_400_000;
const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '08:00', end: '20:00' }));
const PROFILE = {
	sessionMinutes: 60,
	bufferBeforeMinutes: 0,
	bufferAfterMinutes: 0,
	minNoticeMinutes: 60,
	horizonDays: 60,
	maxPerDay: null,
	slotStepMinutes: 60,
	modalities: ['visio', 'telephone'],
	visioUrl: 'https://visio.example.test/guichet',
	phone: '01 23 45 67 89',
	topics: ['Clauses environnementales', 'Restauration collective'],
	confirmationMode: 'auto',
	active: true
};
const BOOKING = {
	topic: 'Clause environnementale pour un marché de nettoyage',
	segment: 'Nettoyage des locaux',
	stage: 'redaction_dce',
	question: 'Quels critères environnementaux retenir ?',
	modality: 'visio'
};

describe.each(engines)('API v1 — Guichet vert (%s)', (kind) => {
	let db: Database;
	let admin: TestUser, anim: TestUser, buyer: TestUser, buyer2: TestUser, outsider: TestUser;
	let net: { id: string };
	let buyerOrg: { id: string };
	const tok: Record<string, string> = {};

	async function token(user: { id: string; email: string }, scopes: Scope[]) {
		return (await createApiToken(db, user, { name: `test ${scopes.join('+')}`, scopes })).token;
	}

	async function call(
		method: string,
		path: string,
		opts: { token?: string; body?: unknown } = {}
	): Promise<{ status: number; body: Body; headers: Headers }> {
		const headers = new Headers();
		if (opts.token) headers.set('authorization', `Bearer ${opts.token}`);
		let payload: string | undefined;
		if (opts.body !== undefined) {
			payload = JSON.stringify(opts.body);
			headers.set('content-type', 'application/json');
		}
		const request = new Request(`http://localhost/api/v1${path}`, { method, headers, body: payload });
		const res = await dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
		const text = await res.text();
		const body = text ? JSON.parse(text) : null;
		if (res.status >= 400) {
			expect(apiErrorSchema.safeParse(body).success, `error body of ${method} ${path}: ${text}`).toBe(true);
			expect(body.error.message).toMatch(/[a-zé]/);
		}
		return { status: res.status, body, headers: res.headers };
	}

	async function approve(networkId: string, orgId: string, by: string) {
		await asService(db, 'test: approved membership', (tx) =>
			tx.query(
				`insert into public.network_memberships (network_id, org_id, status, requested_by, decided_by, decided_at) values ($1, $2, 'approved', $3, $3, now())`,
				[networkId, orgId, by]
			)
		);
	}

	async function countBookings(): Promise<number> {
		const [r] = await asService(db, 'test: count', (tx) =>
			tx.query<{ n: number }>('select count(*)::int as n from public.guichet_bookings where network_id = $1', [net.id])
		);
		return r.n;
	}

	/** Free slots three to six days ahead (beyond the buyers' 24 h change notice). */
	async function slots(t: string, animatorId = 'any') {
		const from = new Date(Date.now() + 3 * DAY).toISOString();
		const to = new Date(Date.now() + 6 * DAY).toISOString();
		return call(
			'GET',
			`/networks/${net.id}/guichet/slots?animatorId=${animatorId}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
			{ token: t }
		);
	}

	beforeAll(async () => {
		db = await openTestDb(kind);
		admin = await createUser(db, { platformAdmin: true });
		net = await createNetwork(db, admin, 'Réseau du guichet API');
		const otherNet = await createNetwork(db, admin, 'Autre réseau API');
		anim = await createUser(db, { displayName: 'Alice Animatrice' });
		await addAnimatorDirect(db, net.id, anim);
		buyer = await createUser(db, { displayName: 'Bernard Acheteur' });
		buyerOrg = await createOrg(db, buyer, 'Commune adhérente A');
		await approve(net.id, buyerOrg.id, buyer.id);
		buyer2 = await createUser(db, { displayName: 'Chloé Acheteuse' });
		const org2 = await createOrg(db, buyer2, 'Commune adhérente B');
		await approve(net.id, org2.id, buyer2.id);
		outsider = await createUser(db);
		const outOrg = await createOrg(db, outsider, 'Commune hors réseau');
		await approve(otherNet.id, outOrg.id, outsider.id);
		tok.anim = await token(anim, ['read', 'write']);
		tok.animRead = await token(anim, ['read']);
		tok.buyer = await token(buyer, ['read', 'write']);
		tok.buyerRead = await token(buyer, ['read']);
		tok.buyer2 = await token(buyer2, ['read', 'write']);
		tok.outsider = await token(outsider, ['read', 'write']);
	}, 120_000);
	afterAll(async () => db?.close());

	it('documents the guichet paths in the OpenAPI document', () => {
		const doc = getOpenApiDocument() as Body;
		expect(Object.keys(doc.paths['/networks/{id}/guichet/availability']).sort()).toEqual(['get', 'put']);
		expect(doc.paths['/networks/{id}/guichet/bookings'].post.responses['409']).toBeDefined();
		expect(doc.paths['/networks/{id}/guichet/slots'].get.parameters.map((p: Body) => p.name)).toEqual(
			expect.arrayContaining(['animatorId', 'from', 'to'])
		);
	});

	it('the animator sets up availability through the API (write scope, validation, nothing changed on bad input)', async () => {
		const empty = await call('GET', `/networks/${net.id}/guichet/availability`, { token: tok.animRead });
		expect(empty.status).toBe(200);
		expect(empty.body).toEqual({ profile: null, weeklyHours: [], absences: [] });

		const body = { profile: PROFILE, weeklyHours: ALL_WEEK };
		const readOnly = await call('PUT', `/networks/${net.id}/guichet/availability`, { token: tok.animRead, body });
		expect(readOnly.status).toBe(403);
		expect(readOnly.body.error.code).toBe('insufficient_scope');

		const bad = await call('PUT', `/networks/${net.id}/guichet/availability`, {
			token: tok.anim,
			body: { profile: PROFILE, weeklyHours: [{ weekday: 1, start: '18:00', end: '09:00' }] }
		});
		expect(bad.status).toBe(400);
		expect(bad.body.error.details.fields['weeklyHours.0.end']).toMatch(/fin/);
		expect(
			(await call('GET', `/networks/${net.id}/guichet/availability`, { token: tok.anim })).body.profile
		).toBeNull();

		const noVisio = await call('PUT', `/networks/${net.id}/guichet/availability`, {
			token: tok.anim,
			body: { ...body, profile: { ...PROFILE, visioUrl: null } }
		});
		expect(noVisio.status).toBe(400);
		expect(noVisio.body.error.details.fields.visioUrl).toMatch(/visioconférence/);

		const absenceStart = new Date(Date.now() + 20 * DAY);
		const ok = await call('PUT', `/networks/${net.id}/guichet/availability`, {
			token: tok.anim,
			body: {
				...body,
				absences: [
					{
						start: absenceStart.toISOString(),
						end: new Date(absenceStart.getTime() + DAY).toISOString(),
						reason: 'Formation'
					}
				]
			}
		});
		expect(ok.status).toBe(200);
		expect(ok.body.profile).toMatchObject({
			sessionMinutes: 60,
			modalities: ['visio', 'telephone'],
			confirmationMode: 'auto'
		});
		expect(ok.body.weeklyHours).toHaveLength(7);
		expect(ok.body.absences).toEqual([
			expect.objectContaining({ start: absenceStart.toISOString(), reason: 'Formation' })
		]);

		// Absences given again replace the previous ones.
		const again = await call('PUT', `/networks/${net.id}/guichet/availability`, {
			token: tok.anim,
			body: { ...body, absences: [] }
		});
		expect(again.body.absences).toEqual([]);

		// A buyer has no availability to manage.
		const notAnim = await call('GET', `/networks/${net.id}/guichet/availability`, { token: tok.buyer });
		expect(notAnim.status).toBe(403);
		const notAnimPut = await call('PUT', `/networks/${net.id}/guichet/availability`, { token: tok.buyer, body });
		expect(notAnimPut.status).toBe(403);
	});

	it('lists the animators with their profile summary; an outsider gets 404', async () => {
		const r = await call('GET', `/networks/${net.id}/guichet/animators`, { token: tok.buyerRead });
		expect(r.status).toBe(200);
		expect(r.body.items).toEqual([
			expect.objectContaining({
				animatorId: anim.id,
				displayName: 'Alice Animatrice',
				modalities: ['visio', 'telephone'],
				modalityLabels: ['Visioconférence', 'Téléphone'],
				topics: PROFILE.topics,
				sessionMinutes: 60
			})
		]);
		const out = await call('GET', `/networks/${net.id}/guichet/animators`, { token: tok.outsider });
		expect(out.status).toBe(404);
		const unknown = await call('GET', `/networks/${crypto.randomUUID()}/guichet/animators`, { token: tok.buyer });
		expect(unknown.status).toBe(404);
		const anonymous = await call('GET', `/networks/${net.id}/guichet/animators`);
		expect(anonymous.status).toBe(401);
	});

	it('free slots: ISO instants and French labels for buyers; none for an outsider', async () => {
		const r = await slots(tok.buyerRead);
		expect(r.status).toBe(200);
		expect(r.body.items.length).toBeGreaterThan(10);
		const s = r.body.items[0];
		expect(new Date(s.end).getTime() - new Date(s.start).getTime()).toBe(3600_000);
		expect(s.animatorId).toBe(anim.id);
		expect(s.label).toMatch(/^(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d/);
		const out = await slots(tok.outsider);
		expect(out.status).toBe(404);
		expect(out.body.items).toBeUndefined();
		const badRange = await call('GET', `/networks/${net.id}/guichet/slots?from=hier`, { token: tok.buyer });
		expect(badRange.status).toBe(400);
		expect(badRange.body.error.details.fields.from).toMatch(/ISO 8601/);
	});

	it('a buyer books through the API; the same slot a second time gets 409 with the next free slots', async () => {
		const free = (await slots(tok.buyer)).body.items;
		const start = free[0].start;
		const before = await countBookings();

		const readOnly = await call('POST', `/networks/${net.id}/guichet/bookings`, {
			token: tok.buyerRead,
			body: { ...BOOKING, start }
		});
		expect(readOnly.status).toBe(403);
		expect(readOnly.body.error.code).toBe('insufficient_scope');
		expect(await countBookings()).toBe(before);

		const missing = await call('POST', `/networks/${net.id}/guichet/bookings`, {
			token: tok.buyer,
			body: { ...BOOKING, start, question: ' ' }
		});
		expect(missing.status).toBe(400);
		expect(missing.body.error.details.fields.question).toBe('Indiquez votre question.');

		const r = await call('POST', `/networks/${net.id}/guichet/bookings`, {
			token: tok.buyer,
			body: { ...BOOKING, start }
		});
		expect(r.status).toBe(201);
		expect(r.headers.get('location')).toBe(`/api/v1/guichet/bookings/${r.body.id}`);
		expect(r.body).toMatchObject({
			animatorId: anim.id,
			bookerId: buyer.id,
			orgId: buyerOrg.id,
			start,
			status: 'confirmed',
			mySide: 'booker',
			modality: 'visio'
		});
		expect(r.body.location).toBe(PROFILE.visioUrl);
		expect(r.body.history.map((h: Body) => h.action)).toEqual(['created']);
		expect(await countBookings()).toBe(before + 1);
		expect((await outbox(db, buyer.email)).some((m) => /confirmé/.test(m.subject))).toBe(true);

		const taken = await call('POST', `/networks/${net.id}/guichet/bookings`, {
			token: tok.buyer2,
			body: { ...BOOKING, start, animatorId: anim.id }
		});
		expect(taken.status).toBe(409);
		expect(taken.body.error.code).toBe('slot_taken');
		expect(taken.body.error.message).toBe(SLOT_TAKEN_MESSAGE);
		const next = taken.body.error.details.nextSlots as Body[];
		expect(next).toHaveLength(3);
		for (const n of next) expect(new Date(n.start).getTime()).toBeGreaterThan(new Date(start).getTime());
		expect(typeof next[0].label).toBe('string');
		expect(await countBookings()).toBe(before + 1);

		// The slot is gone from the free slots.
		expect((await slots(tok.buyer2)).body.items.map((s: Body) => s.start)).not.toContain(start);

		// The outsider can neither book nor see the booking.
		const out = await call('POST', `/networks/${net.id}/guichet/bookings`, {
			token: tok.outsider,
			body: { ...BOOKING, start: next[0].start }
		});
		expect([403, 404]).toContain(out.status);
		expect((await call('GET', `/guichet/bookings/${r.body.id}`, { token: tok.outsider })).status).toBe(404);
		expect(await countBookings()).toBe(before + 1);
	});

	it('lists my bookings as booker or animator, then reschedules and cancels with a reason', async () => {
		const mine = await call('GET', `/networks/${net.id}/guichet/bookings`, { token: tok.buyerRead });
		expect(mine.status).toBe(200);
		expect(mine.body.items).toHaveLength(1);
		const id = mine.body.items[0].id;
		const asAnim = await call('GET', `/networks/${net.id}/guichet/bookings`, { token: tok.animRead });
		expect(asAnim.body.items.map((b: Body) => [b.id, b.mySide])).toEqual([[id, 'animator']]);
		expect((await call('GET', `/networks/${net.id}/guichet/bookings`, { token: tok.buyer2 })).body.items).toEqual([]);
		expect((await call('GET', `/networks/${net.id}/guichet/bookings`, { token: tok.outsider })).status).toBe(404);

		expect((await call('POST', `/guichet/bookings/${id}/confirm`, { token: tok.buyer })).status).toBe(403);
		const already = await call('POST', `/guichet/bookings/${id}/confirm`, { token: tok.anim });
		expect(already.status).toBe(409);

		const target = (await slots(tok.buyer)).body.items[1].start;
		const noReason = await call('POST', `/guichet/bookings/${id}/reschedule`, {
			token: tok.buyer,
			body: { start: target }
		});
		expect(noReason.status).toBe(400);
		expect(noReason.body.error.details.fields.reason).toBeTruthy();
		const moved = await call('POST', `/guichet/bookings/${id}/reschedule`, {
			token: tok.buyer,
			body: { start: target, reason: 'Réunion imprévue' }
		});
		expect(moved.status).toBe(200);
		expect(moved.body.start).toBe(target);
		expect(moved.body.history.map((h: Body) => h.action)).toEqual(['created', 'rescheduled']);

		const readOnly = await call('POST', `/guichet/bookings/${id}/cancel`, {
			token: tok.buyerRead,
			body: { reason: 'x' }
		});
		expect(readOnly.status).toBe(403);
		const cancelled = await call('POST', `/guichet/bookings/${id}/cancel`, {
			token: tok.anim,
			body: { reason: 'Animatrice malade' }
		});
		expect(cancelled.status).toBe(200);
		expect(cancelled.body.status).toBe('cancelled');
		expect(cancelled.body.history.at(-1)).toMatchObject({
			action: 'cancelled',
			reason: 'Animatrice malade',
			actorId: anim.id
		});
		const again = await call('POST', `/guichet/bookings/${id}/cancel`, {
			token: tok.buyer,
			body: { reason: 'Encore' }
		});
		expect(again.status).toBe(409);
	});

	it('questions minute: ask, read with messages, answer; outsiders see nothing', async () => {
		const readOnly = await call('POST', `/networks/${net.id}/guichet/questions`, {
			token: tok.buyerRead,
			body: { topic: 'Labels', stage: 'definition_besoin', question: 'Lesquels ?' }
		});
		expect(readOnly.status).toBe(403);
		const badStage = await call('POST', `/networks/${net.id}/guichet/questions`, {
			token: tok.buyer,
			body: { topic: 'Labels', stage: 'plus_tard', question: 'Lesquels ?' }
		});
		expect(badStage.status).toBe(400);
		expect(badStage.body.error.details.fields.stage).toMatch(/Étape inconnue/);

		const q = await call('POST', `/networks/${net.id}/guichet/questions`, {
			token: tok.buyer,
			body: {
				topic: 'Labels textiles',
				stage: 'definition_besoin',
				question: 'Quels labels exiger pour des vêtements de travail ?'
			}
		});
		expect(q.status).toBe(201);
		expect(q.body).toMatchObject({
			kind: 'question',
			status: 'open',
			orgId: buyerOrg.id,
			requesterId: buyer.id,
			stageLabel: 'Définition du besoin',
			messages: []
		});
		expect((await outbox(db, anim.email)).some((m) => m.subject.includes('Labels textiles'))).toBe(true);

		const outQ = await call('POST', `/networks/${net.id}/guichet/questions`, {
			token: tok.outsider,
			body: { topic: 'Labels', stage: 'definition_besoin', question: 'Lesquels ?' }
		});
		expect([403, 404]).toContain(outQ.status);
		expect((await call('GET', `/guichet/requests/${q.body.id}`, { token: tok.outsider })).status).toBe(404);
		expect(
			(
				await call('POST', `/guichet/requests/${q.body.id}/messages`, {
					token: tok.outsider,
					body: { body: 'Bonjour' }
				})
			).status
		).toBe(404);

		const answer = await call('POST', `/guichet/requests/${q.body.id}/messages`, {
			token: tok.anim,
			body: { body: 'Écolabel européen ou équivalent.' }
		});
		expect(answer.status).toBe(201);
		expect(answer.body.status).toBe('answered');
		expect(answer.body.messages).toEqual([
			expect.objectContaining({ authorId: anim.id, body: 'Écolabel européen ou équivalent.' })
		]);

		const read = await call('GET', `/guichet/requests/${q.body.id}`, { token: tok.buyerRead });
		expect(read.status).toBe(200);
		expect(read.body.messages).toHaveLength(1);
		const empty = await call('POST', `/guichet/requests/${q.body.id}/messages`, {
			token: tok.buyer,
			body: { body: '   ' }
		});
		expect(empty.status).toBe(400);
		expect((await call('GET', `/guichet/requests/${q.body.id}`, { token: tok.buyer })).body.messages).toHaveLength(1);
	});

	it('lists a request’s attachments and serves each file only to those who see the request', async () => {
		// A PNG header with its size (1 × 1): images whose header is unreadable are refused (issue 14).
		const png = Uint8Array.from([
			0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0
		]);
		const id = await askQuestion(db, buyer, {
			networkId: net.id,
			topic: 'Capture du tableau de suivi',
			stage: 'execution',
			question: 'Le tableau joint est-il suffisant ?',
			attachments: [{ name: 'suivi é.png', bytes: png }]
		});
		const r = await call('GET', `/guichet/requests/${id}`, { token: tok.animRead });
		expect(r.status).toBe(200);
		expect(r.body.attachments).toEqual([
			expect.objectContaining({
				messageId: null,
				filename: 'suivi é.png',
				mediaType: 'image/png',
				size: png.length,
				url: expect.stringMatching(/^\/api\/v1\/guichet\/requests\/.+\/attachments\//)
			})
		]);
		const url = r.body.attachments[0].url.replace('/api/v1', '');
		const fetchFile = async (t: string) => {
			const request = new Request(`http://localhost/api/v1${url}`, { headers: { authorization: `Bearer ${t}` } });
			return dispatchApi(request, { db, auth: await authenticateRequest(db, request), strictResponses: true });
		};
		const ok = await fetchFile(tok.animRead);
		expect(ok.status).toBe(200);
		expect(ok.headers.get('content-type')).toBe('image/png');
		expect(ok.headers.get('content-disposition')).toContain(`filename*=UTF-8''suivi%20%C3%A9.png`);
		expect(new Uint8Array(await ok.arrayBuffer())).toEqual(png);
		// Another collectivité of the network, and a collectivité outside it: not found.
		for (const t of [tok.buyer2, tok.outsider]) {
			const denied = await fetchFile(t);
			expect(denied.status).toBe(404);
			expect(apiErrorSchema.safeParse(await denied.json()).success).toBe(true);
		}
		const doc = getOpenApiDocument() as Body;
		expect(Object.keys(doc.paths['/guichet/requests/{id}/attachments/{fileId}'].get.responses['200'].content)).toEqual([
			'application/octet-stream'
		]);
	});
});
