import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { answerSurvey, writeReport } from '../../src/lib/server/guichet/follow-up';
import { askQuestion, closeQuestion, getRequest, redirectRequest, reply } from '../../src/lib/server/guichet/requests';
import {
	bookSession,
	cancelBooking,
	confirmBooking,
	getBooking,
	rescheduleBooking
} from '../../src/lib/server/guichet/bookings';
import { calendarFeed, createFeedToken, revokeFeedToken } from '../../src/lib/server/guichet/feed';
import {
	listFreeSlots,
	saveProfile,
	setWeeklyHours,
	addException,
	type ProfileInput
} from '../../src/lib/server/guichet/availability';
import { networkDashboard } from '../../src/lib/server/guichet/dashboard';
import { SLOT_TAKEN_MESSAGE } from '../../src/lib/server/guichet/booking-record';
import { listMyOrganisations } from '../../src/lib/server/organisations/service';
import { engines, openTestDb } from '../helpers/engines';
import {
	addAnimatorDirect,
	addMember,
	createNetwork,
	createOrg,
	createUser,
	outbox,
	type TestUser
} from '../helpers/factories';

// A fixed "now" (a Monday morning) and slots later that week, all in Europe/Paris winter time (UTC+1).
const NOW = new Date('2030-01-07T08:00:00Z');
const at = (iso: string) => new Date(iso);
const WED_10 = at('2030-01-09T09:00:00Z'); // Wednesday 10:00 in Paris
const WEEKDAYS = [1, 2, 3, 4, 5] as const;

const PROFILE: ProfileInput = {
	sessionMinutes: 60,
	bufferBeforeMinutes: 0,
	bufferAfterMinutes: 15,
	minNoticeMinutes: 120,
	horizonDays: 60,
	maxPerDay: null,
	slotStepMinutes: 60,
	modalities: ['visio', 'telephone'],
	visioUrl: 'https://visio.example.test/guichet',
	phone: '01 23 45 67 89',
	topics: ['Clauses environnementales'],
	confirmationMode: 'auto',
	active: true
};

async function approve(db: Database, networkId: string, orgId: string, by: string) {
	await asService(db, 'test: approved membership', (tx) =>
		tx.query(
			`insert into public.network_memberships (network_id, org_id, status, requested_by, decided_by, decided_at) values ($1, $2, 'approved', $3, $3, now())`,
			[networkId, orgId, by]
		)
	);
}

async function expectAppError(p: Promise<unknown>, code: string, status?: number): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect((e as AppError).code).toBe(code);
		if (status) expect((e as AppError).status).toBe(status);
		return e as AppError;
	}
	throw new Error(`expected AppError ${code}`);
}

const booking = (
	networkId: string,
	animatorId: string,
	start: Date,
	extra: Partial<Parameters<typeof bookSession>[2]> = {}
) => ({
	networkId,
	animatorId,
	start,
	topic: 'Clause environnementale pour un marché de nettoyage',
	segment: 'Nettoyage des locaux',
	stage: 'redaction_dce',
	question: 'Quels critères environnementaux retenir ?',
	modality: 'visio' as const,
	now: NOW,
	...extra
});

