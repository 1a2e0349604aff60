/**
 * Issue 14, item 8: documents that certify things must be true. The attacks, replayed with dates relative to the
 * database clock (never today's date): a check-in six weeks before an event, which produced an « attestation de
 * présence » dated the day it was printed and fed the training figures; a Guichet vert compte-rendu for a session a
 * week ahead, which made it « Séance tenue », sent the survey e-mail and counted in the dashboard. Both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { asService, withUser, type Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { cancelEvent, saveSession } from '../../src/lib/server/events/events';
import { cancelRegistration } from '../../src/lib/server/events/registrations';
import { checkIn, eventForCertificates, getSession, markNoShows, walkIn } from '../../src/lib/server/events/attendance';
import { sessionInputSchema } from '../../src/lib/server/events/input';
import { eventFigures, networkFigures } from '../../src/lib/server/events/figures';
import { certificatesPdf } from '../../src/lib/server/events/pdf';
import { formatDay } from '../../src/lib/server/events/format';
import { getBooking } from '../../src/lib/server/guichet/bookings';
import { networkDashboard } from '../../src/lib/server/guichet/dashboard';
import { writeReport } from '../../src/lib/server/guichet/follow-up';
import { engines, openTestDb } from '../helpers/engines';
import { addAnimatorDirect, createNetwork, createOrg, createUser, outbox, type TestUser } from '../helpers/factories';

async function refused(p: Promise<unknown>, code: string): Promise<AppError> {
	const e = await p.then(
		() => null,
		(err) => err
	);
	expect(e).toBeInstanceOf(AppError);
	expect((e as AppError).code).toBe(code);
	return e as AppError;
}

async function pdfText(bytes: Uint8Array): Promise<string> {
	const doc = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false }).promise;
	const page = await doc.getPage(1);
	const text = (await page.getTextContent()).items.map((it) => ('str' in it ? it.str : '')).join(' ');
	await doc.destroy();
	return text.replace(/\s+/g, ' ');
}

describe.each(engines)('certifying documents tell the truth (%s)', (engine) => {
	let db: Database;
	let anim: TestUser, buyer: TestUser;
	let net: string, org: string;

	beforeAll(async () => {
		db = await openTestDb(engine);
		const platform = await createUser(db, { platformAdmin: true });
		anim = await createUser(db);
		buyer = await createUser(db, { displayName: 'Paula Participante' });
		org = (await createOrg(db, buyer, 'Commune certifiée')).id;
		net = (await createNetwork(db, platform, 'Réseau des attestations')).id;
		await addAnimatorDirect(db, net, anim);
		await asService(db, 'test: membership', (tx) =>
			tx.query(`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`, [
				net,
				org
			])
		);
	}, 120_000);
	afterAll(async () => db?.close());

	/**
	 * A published network event with one session starting at now() + `startsIn` (an SQL interval, negative for the
	 * past) and lasting two hours, and the buyer's confirmed registration.
	 */
	async function event(startsIn: string, opensMinutes: number | null = null) {
		return asService(db, 'test: event', async (tx) => {
			const [e] = await tx.query<{ id: string; starts_at: Date; ends_at: Date }>(
				`insert into public.events (kind, title, organiser_network_id, audience, status, starts_at, ends_at)
				 values ('formation', 'Formation achats durables', $1, 'network', 'published', now() + $2::interval, now() + $2::interval + interval '2 hours')
				 returning id, starts_at, ends_at`,
				[net, startsIn]
			);
			if (opensMinutes !== null)
				await tx.query('update public.events set checkin_opens_minutes = $2 where id = $1', [e.id, opensMinutes]);
			const [s] = await tx.query<{ id: string }>(
				`insert into public.event_sessions (event_id, title, starts_at, ends_at) values ($1, 'Journée', $2, $3) returning id`,
				[e.id, e.starts_at, e.ends_at]
			);
			const [r] = await tx.query<{ id: string; checkin_code: string }>(
				`insert into public.event_registrations (event_id, user_id, org_id, full_name, email, registered_by, status)
				 values ($1, $2, $3, $4, $5, $2, 'confirmed') returning id, checkin_code`,
				[e.id, buyer.id, org, buyer.displayName, buyer.email]
			);
			return { id: e.id, session: s.id, registration: r.id, code: r.checkin_code, endsAt: e.ends_at };
		});
	}

	const liveCheckins = async (session: string) =>
		(
			await asService(db, 'test: count', (tx) =>
				tx.query<{ n: number }>(
					'select count(*)::int as n from public.event_checkins where session_id = $1 and undone_at is null',
					[session]
				)
			)
		)[0].n;

	it('refuses a check-in six weeks before the session, by the service and straight in SQL; nothing is attested nor counted', async () => {
		const ev = await event('42 days');
		const e = await refused(checkIn(db, anim, ev.session, { code: ev.code }), 'checkin_not_open');
		expect(e.status).toBe(409);
		expect(e.message).toMatch(/^Le pointage ouvre le \S+ \d+ \S+ \d{4} à 00\u00a0h\u00a000\.$/);
		await refused(checkIn(db, anim, ev.session, { registrationId: ev.registration }), 'checkin_not_open');
		await refused(
			walkIn(db, anim, ev.session, { fullName: 'Passant', email: '', orgName: '', choices: [] }),
			'checkin_not_open'
		);
		await expect(
			withUser(db, anim, (tx) =>
				tx.query(`select * from app.event_check_in($1, $2, null, 'manual')`, [ev.session, ev.registration])
			)
		).rejects.toThrow(/checkin_not_open/);
		expect(await liveCheckins(ev.session)).toBe(0);
		expect((await getSession(db, anim, ev.session)).checkin).toBe('before');
		await refused(markNoShows(db, anim, ev.id), 'event_not_ended');
		expect((await eventForCertificates(db, buyer, ev.id, ev.registration)).rows).toEqual([]);
		expect((await eventFigures(db, anim, ev.id)).present).toBe(0);
	});

	it('even a check-in recorded early (before this rule) attests nothing until the session has ended', async () => {
		const ev = await event('42 days');
		await asService(db, 'test: an early check-in slipped in', (tx) =>
			tx.query(`insert into public.event_checkins (registration_id, session_id, method) values ($1, $2, 'manual')`, [
				ev.registration,
				ev.session
			])
		);
		expect((await eventForCertificates(db, buyer, ev.id, ev.registration)).rows).toEqual([]);
		const f = await eventFigures(db, anim, ev.id);
		expect([f.present, f.hours]).toEqual([0, 0]);
		const year = (
			await asService(db, 'test', (tx) =>
				tx.query<{ y: number }>(
					`select extract(year from starts_at at time zone 'Europe/Paris')::int as y from public.events where id = $1`,
					[ev.id]
				)
			)
		)[0].y;
		const n = await networkFigures(db, anim, net, year);
		expect(n.events.find((x) => x.id === ev.id)).toMatchObject({ present: 0, hours: 0 });
	});

	it('follows the organiser’s window: from 2 h before the start when chosen', async () => {
		const soon = await event('3 hours', 120);
		const e = await refused(checkIn(db, anim, soon.session, { code: soon.code }), 'checkin_not_open');
		expect(e.message).toMatch(/^Le pointage ouvre le /);
		const open = await event('90 minutes', 120);
		expect((await checkIn(db, anim, open.session, { code: open.code })).already).toBe(false);
		expect((await getSession(db, anim, open.session)).checkin).toBe('open');
		// Attended but not ended: no attestation yet, no figures.
		expect((await eventForCertificates(db, buyer, open.id, open.registration)).rows).toEqual([]);
		expect((await eventFigures(db, anim, open.id)).present).toBe(0);
	});

	it('closes seven days after the session’s end', async () => {
		const old = await event('-9 days');
		await refused(checkIn(db, anim, old.session, { code: old.code }), 'checkin_closed');
		expect((await getSession(db, anim, old.session)).checkin).toBe('closed');
	});

	it('attests a session attended and ended, dated the day of the session, and counts it', async () => {
		const ev = await event('-3 days');
		await checkIn(db, anim, ev.session, { registrationId: ev.registration });
		const data = await eventForCertificates(db, buyer, ev.id, ev.registration);
		expect(data.rows).toHaveLength(1);
		const text = await pdfText(
			await certificatesPdf({
				eventTitle: data.event.title,
				eventKind: 'Formation',
				organiser: data.event.organiser_name,
				starts_at: data.event.starts_at,
				ends_at: data.event.ends_at,
				place: '',
				people: data.rows
			})
		);
		expect(text).toContain(`Fait le ${formatDay(new Date(ev.endsAt))}`.replace(/\u00a0/g, ' '));
		expect(text).not.toContain(`Fait le ${formatDay(new Date())}`.replace(/\u00a0/g, ' '));
		expect((await eventFigures(db, anim, ev.id)).present).toBe(1);
		expect(await markNoShows(db, anim, ev.id)).toBe(0);
	});

	/**
	 * Time passes by `by` (an SQL interval): the event, its sessions and its check-ins move back together, which to
	 * the database is the same as its clock moving forward.
	 */
	async function clockMovesOn(eventId: string, by: string) {
		await asService(db, 'test: the clock moves on', async (tx) => {
			await tx.query(
				`update public.events set starts_at = starts_at - $2::interval, ends_at = ends_at - $2::interval where id = $1`,
				[eventId, by]
			);
			await tx.query(
				`update public.event_sessions set starts_at = starts_at - $2::interval, ends_at = ends_at - $2::interval where event_id = $1`,
				[eventId, by]
			);
			await tx.query(
				`update public.event_checkins c set checked_at = checked_at - $2::interval from public.event_sessions s where s.id = c.session_id and s.event_id = $1`,
				[eventId, by]
			);
		});
	}

	/** What certifies the buyer's presence at `ev`: attestation rows, the event's and the network's figures. */
	async function certified(ev: { id: string; registration: string }) {
		const year = (
			await asService(db, 'test', (tx) =>
				tx.query<{ y: number }>(
					`select extract(year from starts_at at time zone 'Europe/Paris')::int as y from public.events where id = $1`,
					[ev.id]
				)
			)
		)[0].y;
		return {
			attested: (await eventForCertificates(db, buyer, ev.id, ev.registration)).rows.length,
			present: (await eventFigures(db, anim, ev.id)).present,
			network: (await networkFigures(db, anim, net, year)).events.find((x) => x.id === ev.id)?.present ?? 0
		};
	}

	const moved = (ev: { endsAt: Date }, days: number) =>
		sessionInputSchema.parse({
			title: 'Journée',
			startsAt: new Date(new Date(ev.endsAt).getTime() - 2 * 3600_000 + days * 86400_000).toISOString(),
			endsAt: new Date(new Date(ev.endsAt).getTime() + days * 86400_000).toISOString()
		});

	it('a check-in 90 min before the start of an event then cancelled attests nothing, even once the day has passed', async () => {
		const kept = await event('90 minutes', 120);
		const cancelled = await event('90 minutes', 120);
		for (const ev of [kept, cancelled])
			expect((await checkIn(db, anim, ev.session, { code: ev.code })).already).toBe(false);
		await cancelEvent(db, anim, cancelled.id, 'Intempéries');
		for (const ev of [kept, cancelled]) await clockMovesOn(ev.id, '1 day');
		expect(await certified(kept)).toEqual({ attested: 1, present: 1, network: 1 });
		expect(await certified(cancelled)).toEqual({ attested: 0, present: 0, network: 0 });
	});

	it('a registration cancelled after its check-in attests nothing', async () => {
		const ev = await event('90 minutes', 120);
		await checkIn(db, anim, ev.session, { code: ev.code });
		await cancelRegistration(db, buyer, ev.registration);
		await clockMovesOn(ev.id, '1 day');
		expect(await certified(ev)).toEqual({ attested: 0, present: 0, network: 0 });
	});

	it('a session moved 30 days back after a check-in does not attest a day nobody checked in', async () => {
		const ev = await event('90 minutes', 120);
		await checkIn(db, anim, ev.session, { code: ev.code });
		await saveSession(db, anim, ev.id, moved(ev, -30), ev.session);
		expect(await certified(ev)).toEqual({ attested: 0, present: 0, network: 0 });
		// Put back where it was, the session attests the check-in once it has ended: it took place then.
		await saveSession(db, anim, ev.id, moved(ev, 0), ev.session);
		await clockMovesOn(ev.id, '1 day');
		expect(await certified(ev)).toEqual({ attested: 1, present: 1, network: 1 });
	});

	it('a session postponed by a month after a check-in is not attested when the new day comes', async () => {
		const ev = await event('90 minutes', 120);
		await checkIn(db, anim, ev.session, { code: ev.code });
		await saveSession(db, anim, ev.id, moved(ev, 30), ev.session);
		await clockMovesOn(ev.id, '31 days');
		expect(await certified(ev)).toEqual({ attested: 0, present: 0, network: 0 });
	});

	describe('Guichet vert', () => {
		/** A confirmed session of the buyer with the animator, starting at now() + `startsIn`. */
		async function booking(startsIn: string) {
			return asService(db, 'test: booking', async (tx) => {
				const [r] = await tx.query<{ id: string }>(
					`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, stage, question)
					 values ($1, $2, $3, 'session', 'Clauses de réemploi', 'redaction_dce', 'Comment rédiger ?') returning id`,
					[net, org, buyer.id]
				);
				const [b] = await tx.query<{ id: string }>(
					`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
					 values ($1, $2, $3, $4, $5, tstzrange(now() + $6::interval, now() + $6::interval + interval '1 hour'),
					         tstzrange(now() + $6::interval, now() + $6::interval + interval '1 hour'), 'visio', 'confirmed') returning id`,
					[r.id, net, anim.id, buyer.id, org, startsIn]
				);
				return b.id;
			});
		}

		it('refuses a compte-rendu for a session a week ahead: not « Séance tenue », no survey e-mail, not counted', async () => {
			const id = await booking('7 days');
			const mails = (await outbox(db, buyer.email)).length;
			const e = await refused(
				writeReport(db, anim, id, { advice: 'Conseils donnés.', outcome: 'done' }),
				'session_not_started'
			);
			expect(e.message).toMatch(/pas encore commencé/);
			await refused(writeReport(db, anim, id, { advice: '', outcome: 'no_show' }), 'session_not_started');
			expect((await getBooking(db, buyer, id)).status).toBe('confirmed');
			expect((await getBooking(db, buyer, id)).report).toBeNull();
			expect((await outbox(db, buyer.email)).length).toBe(mails);
			const year = new Date().getFullYear();
			expect((await networkDashboard(db, anim, net, { year })).sessionsDone).toBe(0);
			// Straight in SQL, under the animator's rights: the database refuses too.
			await expect(
				withUser(db, anim, (tx) => tx.query(`update public.guichet_bookings set status = 'done' where id = $1`, [id]))
			).rejects.toThrow(/session_not_started/);
			await expect(
				withUser(db, anim, (tx) =>
					tx.query(`insert into public.guichet_reports (booking_id, author_id, advice) values ($1, auth.uid(), 'x')`, [
						id
					])
				)
			).rejects.toThrow(/session_not_started/);
		});

		it('accepts it once the session has started, and the dashboard counts it', async () => {
			const id = await booking('-30 minutes');
			await writeReport(db, anim, id, { advice: 'Conseils donnés.', outcome: 'done' });
			expect((await getBooking(db, buyer, id)).status).toBe('done');
			expect((await outbox(db, buyer.email)).at(-1)!.subject).toMatch(/compte-rendu/);
			expect((await networkDashboard(db, anim, net, { year: new Date().getFullYear() })).sessionsDone).toBe(1);
		});
	});
});
