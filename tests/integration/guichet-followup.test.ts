/**
 * Guichet vert follow-up, on both engines: reminders the day before (queued exactly once even with concurrent
 * job runs, again after a reschedule), the animator's daily maximum enforced by the database under concurrency,
 * attachments visible only to those who see the request, redirect to a social-clause facilitator.
 */
import ICAL from 'ical.js';
import { PDFDocument } from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { getAttachment } from '../../src/lib/server/guichet/attachments';
import { sendDueReminders, startGuichetReminders } from '../../src/lib/server/guichet/jobs';
import {
	askQuestion,
	listRedirectTargets,
	getRequest,
	redirectRequest,
	reply
} from '../../src/lib/server/guichet/requests';
import { bookSession, cancelBooking, getBooking, rescheduleBooking } from '../../src/lib/server/guichet/bookings';
import { calendarFeed, createFeedToken, listFeedTokens, revokeFeedToken } from '../../src/lib/server/guichet/feed';
import { getSettings, updateSettings } from '../../src/lib/server/guichet/settings';
import { myProfile, saveProfile, setWeeklyHours, type ProfileInput } from '../../src/lib/server/guichet/availability';
import { myRequests, networkRequests } from '../../src/lib/server/guichet/lists';
import { DAY_FULL_MESSAGE } from '../../src/lib/server/guichet/booking-record';
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

const NOW = new Date('2030-01-07T08:00:00Z'); // Monday 9:00 in Paris
const at = (iso: string) => new Date(iso);

const PROFILE: ProfileInput = {
	sessionMinutes: 60,
	bufferBeforeMinutes: 0,
	bufferAfterMinutes: 0,
	minNoticeMinutes: 120,
	horizonDays: 60,
	maxPerDay: null,
	slotStepMinutes: 60,
	modalities: ['visio'],
	visioUrl: 'https://visio.example.test/guichet',
	topics: [],
	confirmationMode: 'auto',
	active: true
};

const request = (networkId: string, animatorId: string, start: Date, extra: Record<string, unknown> = {}) => ({
	networkId,
	animatorId,
	start,
	topic: 'Critères sociaux',
	stage: 'redaction_dce',
	question: 'Comment rédiger la clause ?',
	modality: 'visio' as const,
	now: NOW,
	...extra
});

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
	try {
		await p;
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect((e as AppError).code).toBe(code);
		return e as AppError;
	}
	throw new Error(`expected AppError ${code}`);
}

async function pdfBytes(): Promise<Uint8Array> {
	const doc = await PDFDocument.create();
	doc.addPage().drawText('Cahier des charges');
	return doc.save();
}
const PNG = Uint8Array.from([
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0
]);

