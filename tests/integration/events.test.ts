import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import {
	addChoiceGroup,
	cancelEvent,
	createEvent,
	duplicateEvent,
	getEvent,
	listEvents,
	saveSession,
	setPublished,
	updateEvent
} from '../../src/lib/server/events/events';
import {
	answerOffer,
	cancelRegistration,
	expireOffers,
	getRegistration,
	register
} from '../../src/lib/server/events/registrations';
import { checkIn, checkinList, markNoShows, undoCheckIn, walkIn } from '../../src/lib/server/events/attendance';
import { agendaIcs } from '../../src/lib/server/events/agenda';
import { eventInputSchema, eventUpdateSchema, sessionInputSchema } from '../../src/lib/server/events/input';
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

const NOW = new Date('2030-01-07T08:00:00Z');
const HOUR = 3_600_000;

async function rejects(p: Promise<unknown>, code: string) {
	const e = await p.then(
		() => null,
		(err) => err
	);
	expect(e).toBeInstanceOf(AppError);
	expect((e as AppError).code).toBe(code);
}

describe.each(engines)('events (%s)', (engine) => {
	let db: Database;
	let anim: TestUser;
	let platform: TestUser;
	let networkId: string;
	const orgs: { id: string; admin: TestUser }[] = [];
	let outsiderOrg: { id: string; admin: TestUser };

	beforeAll(async () => {
		db = await openTestDb(engine);
		platform = await createUser(db, { platformAdmin: true });
		anim = await createUser(db, { displayName: 'Anne Imatrice' });
		const net = await createNetwork(db, platform, 'Réseau Événements');
		networkId = net.id;
		await addAnimatorDirect(db, networkId, anim);
		for (let i = 0; i < 4; i++) {
			const admin = await createUser(db, { displayName: `Admin ${i}` });
			const org = await createOrg(db, admin, `Commune ${engine} ${i}`);
			await asService(db, 'test: approve membership', (tx) =>
				tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
					networkId,
					org.id
				])
			);
			orgs.push({ id: org.id, admin });
		}
		const oAdmin = await createUser(db);
		const o = await createOrg(db, oAdmin, `Hors réseau ${engine}`);
		outsiderOrg = { id: o.id, admin: oAdmin };
	}, 120_000);
	afterAll(async () => {
		await db?.close();
	});

	async function forum(
		opts: { capacity?: number; perOrgLimit?: number; offerHours?: number; workshopCapacity?: number } = {}
	) {
		const input = eventInputSchema.parse({
			kind: 'forum',
			title: 'Forum achats responsables',
			organiser: `network:${networkId}`,
			audience: 'network',
			place: 'Toulouse, salle des fêtes',
			startsAt: '2030-03-12T09:00',
			endsAt: '2030-03-12T17:00',
			capacity: opts.capacity,
			perOrgLimit: opts.perOrgLimit,
			offerHours: opts.offerHours ?? 24
		});
		const ev = await createEvent(db, anim, input);
		const g1 = await addChoiceGroup(db, anim, ev.id, 'Ateliers du matin');
		const g2 = await addChoiceGroup(db, anim, ev.id, "Ateliers de l'après-midi");
		const s = async (title: string, start: string, end: string, group?: string, capacity?: number) =>
			(
				await saveSession(
					db,
					anim,
					ev.id,
					sessionInputSchema.parse({
						title,
						startsAt: `2030-03-12T${start}`,
						endsAt: `2030-03-12T${end}`,
						choiceGroupId: group,
						capacity,
						room: 'Salle 1'
					})
				)
			).id;
		const plenary = await s('Plénière', '09:00', '10:00');
		const A = await s('Atelier A', '10:30', '12:30', g1.id, opts.workshopCapacity);
		const B = await s('Atelier B', '10:30', '12:30', g1.id, opts.workshopCapacity);
		const C = await s('Atelier C', '10:30', '12:30', g1.id, opts.workshopCapacity);
		const D = await s('Atelier D', '14:00', '15:30', g2.id, opts.workshopCapacity);
		const E = await s('Atelier E', '14:00', '15:30', g2.id, opts.workshopCapacity);
		const F = await s('Atelier F', '14:00', '15:30', g2.id, opts.workshopCapacity);
		await setPublished(db, anim, ev.id, true);
		return { id: ev.id, plenary, A, B, C, D, E, F };
	}

	/** Moves an event and its programme (by the database clock) so that it ended an hour ago: it took place. */
	async function tookPlace(eventId: string) {
		await asService(db, 'test: the event took place', async (tx) => {
			const [{ shift }] = await tx.query<{ shift: string }>(
				`select ((now() - interval '1 hour') - ends_at)::text as shift from public.events where id = $1`,
				[eventId]
			);
			await tx.query(
				`update public.events set starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval where id = $1`,
				[eventId, shift]
			);
			await tx.query(
				`update public.event_sessions set starts_at = starts_at + $2::interval, ends_at = ends_at + $2::interval where event_id = $1`,
				[eventId, shift]
			);
		});
	}

	/** n people, spread over the network's collectivités (admins register colleagues? no: each registers themself). */
	async function people(n: number) {
		const out: { user: TestUser; org: string }[] = [];
		for (let i = 0; i < n; i++) {
			const user = await createUser(db, { displayName: `Participant ${String(i).padStart(3, '0')}` });
			const org = orgs[i % orgs.length].id;
			await addMember(db, org, user, 'editor');
			out.push({ user, org });
		}
		return out;
	}

	it('100 concurrent registrations for 30 places: exactly 30 confirmed, 70 waitlisted in arrival order', async () => {
		const ev = await forum({ capacity: 30 });
		const crowd = await people(100);
		const results = await Promise.all(
			crowd.map((p) => register(db, p.user, { eventId: ev.id, orgId: p.org, choices: [ev.A, ev.D] }, NOW))
		);
		const confirmed = results.filter((r) => r.status === 'confirmed');
		const waitlisted = results.filter((r) => r.status === 'waitlisted');
		expect(confirmed).toHaveLength(30);
		expect(waitlisted).toHaveLength(70);
		const rows = await asService(db, 'test: read', (tx) =>
			tx.query<{ status: string; arrival: string; created_at: Date }>(
				`select status, created_at from public.event_registrations where event_id = $1 order by arrival`,
				[ev.id]
			)
		);
		// Arrival order: everyone confirmed arrived before everyone waitlisted (the event lock serialises them).
		expect(rows.slice(0, 30).every((r) => r.status === 'confirmed')).toBe(true);
		expect(rows.slice(30).every((r) => r.status === 'waitlisted')).toBe(true);
		const detail = await getEvent(db, anim, ev.id);
		expect(detail.event.confirmed_count).toBe(30);
		expect(detail.event.waitlist_count).toBe(70);
		// Rank on the list follows arrival.
		const firstWaiting = await getRegistration(
			db,
			waitlisted.sort((a, b) => Number(a.arrival) - Number(b.arrival))[0].user_id
				? crowd.find((p) => p.user.id === waitlisted[0].user_id)!.user
				: anim,
			waitlisted[0].id
		);
		expect(firstWaiting.waitlistRank).toBe(1);
		// Confirmation e-mail carries an ICS and the QR code.
		const mail = (await outbox(db, crowd.find((p) => p.user.id === confirmed[0].user_id)!.user.email)).at(-1)!;
		const full = await asService(db, 'test: read', (tx) =>
			tx.query<{ attachments: { filename: string; content: string }[] }>(
				'select attachments from public.email_outbox where id = $1',
				[mail.id]
			)
		);
		const ics = full[0].attachments.find((a) => a.filename.endsWith('.ics'))!;
		const cal = new ICAL.Component(ICAL.parse(ics.content));
		expect(cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('summary')).toBe('Forum achats responsables');
		expect(full[0].attachments.some((a) => a.filename.endsWith('.svg') && a.content.includes('<svg'))).toBe(true);
	}, 180_000);

	it('a cancellation promotes the first waiting person whose choices fit; an unanswered offer expires and goes to the next', async () => {
		const ev = await forum({ workshopCapacity: 1, offerHours: 24 });
		const [p1, p2, p3, p4] = await people(4);
		const r1 = await register(db, p1.user, { eventId: ev.id, orgId: p1.org, choices: [ev.A, ev.D] }, NOW);
		const r2 = await register(db, p2.user, { eventId: ev.id, orgId: p2.org, choices: [ev.A, ev.E] }, NOW); // A full
		const r3 = await register(db, p3.user, { eventId: ev.id, orgId: p3.org, choices: [ev.B, ev.D] }, NOW); // D full
		const r4 = await register(db, p4.user, { eventId: ev.id, orgId: p4.org, choices: [ev.C, ev.D] }, NOW); // D full
		expect([r1.status, r2.status, r3.status, r4.status]).toEqual([
			'confirmed',
			'waitlisted',
			'waitlisted',
			'waitlisted'
		]);

		// p1 cancels: frees A and D. p2 (A, E) fits first; then p3 (B, D) fits too (D is free); p4 (C, D) no longer.
		await cancelRegistration(db, p1.user, r1.id, new Date(NOW.getTime() + HOUR));
		const status = async (id: string, who: TestUser) => (await getRegistration(db, who, id)).registration.status;
		expect(await status(r2.id, p2.user)).toBe('offered');
		expect(await status(r3.id, p3.user)).toBe('offered');
		expect(await status(r4.id, p4.user)).toBe('waitlisted');
		const offerMail = (await outbox(db, p3.user.email)).at(-1)!;
		expect(offerMail.subject).toMatch(/Une place vous attend/);
		expect(offerMail.text_body).toContain(`/evenements/${ev.id}/inscription/${r3.id}?reponse=accepter`);
		expect(offerMail.text_body).toContain('?reponse=decliner');

		// p2 accepts; p3 does not answer: after 24 h the job withdraws the offer and offers D to p4.
		await answerOffer(db, p2.user, r2.id, true, new Date(NOW.getTime() + 2 * HOUR));
		expect(await status(r2.id, p2.user)).toBe('confirmed');
		expect(await expireOffers(db, new Date(NOW.getTime() + 2 * HOUR))).toEqual({ expired: 0, offered: 0 });
		// Two instances run the job at the same moment: the offer expires once and one new offer goes out.
		const jobs = await Promise.all([0, 1].map(() => expireOffers(db, new Date(NOW.getTime() + 26 * HOUR))));
		expect(
			jobs.reduce((a, j) => ({ expired: a.expired + j.expired, offered: a.offered + j.offered }), {
				expired: 0,
				offered: 0
			})
		).toEqual({ expired: 1, offered: 1 });
		expect((await outbox(db, p4.user.email)).filter((m) => m.kind === 'event_offer')).toHaveLength(1);
		expect(await status(r3.id, p3.user)).toBe('cancelled');
		expect(await status(r4.id, p4.user)).toBe('offered');
		await rejects(answerOffer(db, p3.user, r3.id, true, new Date(NOW.getTime() + 27 * HOUR)), 'offer_not_available');
		// p4 declines: nobody else waits.
		await answerOffer(db, p4.user, r4.id, false, new Date(NOW.getTime() + 27 * HOUR));
		expect(await status(r4.id, p4.user)).toBe('cancelled');
	}, 120_000);

	it('enforces the per-collectivité limit, the audience and the choices; a manager registers colleagues', async () => {
		const ev = await forum({ perOrgLimit: 2 });
		const org = orgs[0];
		const colleagues = [];
		for (let i = 0; i < 3; i++) {
			const u = await createUser(db, { displayName: `Collègue ${i}` });
			await addMember(db, org.id, u, 'viewer');
			colleagues.push(u);
		}
		const a = await register(
			db,
			org.admin,
			{ eventId: ev.id, userId: colleagues[0].id, orgId: org.id, choices: [ev.B, ev.E] },
			NOW
		);
		expect(a.status).toBe('confirmed');
		expect(a.registered_by).toBe(org.admin.id);
		await rejects(
			register(
				db,
				colleagues[1],
				{ eventId: ev.id, userId: colleagues[0].id, orgId: org.id, choices: [ev.B, ev.E] },
				NOW
			),
			'not_allowed'
		);
		await rejects(
			register(db, colleagues[0], { eventId: ev.id, orgId: org.id, choices: [ev.B, ev.E] }, NOW),
			'already_registered'
		);
		await rejects(
			register(db, colleagues[1], { eventId: ev.id, orgId: org.id, choices: [ev.B] }, NOW),
			'invalid_choices'
		);
		await rejects(
			register(db, colleagues[1], { eventId: ev.id, orgId: org.id, choices: [ev.A, ev.B] }, NOW),
			'invalid_choices'
		);
		await register(db, colleagues[1], { eventId: ev.id, orgId: org.id, choices: [ev.C, ev.F] }, NOW);
		await rejects(
			register(db, colleagues[2], { eventId: ev.id, orgId: org.id, choices: [ev.C, ev.F] }, NOW),
			'org_limit'
		);
		// Not a member of the network: not in the audience (and does not even see the event).
		await rejects(
			register(db, outsiderOrg.admin, { eventId: ev.id, orgId: outsiderOrg.id, choices: [ev.C, ev.F] }, NOW),
			'event_not_found'
		);
		// Registration window.
		await rejects(
			register(
				db,
				colleagues[2],
				{ eventId: ev.id, orgId: orgs[1].id, choices: [ev.C, ev.F] },
				new Date('2030-03-13T08:00:00Z')
			),
			'event_not_open'
		);
	}, 120_000);

	it('check-in by code and by hand, undo, walk-ins, no-shows; lists search names and collectivités', async () => {
		const ev = await forum({ workshopCapacity: 5 });
		const [p1, p2, p3] = await people(3);
		const r1 = await register(db, p1.user, { eventId: ev.id, orgId: p1.org, choices: [ev.A, ev.D] }, NOW);
		const r2 = await register(db, p2.user, { eventId: ev.id, orgId: p2.org, choices: [ev.B, ev.D] }, NOW);
		const r3 = await register(db, p3.user, { eventId: ev.id, orgId: p3.org, choices: [ev.A, ev.E] }, NOW);
		// Issue 14: no check-in before the session's day, no no-shows before the end.
		await rejects(checkIn(db, anim, ev.A, { code: r1.checkin_code }), 'checkin_not_open');
		await rejects(markNoShows(db, anim, ev.id), 'event_not_ended');
		await tookPlace(ev.id);
		expect((await checkIn(db, anim, ev.A, { code: r1.checkin_code })).already).toBe(false);
		expect((await checkIn(db, anim, ev.A, { code: r1.checkin_code })).already).toBe(true);
		await rejects(checkIn(db, anim, ev.A, { code: r2.checkin_code }), 'not_registered_for_session');
		await rejects(checkIn(db, p1.user, ev.A, { code: r1.checkin_code }), 'session_not_found');
		await checkIn(db, anim, ev.A, { registrationId: r3.id });
		expect(await undoCheckIn(db, anim, ev.A, r3.id)).toBe(true);
		await checkIn(db, anim, ev.plenary, { registrationId: r2.id });
		const list = await checkinList(db, anim, ev.A);
		expect(list.map((r) => [r.full_name, !!r.checked_at])).toEqual([
			[p1.user.displayName, true],
			[p3.user.displayName, false]
		]);
		const org1 = (
			await checkinList(db, anim, ev.plenary, 'commune ' + engine + ' ' + orgs.findIndex((o) => o.id === p2.org))
		).map((r) => r.full_name);
		expect(org1).toContain(p2.user.displayName);
		const wid = await walkIn(db, anim, ev.A, {
			fullName: 'Zoé Passante',
			email: '',
			orgName: 'Mairie de Là',
			choices: []
		});
		expect((await checkinList(db, anim, ev.A, 'zoe')).map((r) => [r.registration_id, r.walk_in])).toEqual([
			[wid, true]
		]);
		// p3 attended nothing: no-show; p1, p2 and the walk-in were present.
		expect(await markNoShows(db, anim, ev.id)).toBe(1);
		expect((await getRegistration(db, p3.user, r3.id)).registration.no_show).toBe(true);
	}, 120_000);

	it('duplicates with the programme, unpublishes, cancels with a notification; agenda and ICS feed', async () => {
		const ev = await forum({});
		const [p1] = await people(1);
		await register(db, p1.user, { eventId: ev.id, orgId: p1.org, choices: [ev.A, ev.D] }, NOW);
		const copy = await duplicateEvent(db, anim, ev.id, new Date('2030-04-02T07:00:00Z'));
		const dup = await getEvent(db, anim, copy.id);
		expect(dup.event.status).toBe('draft');
		expect(dup.sessions).toHaveLength(7);
		expect(dup.groups).toHaveLength(2);
		expect(dup.sessions.filter((s) => s.choice_group_id === dup.groups[0].id).map((s) => s.title)).toEqual([
			'Atelier A',
			'Atelier B',
			'Atelier C'
		]);
		expect(dup.sessions[0].starts_at.toISOString()).toBe('2030-04-02T07:00:00.000Z');
		// Drafts are not visible to members.
		await rejects(getEvent(db, p1.user, copy.id), 'not_found');
		expect((await listEvents(db, p1.user, { now: NOW })).map((e) => e.id)).toContain(ev.id);

		await setPublished(db, anim, ev.id, false);
		await rejects(getEvent(db, orgs[2].admin, ev.id), 'not_found');
		await setPublished(db, anim, ev.id, true);
		const feed = await agendaIcs(db, null, NOW);
		expect(feed).not.toContain('Forum achats responsables'); // network-only audience: not public
		expect(await cancelEvent(db, anim, ev.id, 'Salle indisponible')).toBe(1);
		const mail = (await outbox(db, p1.user.email)).at(-1)!;
		expect(mail.subject).toBe('Annulé : Forum achats responsables');
		expect(mail.text_body).toContain('Salle indisponible');
		await rejects(
			register(db, p1.user, { eventId: ev.id, orgId: p1.org, choices: [ev.A, ev.D] }, NOW),
			'event_not_open'
		);
	}, 120_000);
	it('the organiser edits an event (the organiser itself does not change); nobody else may', async () => {
		const ev = await forum();
		const edit = eventUpdateSchema.parse({
			kind: 'forum',
			title: 'Forum achats responsables — 2e édition',
			audience: 'buyers',
			place: 'Montpellier',
			startsAt: '2030-03-13T09:00',
			endsAt: '2030-03-13T17:00',
			capacity: '120'
		});
		await updateEvent(db, anim, ev.id, edit);
		const after = (await getEvent(db, anim, ev.id)).event;
		expect(after.title).toBe('Forum achats responsables — 2e édition');
		expect(after.place).toBe('Montpellier');
		expect(after.capacity).toBe(120);
		expect(after.organiser_network_id).toBe(networkId);
		const refused = await updateEvent(db, orgs[0].admin, ev.id, { ...edit, title: 'Pris par un intrus' }).catch(
			(e) => e
		);
		expect(refused).toBeInstanceOf(AppError);
		expect((refused as AppError).status).toBe(404);
		expect((await getEvent(db, anim, ev.id)).event.title).toBe('Forum achats responsables — 2e édition');
	});
});
