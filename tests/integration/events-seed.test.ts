import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { loadDemoData } from '../../src/lib/server/demo';
import { networkFigures, orgFigures } from '../../src/lib/server/events/figures';
import ICAL from 'ical.js';
import { agendaIcs } from '../../src/lib/server/events/agenda';
import { listEvents, getEvent } from '../../src/lib/server/events/events';
import { engines, openTestDb } from '../helpers/engines';

const ANIMATRICE = { id: 'de000000-0000-4000-8000-000000000002', email: 'animatrice@demo.spaser.test' };
const ADMIN = { id: 'de000000-0000-4000-8000-000000000003', email: 'admin@demo.spaser.test' };
const NETWORK = 'de000000-0000-4000-8002-000000000001';
const AURENCE = 'de000000-0000-4000-8001-000000000001';
const FORUM = 'de000000-0000-4000-8e06-000000000001';

describe.each(engines)('demo events (supabase/seeds/events.sql) on %s', (kind) => {
	let db: Database;
	beforeAll(async () => {
		db = await openTestDb(kind);
		await loadDemoData(db);
		await loadDemoData(db); // idempotent
	}, 120_000);
	afterAll(async () => {
		await db?.close();
	});

	it('has a past forum with parallel workshops and attendance, upcoming events, and a draft only the animator sees', async () => {
		const forum = await getEvent(db, ADMIN, FORUM);
		expect(forum.groups.map((g) => g.title)).toEqual(['Ateliers de 14 h 00', 'Ateliers de 15 h 15']);
		expect(forum.sessions.filter((s) => s.choice_group_id).map((s) => s.title.slice(0, 9))).toEqual([
			'Atelier A',
			'Atelier B',
			'Atelier C',
			'Atelier D',
			'Atelier E',
			'Atelier F'
		]);
		expect(forum.event.confirmed_count).toBe(8);
		const upcoming = (await listEvents(db, ADMIN)).map((e) => e.kind);
		expect(upcoming).toEqual(['webinaire', 'cohorte']);
		expect((await listEvents(db, ANIMATRICE, { scope: 'organised' })).map((e) => e.status).sort()).toEqual([
			'draft',
			'published',
			'published',
			'published'
		]);
		expect((await listEvents(db, null)).map((e) => e.kind)).toEqual(['webinaire']); // public agenda: open to every buyer
	});

	it('populates the training figures of the collectivité and of the network', async () => {
		const year = Number(
			new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris', year: 'numeric' }).format(forumStart())
		);
		const org = await orgFigures(db, ADMIN, AURENCE, year);
		// Two people of the Val d'Aurence attended 1 h 30 + 1 h 15 + two 1-hour workshops = 4 h 45 each.
		expect(org.people_trained).toBe(2);
		expect(org.hours).toBe(9.5);
		expect(org.referents).toBe(6);
		expect(org.referents_share).toBeCloseTo(2 / 6);
		const net = await networkFigures(db, ANIMATRICE, NETWORK, year);
		expect(net.totals.people_trained).toBe(7);
		expect(net.events.find((e) => e.id === FORUM)).toMatchObject({ registered: 8, present: 7 });
	});

	it('publishes the public agenda as an iCalendar feed, for all networks or one', async () => {
		for (const slug of [null, 'reseau-achats-responsables-sud-ouest']) {
			const cal = new ICAL.Component(ICAL.parse(await agendaIcs(db, slug)));
			const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
			expect(events.map((e) => e.summary)).toEqual([
				'Webinaire : considérations environnementales dans les marchés de travaux'
			]);
			expect(events[0].uid).toMatch(/@evenements\.spaser-commun$/);
			expect(events[0].endDate.toJSDate().getTime() - events[0].startDate.toJSDate().getTime()).toBe(90 * 60_000);
		}
		expect(await agendaIcs(db, 'un-autre-reseau')).not.toContain('BEGIN:VEVENT');
	});

	function forumStart() {
		const d = new Date();
		d.setDate(d.getDate() - 42);
		return d;
	}
});