describe.each(engines)('guichet vert follow-up on %s', (engine) => {
	let db: Database;
	let admin: TestUser, anim: TestUser, animMax: TestUser, facilitator: TestUser, otherAnim: TestUser;
	let colleague: TestUser, neighbour: TestUser;
	let net: { id: string };
	const buyers: TestUser[] = [];

	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db, { platformAdmin: true });
		net = await createNetwork(db, admin, 'Réseau des rappels');
		const otherNet = await createNetwork(db, admin, 'Réseau voisin');
		anim = await createUser(db, { displayName: 'Alice Animatrice' });
		animMax = await createUser(db, { displayName: 'Max Animateur' });
		facilitator = await createUser(db, { displayName: 'Fanny Facilitatrice' });
		otherAnim = await createUser(db);
		for (const u of [anim, animMax, facilitator]) await addAnimatorDirect(db, net.id, u);
		await addAnimatorDirect(db, otherNet.id, otherAnim);
		for (const [u, extra] of [
			[anim, {}],
			[animMax, { maxPerDay: 2 }],
			[facilitator, { socialClauseFacilitator: true }]
		] as const) {
			const id = await saveProfile(db, u, net.id, { ...PROFILE, ...extra });
			await setWeeklyHours(
				db,
				u,
				id,
				([1, 2, 3, 4, 5] as const).map((weekday) => ({ weekday, start: '09:00', end: '17:00' }))
			);
		}
		const head = await createUser(db);
		const org = await createOrg(db, head, 'Commune des rappels');
		const neighbourOrg = await createOrg(db, (neighbour = await createUser(db)), 'Commune voisine');
		for (const o of [org, neighbourOrg])
			await asService(db, 'test: approved membership', (tx) =>
				tx.query(
					`insert into public.network_memberships (network_id, org_id, status, requested_by, decided_by, decided_at) values ($1, $2, 'approved', $3, $3, now())`,
					[net.id, o.id, head.id]
				)
			);
		buyers.push(head);
		for (let i = 0; i < 8; i++) {
			const b = await createUser(db);
			await addMember(db, org.id, b, 'editor');
			buyers.push(b);
		}
		colleague = buyers[8];
	}, 120_000);
	afterAll(async () => db?.close());

	it('reminds each confirmed session once, even with concurrent job runs, and again after a reschedule', async () => {
		// Tuesday 8 January 2030 at 10:00, 11:00, 12:00, 13:00 (Paris); one on Thursday (not due yet).
		const ids: string[] = [];
		for (let i = 0; i < 4; i++)
			ids.push(
				(
					await bookSession(
						db,
						buyers[i],
						request(net.id, anim.id, at(`2030-01-08T${String(9 + i).padStart(2, '0')}:00:00Z`))
					)
				).id
			);
		const later = (await bookSession(db, buyers[4], request(net.id, anim.id, at('2030-01-10T09:00:00Z')))).id;
		const mails = async () => (await outbox(db)).filter((m) => m.kind === 'guichet_reminder');

		// Monday 14:00 Paris: the four Tuesday sessions are due (within 24 h).
		const jobNow = at('2030-01-07T13:00:00Z');
		const runs = await Promise.all([1, 2, 3, 4].map(() => sendDueReminders(db, { now: jobNow })));
		expect(runs.reduce((a, b) => a + b, 0)).toBe(4);
		const sent = await mails();
		expect(sent).toHaveLength(8);
		for (let i = 0; i < 4; i++) expect(sent.filter((m) => m.to_address === buyers[i].email)).toHaveLength(1);
		expect(sent.filter((m) => m.to_address === anim.email)).toHaveLength(4);
		expect(sent[0].subject).toMatch(/rappel/);
		expect(sent[0].text_body).toContain(`/guichet/seance/`);
		// The mail carries the event, which parses and keeps the booking's UID.
		const [row] = await asService(db, 'test', (tx) =>
			tx.query<{ attachments: { content: string }[] }>(`select attachments from public.email_outbox where id = $1`, [
				sent[0].id
			])
		);
		const ev = new ICAL.Component(ICAL.parse(row.attachments[0].content)).getFirstSubcomponent('vevent')!;
		const uids = await Promise.all(ids.map(async (id) => (await getBooking(db, anim, id)).ical_uid));
		expect(uids).toContain(ev.getFirstPropertyValue('uid'));

		// Nothing more to send: neither now nor a little later.
		expect(await sendDueReminders(db, { now: jobNow })).toBe(0);
		expect(await sendDueReminders(db, { now: at('2030-01-07T20:00:00Z') })).toBe(0);
		expect(await mails()).toHaveLength(8);

		// The Thursday session moves to Wednesday 15:00: due on Tuesday afternoon, reminded once.
		await rescheduleBooking(db, buyers[4], later, {
			start: at('2030-01-09T14:00:00Z'),
			reason: 'Conflit de réunion',
			now: NOW
		});
		// A session already reminded and moved gets a fresh reminder too.
		await rescheduleBooking(db, buyers[0], ids[0], {
			start: at('2030-01-09T15:00:00Z'),
			reason: 'Élu indisponible',
			now: NOW
		});
		const second = await Promise.all([1, 2].map(() => sendDueReminders(db, { now: at('2030-01-08T16:00:00Z') })));
		expect(second.reduce((a, b) => a + b, 0)).toBe(2);
		const after = await mails();
		expect(after).toHaveLength(12);
		expect(after.filter((m) => m.to_address === buyers[4].email)).toHaveLength(1);
		expect(after.filter((m) => m.to_address === buyers[0].email)).toHaveLength(2);
	});

	it('does not remind sessions still to confirm, cancelled or past', async () => {
		const manual = await createUser(db);
		await addAnimatorDirect(db, net.id, manual);
		const pid = await saveProfile(db, manual, net.id, { ...PROFILE, confirmationMode: 'manual' });
		await setWeeklyHours(db, manual, pid, [{ weekday: 5, start: '09:00', end: '17:00' }]);
		const { status } = await bookSession(db, buyers[5], request(net.id, manual.id, at('2030-01-11T09:00:00Z')));
		expect(status).toBe('pending');
		expect(await sendDueReminders(db, { now: at('2030-01-10T12:00:00Z') })).toBe(0);
		expect((await outbox(db, manual.email)).filter((m) => m.kind === 'guichet_reminder')).toHaveLength(0);
		// Confirmed less than a day before: the confirmation (with the event) has just been sent; no reminder.
		const late = await bookSession(db, buyers[6], request(net.id, anim.id, at('2030-01-11T13:00:00Z')));
		await asService(db, 'test: confirmed the evening before', (tx) =>
			tx.query(`update public.guichet_bookings set updated_at = '2030-01-10T18:00:00Z' where id = $1`, [late.id])
		);
		expect(await sendDueReminders(db, { now: at('2030-01-10T19:00:00Z') })).toBe(0);
		expect((await getBooking(db, anim, late.id)).status).toBe('confirmed');
	});

	it('the background job (as started next to the outbox worker) sends the reminders of real sessions', async () => {
		const night = await createUser(db);
		await addAnimatorDirect(db, net.id, night);
		const pid = await saveProfile(db, night, net.id, {
			...PROFILE,
			minNoticeMinutes: 0,
			slotStepMinutes: 10,
			sessionMinutes: 10
		});
		await setWeeklyHours(
			db,
			night,
			pid,
			([1, 2, 3, 4, 5, 6, 7] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' }))
		);
		const start = new Date(Math.ceil((Date.now() + 6 * 3600_000) / 600_000) * 600_000); // in about six hours, on the 10-minute grid
		const { id } = await bookSession(db, buyers[7], { ...request(net.id, night.id, start), now: new Date() });
		await asService(db, 'test: booked last week', (tx) =>
			tx.query(`update public.guichet_bookings set updated_at = now() - interval '7 days' where id = $1`, [id])
		);
		const stop = startGuichetReminders(db, 50);
		try {
			for (let i = 0; i < 100 && !(await outbox(db, night.email)).some((m) => m.kind === 'guichet_reminder'); i++)
				await new Promise((r) => setTimeout(r, 50));
		} finally {
			stop();
		}
		expect((await outbox(db, night.email)).filter((m) => m.kind === 'guichet_reminder')).toHaveLength(1);
		expect((await outbox(db, buyers[7].email)).filter((m) => m.kind === 'guichet_reminder')).toHaveLength(1);
	});

	it('enforces the maximum sessions per day in the database under concurrency', async () => {
		// Six buyers book six different free slots of the same Friday of an animator allowing two a day.
		const starts = [8, 9, 10, 11, 12, 13].map((h) => at(`2030-01-18T${String(h).padStart(2, '0')}:00:00Z`));
		const results = await Promise.allSettled(
			starts.map((s, i) => bookSession(db, buyers[i + 1], request(net.id, animMax.id, s)))
		);
		const won = results.filter((r) => r.status === 'fulfilled');
		const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
		expect(won).toHaveLength(2);
		expect(lost).toHaveLength(4);
		for (const r of lost) {
			expect(r.reason).toBeInstanceOf(AppError);
			expect((r.reason as AppError).code).toBe('day_full');
			expect((r.reason as AppError).message).toBe(DAY_FULL_MESSAGE);
			const next = (r.reason as AppError).details!.nextSlots as { start: Date }[];
			expect(next.length).toBeGreaterThan(0);
			expect(next[0].start.getTime()).toBeGreaterThanOrEqual(at('2030-01-21T00:00:00Z').getTime());
		}
		const [n] = await asService(db, 'test', (tx) =>
			tx.query<{ n: number }>(
				`select count(*)::int as n from public.guichet_bookings where animator_id = $1 and status in ('pending','confirmed')
				    and (lower(during) at time zone 'Europe/Paris')::date = '2030-01-18'`,
				[animMax.id]
			)
		);
		expect(n.n).toBe(2);
		// Even a direct insert that skips the service's checks is refused by the database.
		await expect(
			asService(db, 'test: bypass the service', (tx) =>
				tx.query(
					`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
					 select request_id, network_id, animator_id, booker_id, org_id, tstzrange('2030-01-18 15:00+00', '2030-01-18 16:00+00'),
					        tstzrange('2030-01-18 15:00+00', '2030-01-18 16:00+00'), modality, 'confirmed'
					   from public.guichet_bookings where animator_id = $1 limit 1`,
					[animMax.id]
				)
			)
		).rejects.toThrow(/guichet_day_full/);
		// Another day is fine.
		await bookSession(db, buyers[7], request(net.id, animMax.id, at('2030-01-21T09:00:00Z')));
	});

	it('attachments: typed from content, at most 10 MB, readable only by those who see the request', async () => {
		const buyer = buyers[2];
		const pdf = await pdfBytes();
		const qid = await askQuestion(db, buyer, {
			networkId: net.id,
			topic: 'Relecture du CCTP',
			stage: 'redaction_dce',
			question: 'Pouvez-vous relire la clause jointe ?',
			attachments: [
				{ name: 'C:\\Users\\moi\\CCTP nettoyage.pdf', bytes: pdf },
				{ name: 'capture.png', bytes: PNG }
			]
		});
		const r = await getRequest(db, anim, qid);
		expect(r.attachments.map((a) => [a.filename, a.mime, a.size])).toEqual([
			['CCTP nettoyage.pdf', 'application/pdf', pdf.length],
			['capture.png', 'image/png', PNG.length]
		]);
		const got = await getAttachment(db, anim, qid, r.attachments[0].id);
		expect(got.mime).toBe('application/pdf');
		expect(Buffer.from(got.content).equals(Buffer.from(pdf))).toBe(true);
		// A colleague of the same collectivité reads it; another collectivité of the network, an animator of
		// another network and a guessed request id do not.
		expect((await getAttachment(db, colleague, qid, r.attachments[1].id)).content.length).toBe(PNG.length);
		for (const who of [neighbour, otherAnim])
			await expectAppError(getAttachment(db, who, qid, r.attachments[0].id), 'not_found');
		const [otherReq] = await asService(db, 'test', (tx) =>
			tx.query<{ id: string }>(`select id from public.guichet_requests where id <> $1 limit 1`, [qid])
		);
		await expectAppError(getAttachment(db, anim, otherReq.id, r.attachments[0].id), 'not_found');
		const seen = await withUser(db, neighbour, (tx) => tx.query(`select id from public.guichet_attachments`));
		expect(seen).toEqual([]);

		// Files in a follow-up message, by the animator.
		await reply(db, anim, qid, 'Voici la clause annotée.', [{ name: 'clause.pdf', bytes: pdf }]);
		const r2 = await getRequest(db, buyer, qid);
		expect(r2.attachments).toHaveLength(3);
		expect(r2.attachments[2].message_id).toBe(r2.messages.at(-1)!.id);

		// Refusals change nothing: wrong type (by content, whatever the name), too large, empty.
		const before = (await outbox(db)).length;
		const bad = [
			{ name: 'virus.pdf', bytes: new TextEncoder().encode('MZ not a pdf at all') },
			{ name: 'gros.pdf', bytes: new Uint8Array(10 * 1024 * 1024 + 1).fill(0x25) },
			{ name: 'vide.pdf', bytes: new Uint8Array(0) }
		];
		const messages = [
			/n'est pas un fichier accepté.*PDF, DOCX, ODT, XLSX, PNG ou JPEG/,
			/dépasse 10\u00a0Mo/,
			/est vide/
		];
		for (const [i, f] of bad.entries()) {
			const e = await expectAppError(reply(db, buyer, qid, 'Autre version', [f]), 'invalid');
			expect(e.message).toMatch(messages[i]);
			expect(e.details?.field).toBe('attachments');
		}
		// The right comes before the file is read: someone with no side in the request, or who may not ask in this
		// network, is refused as such (not told what is wrong with the file).
		for (const who of [neighbour, otherAnim]) {
			const e = await reply(db, who, qid, 'Intrusion', [bad[0]]).then(
				() => null,
				(x: AppError) => x
			);
			expect(e?.code, `${who.email}: ${e?.message}`).toMatch(/^(not_found|forbidden)$/);
		}
		const ask = await askQuestion(db, otherAnim, {
			networkId: net.id,
			topic: 'Intrus',
			stage: 'redaction_dce',
			question: 'Question ?',
			attachments: [bad[0]]
		}).then(
			() => null,
			(x: AppError) => x
		);
		expect(ask?.code).toBe('forbidden');
		expect((await getRequest(db, buyer, qid)).messages).toHaveLength(1);
		expect((await outbox(db)).length).toBe(before);
		// No one changes or deletes an attachment.
		await expect(withUser(db, buyer, (tx) => tx.query(`delete from public.guichet_attachments`))).rejects.toThrow(
			/permission denied/
		);
		await expect(
			withUser(db, buyer, (tx) => tx.query(`update public.guichet_attachments set filename = 'x'`))
		).rejects.toThrow(/permission denied/);

		// A session request carries files too.
		const s = await bookSession(
			db,
			buyer,
			request(net.id, anim.id, at('2030-01-22T09:00:00Z'), { attachments: [{ name: 'dce.pdf', bytes: pdf }] })
		);
		const b = await getBooking(db, anim, s.id);
		expect((await getRequest(db, anim, b.request_id)).attachments.map((a) => a.filename)).toEqual(['dce.pdf']);
	});

	it('redirects a question to a social-clause facilitator of the network, notified, with history', async () => {
		const qid = await askQuestion(db, buyers[3], {
			networkId: net.id,
			topic: 'Heures d’insertion',
			stage: 'execution',
			question: 'Comment suivre les heures ?'
		});
		await expectAppError(redirectRequest(db, anim, qid, otherAnim.id, 'Hors réseau'), 'invalid');
		await expectAppError(redirectRequest(db, buyers[3], qid, facilitator.id, 'Moi-même'), 'forbidden');
		await redirectRequest(db, anim, qid, facilitator.id, 'Question de clause sociale');
		const r = await getRequest(db, buyers[3], qid);
		expect(r.assigned_animator_id).toBe(facilitator.id);
		expect(r.redirected_from).toBe(anim.id);
		expect(r.messages.at(-1)!.body).toMatch(/facilitat.*clause sociale.*Question de clause sociale/s);
		expect((await outbox(db, facilitator.email)).at(-1)!.subject).toMatch(/vous est confiée/);
		expect((await outbox(db, buyers[3].email)).at(-1)!.subject).toMatch(/réorientée/);
	});

	it('redirecting a session hands the booking over: new animator, history, updated event for both sides', async () => {
		const { id } = await bookSession(db, buyers[5], request(net.id, anim.id, at('2030-01-24T13:00:00Z')));
		const before = await getBooking(db, buyers[5], id);
		await redirectRequest(db, anim, before.request_id, facilitator.id, 'Clause sociale à construire');
		const after = await getBooking(db, buyers[5], id);
		expect(after.animator_id).toBe(facilitator.id);
		expect(after.sequence).toBe(before.sequence + 1);
		expect(after.history.map((h) => h.action)).toEqual(['created', 'redirected']);
		expect(after.history[1].reason).toBe('Clause sociale à construire');
		for (const to of [buyers[5].email, facilitator.email]) {
			const mails = (await outbox(db, to)).filter((m) => m.subject.includes('confié à une autre personne'));
			expect(mails).toHaveLength(1);
			const [row] = await asService(db, 'test', (tx) =>
				tx.query<{ attachments: { content: string }[] }>(`select attachments from public.email_outbox where id = $1`, [
					mails[0].id
				])
			);
			const ev = new ICAL.Component(ICAL.parse(row.attachments[0].content)).getFirstSubcomponent('vevent')!;
			expect(ev.getFirstPropertyValue('uid')).toBe(after.ical_uid);
			expect(Number(ev.getFirstPropertyValue('sequence'))).toBe(after.sequence);
		}
	});

	it('lists for the pages: own requests, the network’s requests for its animators only, own profile, redirect targets', async () => {
		const mine = await myRequests(db, buyers[2]);
		expect(mine.length).toBeGreaterThanOrEqual(2);
		expect(mine.every((r) => r.network_name === 'Réseau des rappels')).toBe(true);
		expect(mine.find((r) => r.topic === 'Relecture du CCTP')).toMatchObject({ kind: 'question', upcoming: true });
		const all = await networkRequests(db, anim, net.id);
		const [total] = await asService(db, 'test', (tx) =>
			tx.query<{ n: number }>(`select count(*)::int as n from public.guichet_requests where network_id = $1`, [net.id])
		);
		expect(all).toHaveLength(total.n);
		expect(await networkRequests(db, buyers[2], net.id)).toEqual([]);
		expect(await networkRequests(db, otherAnim, net.id)).toEqual([]);
		const own = await myProfile(db, facilitator, net.id);
		expect(own.profile?.social_clause_facilitator).toBe(true);
		expect(own.hours).toHaveLength(5);
		const targets = await listRedirectTargets(db, anim, net.id);
		expect(targets[0]).toMatchObject({ id: facilitator.id, facilitator: true });
		await expectAppError(listRedirectTargets(db, buyers[2], net.id), 'forbidden');
	});

	it('calendar feed links: listed without their token, the feed parses, revocation is final', async () => {
		const a = await createFeedToken(db, buyers[0]);
		const b = await createFeedToken(db, buyers[0]);
		const listed = await listFeedTokens(db, buyers[0]);
		expect(listed.map((l) => l.id).sort()).toEqual([a.id, b.id].sort());
		expect(JSON.stringify(listed)).not.toContain(a.token);
		expect(await listFeedTokens(db, buyers[5])).toEqual([]);
		const cal = new ICAL.Component(ICAL.parse((await calendarFeed(db, a.token))!));
		const events = cal.getAllSubcomponents('vevent');
		expect(events.length).toBe(1);
		expect(String(events[0].getFirstPropertyValue('summary'))).toMatch(/Critères sociaux/);
		await expectAppError(revokeFeedToken(db, buyers[5], a.id), 'not_found');
		await revokeFeedToken(db, buyers[0], a.id);
		expect(await calendarFeed(db, a.token)).toBeNull();
		expect(await calendarFeed(db, b.token)).not.toBeNull();
		await expectAppError(revokeFeedToken(db, buyers[0], a.id), 'not_found');
	});

	it('network change rules: set by animators only, enforced on the buyers’ cancellations and reschedulings', async () => {
		const rules = {
			cancelMinNoticeMinutes: 2880,
			rescheduleMinNoticeMinutes: 60,
			buyerMayCancel: false,
			buyerMayReschedule: true
		};
		await expectAppError(updateSettings(db, buyers[6], net.id, rules), 'forbidden');
		await expectAppError(updateSettings(db, anim, net.id, { ...rules, cancelMinNoticeMinutes: -5 }), 'invalid');
		await updateSettings(db, anim, net.id, rules);
		expect(await getSettings(db, buyers[6], net.id)).toEqual(rules);
		const { id } = await bookSession(db, buyers[6], request(net.id, anim.id, at('2030-01-23T09:00:00Z')));
		const e = await expectAppError(cancelBooking(db, buyers[6], id, 'Plus besoin', { now: NOW }), 'forbidden');
		expect(e.message).toMatch(/ne permet pas aux collectivités d'annuler/);
		// Rescheduling stays open, with one hour's notice.
		await rescheduleBooking(db, buyers[6], id, {
			start: at('2030-01-23T13:00:00Z'),
			reason: 'Décalage',
			now: at('2030-01-23T07:30:00Z')
		});
		await expectAppError(
			rescheduleBooking(db, buyers[6], id, {
				start: at('2030-01-24T13:00:00Z'),
				reason: 'Encore',
				now: at('2030-01-23T12:30:00Z')
			}),
			'too_late'
		);
		// The animator may still cancel, with a reason; the buyer is told.
		await cancelBooking(db, anim, id, 'Animatrice en formation', { now: NOW });
		expect((await outbox(db, buyers[6].email)).at(-1)!.subject).toMatch(/annulé/);
		await updateSettings(db, anim, net.id, {
			cancelMinNoticeMinutes: 1440,
			rescheduleMinNoticeMinutes: 1440,
			buyerMayCancel: true,
			buyerMayReschedule: true
		});
	});
});