describe.each(engines)('guichet vert on %s', (engine) => {
	let db: Database;
	let admin: TestUser;
	let anim: TestUser; // auto confirmation
	let animManual: TestUser; // manual confirmation
	let otherAnim: TestUser; // animator of another network
	let outsider: TestUser; // member of a collectivité outside the network
	let net: { id: string };
	let otherNet: { id: string };
	const buyers: TestUser[] = [];
	const orgs: { id: string; name: string }[] = [];
	let idleOrg: { id: string; name: string };

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db, { platformAdmin: true });
		net = await createNetwork(db, admin, 'Réseau du guichet');
		otherNet = await createNetwork(db, admin, 'Autre réseau');
		anim = await createUser(db, { displayName: 'Alice Animatrice' });
		animManual = await createUser(db, { displayName: 'Bruno Animateur' });
		otherAnim = await createUser(db);
		await addAnimatorDirect(db, net.id, anim);
		await addAnimatorDirect(db, net.id, animManual);
		await addAnimatorDirect(db, otherNet.id, otherAnim);
		for (const [user, mode] of [
			[anim, 'auto'],
			[animManual, 'manual']
		] as const) {
			const profileId = await saveProfile(db, user, net.id, { ...PROFILE, confirmationMode: mode });
			await setWeeklyHours(
				db,
				user,
				profileId,
				WEEKDAYS.map((weekday) => ({ weekday, start: '09:00', end: '17:00' }))
			);
		}
		// Five collectivités of the network with ten buyers each.
		for (let k = 0; k < 5; k++) {
			const head = await createUser(db);
			const org = await createOrg(db, head, `Commune ${k + 1} du guichet`);
			orgs.push({ id: org.id, name: org.name });
			await approve(db, net.id, org.id, head.id);
			buyers.push(head);
			for (let j = 1; j < 10; j++) {
				const b = await createUser(db);
				await addMember(db, org.id, b, 'editor');
				buyers.push(b);
			}
		}
		const idleHead = await createUser(db);
		const idle = await createOrg(db, idleHead, 'Commune sans demande');
		idleOrg = { id: idle.id, name: idle.name };
		await approve(db, net.id, idle.id, idleHead.id);
		outsider = await createUser(db);
		const outOrg = await createOrg(db, outsider, 'Commune hors réseau');
		await approve(db, otherNet.id, outOrg.id, outsider.id);
	}, 120_000);
	afterAll(async () => db?.close());

	it('50 concurrent attempts on one slot: exactly one booking, 49 clear refusals with the next free slots', async () => {
		const results = await Promise.allSettled(buyers.map((b) => bookSession(db, b, booking(net.id, anim.id, WED_10))));
		const won = results.filter((r) => r.status === 'fulfilled');
		const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		expect(won).toHaveLength(1);
		expect(lost).toHaveLength(49);
		for (const r of lost) {
			const e = r.reason as AppError;
			expect(e).toBeInstanceOf(AppError);
			expect(e.code).toBe('slot_taken');
			expect(e.status).toBe(409);
			expect(e.message).toBe(SLOT_TAKEN_MESSAGE);
			const next = e.details!.nextSlots as { start: Date; animatorId: string; label: string }[];
			expect(next).toHaveLength(3);
			expect(next[0].start.getTime()).toBeGreaterThan(WED_10.getTime());
			expect(next[0].label).toMatch(/mercredi/);
		}
		const [live] = await asService(db, 'test', (tx) =>
			tx.query<{ n: number }>(
				`select count(*)::int as n from public.guichet_bookings where animator_id = $1 and status in ('pending','confirmed')`,
				[anim.id]
			)
		);
		expect(live.n).toBe(1);
		// The slot no longer appears among the free slots.
		const slots = await listFreeSlots(db, buyers[0], net.id, {
			animatorId: anim.id,
			from: at('2030-01-09T00:00:00Z'),
			to: at('2030-01-10T00:00:00Z'),
			now: NOW
		});
		expect(slots.map((s) => s.start.getTime())).not.toContain(WED_10.getTime());
		expect(slots.length).toBeGreaterThan(0);
	});

	it('refuses a booker’s own overlapping sessions, even with another animator', async () => {
		const buyer = buyers[7];
		const start = at('2030-01-10T13:00:00Z');
		await bookSession(db, buyer, booking(net.id, anim.id, start));
		const e = await expectAppError(
			bookSession(db, buyer, booking(net.id, animManual.id, start)),
			'booker_overlap',
			409
		);
		expect(e.message).toMatch(/déjà un rendez-vous/);
	});

	it('"any animator" goes to the animator with the fewest sessions this month', async () => {
		const start = at('2030-01-14T09:00:00Z');
		const r = await bookSession(db, buyers[11], booking(net.id, 'any', start));
		// anim already has two sessions in January, animManual none.
		expect(r.animatorId).toBe(animManual.id);
		expect(r.status).toBe('pending');
		const any = await listFreeSlots(db, buyers[11], net.id, {
			animatorId: 'any',
			from: at('2030-01-14T00:00:00Z'),
			to: at('2030-01-15T00:00:00Z'),
			now: NOW
		});
		expect(any.find((s) => s.start.getTime() === start.getTime())?.animatorId).toBe(anim.id);
	});

	it('cancel and reschedule by either side keep a history and raise the ICS SEQUENCE', async () => {
		const buyer = buyers[20];
		const { id } = await bookSession(db, buyer, booking(net.id, anim.id, at('2030-01-15T10:00:00Z')));
		await rescheduleBooking(db, buyer, id, {
			start: at('2030-01-16T13:00:00Z'),
			reason: 'Réunion de service imprévue',
			now: NOW
		});
		// The animator's mail carries the updated event.
		const toAnim = (await outbox(db, anim.email)).at(-1)!;
		expect(toAnim.subject).toMatch(/déplacé/);
		// Rescheduling onto a taken slot: refused with next slots.
		const e = await expectAppError(
			rescheduleBooking(db, buyer, id, { start: WED_10, reason: 'Autre essai', now: NOW }),
			'slot_taken',
			409
		);
		expect(e.details!.nextSlots).toHaveLength(3);
		// The buyer cannot cancel with less notice than the network allows.
		await expectAppError(
			cancelBooking(db, buyer, id, 'Trop tard', { now: at('2030-01-16T10:00:00Z') }),
			'too_late',
			409
		);
		await cancelBooking(db, anim, id, 'Animatrice malade', { now: NOW });
		const b = await getBooking(db, buyer, id);
		expect(b.status).toBe('cancelled');
		expect(b.sequence).toBe(2);
		expect(b.history.map((h) => h.action)).toEqual(['created', 'rescheduled', 'cancelled']);
		expect(b.history[1].reason).toBe('Réunion de service imprévue');
		expect(b.history[1].old_during).toContain('2030-01-15');
		expect(b.history[1].new_during).toContain('2030-01-16');
		const mail = (await outbox(db, buyer.email)).at(-1)!;
		expect(mail.subject).toMatch(/annulé/);
		const [att] = await asService(db, 'test', (tx) =>
			tx.query<{ attachments: { content: string; filename: string }[] }>(
				`select attachments from public.email_outbox where id = $1`,
				[mail.id]
			)
		);
		const cal = new ICAL.Component(ICAL.parse(att.attachments[0].content));
		expect(cal.getFirstPropertyValue('method')).toBe('CANCEL');
		const ev = cal.getFirstSubcomponent('vevent')!;
		expect(ev.getFirstPropertyValue('uid')).toBe(b.ical_uid);
		expect(Number(ev.getFirstPropertyValue('sequence'))).toBe(2);
		// A cancelled booking frees the slot: someone else may take it.
		await bookSession(db, buyers[21], booking(net.id, anim.id, at('2030-01-16T13:00:00Z')));
		// Further changes are refused.
		await expectAppError(cancelBooking(db, buyer, id, 'Encore', { now: NOW }), 'transition_not_allowed', 409);
	});

	it('checks the right to book for the collectivité before the agenda: 403 whether or not slots exist', async () => {
		// A buyer of the network booking in another member collectivité's name: 403, on a free slot as on a taken one.
		await expectAppError(
			bookSession(db, buyers[0], booking(net.id, anim.id, at('2030-01-22T09:00:00Z'), { orgId: orgs[1].id })),
			'forbidden',
			403
		);
		// On a network whose guichet has no animator profile yet: 403 too in another's name; 404 in one's own (no
		// guichet yet) and for people outside that network.
		await expectAppError(
			bookSession(db, outsider, booking(otherNet.id, 'any', at('2030-01-22T09:00:00Z'), { orgId: orgs[0].id })),
			'forbidden',
			403
		);
		const outOrgId = (await listMyOrganisations(db, outsider))[0].id;
		await expectAppError(
			bookSession(db, buyers[0], booking(otherNet.id, 'any', at('2030-01-22T09:00:00Z'), { orgId: outOrgId })),
			'not_found',
			404
		);
		await expectAppError(
			bookSession(db, outsider, booking(otherNet.id, 'any', at('2030-01-22T09:00:00Z'), { orgId: outOrgId })),
			'not_found',
			404
		);
	});

	it('shows nothing to a collectivité outside the network nor to an animator of another network', async () => {
		const [some] = await asService(db, 'test', (tx) =>
			tx.query<{ id: string; request_id: string }>(`select id, request_id from public.guichet_bookings limit 1`)
		);
		await expectAppError(
			listFreeSlots(db, outsider, net.id, { animatorId: 'any', from: NOW, to: at('2030-02-01T00:00:00Z'), now: NOW }),
			'not_found',
			404
		);
		await expectAppError(
			bookSession(db, outsider, booking(net.id, anim.id, at('2030-01-21T09:00:00Z'))),
			'not_found',
			404
		);
		await expectAppError(
			askQuestion(db, outsider, { networkId: net.id, topic: 'x', stage: 'execution', question: 'y' }),
			'forbidden',
			403
		);
		for (const who of [outsider, otherAnim]) {
			await expectAppError(getBooking(db, who, some.id), 'not_found', 404);
			await expectAppError(getRequest(db, who, some.request_id), 'not_found', 404);
			const counts = await withUser(db, who, (tx) =>
				tx.query<{ n: number }>(
					`select (select count(*) from public.guichet_bookings) + (select count(*) from public.guichet_requests)
					      + (select count(*) from public.guichet_profiles) + (select count(*) from public.guichet_hours)
					      + (select count(*) from public.guichet_booking_events) + (select count(*) from app.guichet_busy($1::uuid[], '2029-01-01', '2031-01-01')) as n`,
					[[anim.id, animManual.id]]
				)
			);
			expect(Number(counts[0].n)).toBe(0);
		}
		await expectAppError(networkDashboard(db, otherAnim, net.id, { year: new Date().getFullYear() }), 'forbidden', 403);
		await expectAppError(networkDashboard(db, buyers[0], net.id, { year: new Date().getFullYear() }), 'forbidden', 403);
	});

	it('question minute: open → answered → follow-up → answered → closed, every message kept', async () => {
		const buyer = buyers[30];
		const id = await askQuestion(db, buyer, {
			networkId: net.id,
			topic: 'Label pour le papier',
			segment: 'Fournitures',
			stage: 'definition_besoin',
			question: 'Quel label exiger pour le papier ?'
		});
		expect((await outbox(db, anim.email)).at(-1)!.subject).toMatch(/nouvelle question/);
		expect((await getRequest(db, buyer, id)).status).toBe('open');
		await reply(db, anim, id, 'L’Écolabel européen est un bon choix.');
		expect((await getRequest(db, buyer, id)).status).toBe('answered');
		expect((await outbox(db, buyer.email)).at(-1)!.subject).toMatch(/réponse/);
		await reply(db, buyer, id, 'Et pour les enveloppes ?');
		expect((await getRequest(db, anim, id)).status).toBe('open');
		await reply(db, anim, id, 'Le même label existe pour les enveloppes.');
		await closeQuestion(db, buyer, id);
		const r = await getRequest(db, buyers[31], id); // a colleague of the same collectivité reads it too
		expect(r.status).toBe('closed');
		expect(r.messages.map((m) => m.body)).toHaveLength(3);
		await expectAppError(reply(db, buyer, id, 'Encore une chose'), 'closed', 409);
		await expectAppError(closeQuestion(db, otherAnim, id), 'not_found', 404);
		// Nobody deletes an exchange.
		await expect(withUser(db, buyer, (tx) => tx.query('delete from public.guichet_messages'))).rejects.toThrow(
			/permission denied/
		);
		// Redirect a question to another animator.
		const q2 = await askQuestion(db, buyer, {
			networkId: net.id,
			topic: 'Clause sociale',
			stage: 'execution',
			question: 'Comment suivre les heures ?'
		});
		await redirectRequest(db, anim, q2, animManual.id, 'Spécialiste des clauses sociales');
		const r2 = await getRequest(db, buyer, q2);
		expect(r2.assigned_animator_id).toBe(animManual.id);
		expect(r2.redirected_from).toBe(anim.id);
	});

	it('confirmation, compte-rendu, survey once, and the dashboard counts it', async () => {
		const buyer = buyers[40];
		const { id, status } = await bookSession(
			db,
			buyer,
			booking(net.id, animManual.id, at('2030-01-17T14:00:00Z'), {
				topic: 'Analyse du cycle de vie',
				stage: 'analyse_offres'
			})
		);
		expect(status).toBe('pending');
		await expectAppError(confirmBooking(db, buyer, id), 'forbidden', 403);
		await confirmBooking(db, animManual, id);
		await expectAppError(answerSurvey(db, buyer, id, { rating: 5 }), 'transition_not_allowed', 409);
		await expectAppError(writeReport(db, buyer, id, { advice: 'x', outcome: 'done' }), 'forbidden', 403);
		// Issue 14: no compte-rendu, « Séance tenue » nor survey before the session has started.
		const mails = (await outbox(db, buyer.email)).length;
		await expectAppError(
			writeReport(db, animManual, id, { advice: 'Avant la séance.', outcome: 'done' }),
			'session_not_started',
			409
		);
		await expectAppError(
			writeReport(db, animManual, id, { advice: '', outcome: 'no_show' }),
			'session_not_started',
			409
		);
		expect((await getBooking(db, buyer, id)).status).toBe('confirmed');
		expect((await outbox(db, buyer.email)).length).toBe(mails);
		expect((await networkDashboard(db, anim, net.id, { year: new Date().getFullYear() })).sessionsDone).toBe(0);
		// The session takes place (the database clock decides: it is moved to the past).
		await asService(db, 'test: the session took place', (tx) =>
			tx.query(
				`update public.guichet_bookings set during = tstzrange(now() - interval '2 hours', now() - interval '1 hour'),
			            blocked = tstzrange(now() - interval '2 hours', now() - interval '1 hour') where id = $1`,
				[id]
			)
		);
		await writeReport(db, animManual, id, {
			advice: 'Utiliser le coût global.',
			resourceIds: ['clause-42'],
			nextSteps: 'Relire le RC.',
			outcome: 'done'
		});
		expect((await outbox(db, buyer.email)).at(-1)!.subject).toMatch(/compte-rendu/);
		await expectAppError(answerSurvey(db, buyer, id, { rating: 6 }), 'invalid', 400);
		await expectAppError(answerSurvey(db, anim, id, { rating: 3 }), 'forbidden', 403);
		await answerSurvey(db, buyer, id, { rating: 4, comment: 'Très utile' });
		await expectAppError(answerSurvey(db, buyer, id, { rating: 5 }), 'already_answered', 409);
		const b = await getBooking(db, buyer, id);
		expect(b.status).toBe('done');
		expect(b.report).toMatchObject({ advice: 'Utiliser le coût global.', resource_ids: ['clause-42'] });
		expect(b.history.map((h) => h.action)).toEqual(['created', 'confirmed', 'done']);

		const year = new Date().getFullYear();
		const d = await networkDashboard(db, anim, net.id, { year });
		const [totals] = await asService(db, 'test', (tx) =>
			tx.query<{ q: number; s: number }>(
				`select count(*) filter (where kind = 'question')::int as q, count(*) filter (where kind = 'session')::int as s from public.guichet_requests where network_id = $1`,
				[net.id]
			)
		);
		expect(d.months.reduce((n, m) => n + m.sessions, 0)).toBe(totals.s);
		expect(d.months.reduce((n, m) => n + m.questions, 0)).toBe(totals.q);
		expect(totals.s).toBe(6); // 1 won + overlap test + any + rescheduled + re-taken + this one
		expect(totals.q).toBe(2);
		expect(d.sessionsDone).toBe(1);
		expect(d.satisfaction).toEqual({ mean: 4, answers: 1 });
		expect(d.stages.find((s) => s.stage === 'analyse_offres')!.count).toBe(1);
		expect(d.topics.find((t) => t.topic === 'Analyse du cycle de vie')!.count).toBe(1);
		expect(d.neverServed.map((o) => o.name)).toContain(idleOrg.name);
		expect(d.served.map((o) => o.orgId)).not.toContain(idleOrg.id);
		expect(d.medianHoursToAnswer).not.toBeNull();
		expect(d.medianHoursToSession).toBeGreaterThan(0);
	});

	it('absences remove slots; a private calendar feed lists the user’s sessions until revoked', async () => {
		const [profile] = await asService(db, 'test', (tx) =>
			tx.query<{ id: string }>(`select id from public.guichet_profiles where animator_id = $1`, [anim.id])
		);
		await addException(db, anim, profile.id, {
			start: '2030-01-22T00:00:00Z',
			end: '2030-01-23T00:00:00Z',
			reason: 'Formation'
		});
		const slots = await listFreeSlots(db, buyers[0], net.id, {
			animatorId: anim.id,
			from: at('2030-01-22T00:00:00Z'),
			to: at('2030-01-23T00:00:00Z'),
			now: NOW
		});
		expect(slots).toEqual([]);
		await expectAppError(
			addException(db, animManual, profile.id, { start: '2030-01-24T00:00:00Z', end: '2030-01-25T00:00:00Z' }),
			'forbidden',
			403
		);

		const feed = await createFeedToken(db, anim);
		const ics = await calendarFeed(db, feed.token);
		expect(ics).not.toBeNull();
		const cal = new ICAL.Component(ICAL.parse(ics!));
		expect(cal.getAllSubcomponents('vevent').length).toBeGreaterThanOrEqual(3);
		await revokeFeedToken(db, anim, feed.id);
		expect(await calendarFeed(db, feed.token)).toBeNull();
		expect(await calendarFeed(db, 'inconnu')).toBeNull();
	});
});
