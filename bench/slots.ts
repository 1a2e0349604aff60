// Guichet vert benchmark: `npm run bench -- slots` (or `npx tsx bench/slots.ts`), on a throwaway PostgreSQL 15.
//
//   1. Free slots: one network, 20 animators (Mon–Fri 09:00–17:00, 1 h sessions, 15 min buffer after), 500
//      existing bookings in March 2030 (the month with the spring DST change). Time of one request computing the
//      whole month of free slots for "any animator" (20 animators merged, fair distribution), through the real
//      service (RLS, one transaction): median and p95 of N runs.
//   2. Bookings per second: 20 concurrent clients, each booking in a loop (random buyer among 200, random free
//      slot of April among a limited set so that clients collide) through the real bookSession (checks, insert,
//      history, e-mails with ICS) for a fixed duration. Successful bookings per second; refusals are counted.
//   3. Double bookings: a SQL self-join over live bookings whose blocked ranges overlap for one animator (must be 0).
//
// Last line: RESULT slots_month_ms=… bookings_per_s=… double_bookings=…
// Env: BENCH_SLOTS_RUNS (default 30), BENCH_SLOTS_SECONDS (default 10), BENCH_PG_FSYNC=1 for fsync on.
import { randomUUID } from 'node:crypto';
import { asService, type Actor } from '../src/lib/server/db';
import { migrate } from '../src/lib/server/db/migrate';
import { openPostgres } from '../src/lib/server/db/postgres';
import { bookSession } from '../src/lib/server/guichet/bookings';
import { listFreeSlots } from '../src/lib/server/guichet/availability';
import { blockedRange, freeSlots, type AvailabilityRules } from '../src/lib/server/guichet/slots';
import { AppError } from '../src/lib/server/kit/errors';
import { percentile, round, table } from './lib/stats.js';
import { createDatabase, startTempPostgres } from '../scripts/lib/pg-temp.js';

const RUNS = Number(process.env.BENCH_SLOTS_RUNS ?? 30);
const SECONDS = Number(process.env.BENCH_SLOTS_SECONDS ?? 10);
const ANIMATORS = 20;
const EXISTING = 500;
const BUYERS = 200;
const CLIENTS = 20;
const NOW = new Date('2030-02-25T08:00:00Z');
const MARCH = [new Date('2030-02-28T23:00:00Z'), new Date('2030-03-31T22:00:00Z')] as const;
const APRIL = [new Date('2030-03-31T22:00:00Z'), new Date('2030-04-30T22:00:00Z')] as const;

const rules: AvailabilityRules = {
	weekly: [1, 2, 3, 4, 5].map((weekday) => ({ weekday: weekday as 1, start: '09:00', end: '17:00' })),
	sessionMinutes: 60,
	bufferBeforeMinutes: 0,
	bufferAfterMinutes: 15,
	minNoticeMinutes: 120,
	horizonDays: 90,
	maxPerDay: null,
	exceptions: [],
	slotStepMinutes: 60
};
const range = (s: { start: Date; end: Date }) => `[${s.start.toISOString()},${s.end.toISOString()})`;
// Deterministic pseudo-random numbers (mulberry32), so that runs are comparable.
let seed = 42;
const rand = () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];

async function main() {
	const pg = await startTempPostgres({ fsync: process.env.BENCH_PG_FSYNC === '1' });
	try {
		const url = await createDatabase(pg.url, 'bench_slots');
		const db = openPostgres(url, { max: CLIENTS + 4 });
		await migrate(db);

		// ---- World
		const networkId = randomUUID();
		const animators: string[] = [];
		const buyers: Actor[] = [];
		await asService(db, 'bench setup', async (tx) => {
			const user = async (label: string) => {
				const [u] = await tx.query<{ id: string }>(
					`insert into public.users (email, display_name, email_verified_at) values ($1, $2, now()) returning id`,
					[`${label}@bench.example.test`, `Personne ${label}`]
				);
				return u.id;
			};
			await tx.query(`insert into public.networks (id, slug, name) values ($1, 'reseau-bench', 'Réseau bench')`, [
				networkId
			]);
			for (let a = 0; a < ANIMATORS; a++) {
				const id = await user(`anim${a}`);
				animators.push(id);
				await tx.query(`insert into public.network_animators (network_id, user_id) values ($1, $2)`, [networkId, id]);
				const [p] = await tx.query<{ id: string }>(
					`insert into public.guichet_profiles (network_id, animator_id, session_minutes, buffer_before_minutes, buffer_after_minutes,
					   min_notice_minutes, horizon_days, slot_step_minutes, visio_url)
					 values ($1, $2, 60, 0, 15, 120, 90, 60, 'https://visio.example.test') returning id`,
					[networkId, id]
				);
				for (const w of rules.weekly)
					await tx.query(
						`insert into public.guichet_hours (profile_id, weekday, start_time, end_time) values ($1, $2, '09:00', '17:00')`,
						[p.id, w.weekday]
					);
			}
			let orgId = '';
			for (let b = 0; b < BUYERS; b++) {
				const id = await user(`buyer${b}`);
				if (b % 10 === 0) {
					orgId = randomUUID();
					await tx.query(
						`insert into public.organisations (id, slug, name, kind, created_by) values ($1, $2, $3, 'commune', $4)`,
						[orgId, `commune-${b}`, `Commune ${b}`, id]
					);
					await tx.query(
						`insert into public.network_memberships (network_id, org_id, status, requested_by, decided_by, decided_at) values ($1, $2, 'approved', $3, $3, now())`,
						[networkId, orgId, id]
					);
				} else
					await tx.query(`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor')`, [
						orgId,
						id
					]);
				buyers.push({ id, email: `buyer${b}@bench.example.test` });
			}
			// 500 existing bookings in March, on free slots of each animator (25 each).
			for (let i = 0; i < EXISTING; i++) {
				const anim = animators[i % ANIMATORS];
				const taken = await tx.query<{ s: Date; e: Date }>(
					`select lower(during) as s, upper(during) as e from public.guichet_bookings where animator_id = $1`,
					[anim]
				);
				const free = freeSlots(
					rules,
					taken.map((t) => ({ start: new Date(t.s), end: new Date(t.e) })),
					MARCH[0],
					MARCH[1],
					NOW
				);
				const slot = pick(free);
				const booker = buyers[i % BUYERS];
				const [req] = await tx.query<{ id: string }>(
					`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, stage, question)
					 select $1, m.org_id, $2, 'session', 'Sujet', 'execution', 'Question' from public.organisation_members m where m.user_id = $2 returning id`,
					[networkId, booker.id]
				);
				await tx.query(
					`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
					 select $1, $2, $3, $4, m.org_id, $5::tstzrange, $6::tstzrange, 'visio', 'confirmed'
					   from public.organisation_members m where m.user_id = $4
					 on conflict do nothing`,
					[req.id, networkId, anim, booker.id, range(slot), range(blockedRange(rules, slot))]
				);
			}
		});
		const [{ n: existing }] = await db.query<{ n: number }>(`select count(*)::int as n from public.guichet_bookings`);

		// ---- 1. A month of free slots for 20 animators
		const times: number[] = [];
		let slotCount = 0;
		for (let r = 0; r < RUNS + 3; r++) {
			const t0 = performance.now();
			const slots = await listFreeSlots(db, buyers[r % BUYERS], networkId, {
				animatorId: 'any',
				from: MARCH[0],
				to: MARCH[1],
				now: NOW
			});
			const ms = performance.now() - t0;
			if (r >= 3) times.push(ms); // 3 warm-up runs
			slotCount = slots.length;
		}
		const perAnimator: number[] = [];
		for (let r = 0; r < RUNS; r++) {
			const t0 = performance.now();
			await listFreeSlots(db, buyers[r % BUYERS], networkId, {
				animatorId: animators[r % ANIMATORS],
				from: MARCH[0],
				to: MARCH[1],
				now: NOW
			});
			perAnimator.push(performance.now() - t0);
		}

		// ---- 2. Bookings per second under 20 concurrent clients
		// Candidate slots of April: 10 per animator, so that clients collide on a popular subset.
		const candidates = animators.flatMap((anim) =>
			freeSlots(rules, [], APRIL[0], APRIL[1], NOW)
				.filter((_, i) => i % 14 === 0)
				.map((s) => ({ anim, start: s.start }))
		);
		let ok = 0;
		let taken = 0;
		let overlap = 0;
		let other = 0;
		const latencies: number[] = [];
		const deadline = performance.now() + SECONDS * 1000;
		const t0 = performance.now();
		await Promise.all(
			Array.from({ length: CLIENTS }, async () => {
				while (performance.now() < deadline) {
					const c = pick(candidates);
					const s = performance.now();
					try {
						await bookSession(db, pick(buyers), {
							networkId,
							animatorId: c.anim,
							start: c.start,
							topic: 'Bench',
							stage: 'execution',
							question: 'Question de test',
							modality: 'visio',
							now: NOW
						});
						ok++;
						latencies.push(performance.now() - s);
					} catch (e) {
						if (e instanceof AppError && e.code === 'slot_taken') taken++;
						else if (e instanceof AppError && e.code === 'booker_overlap') overlap++;
						else {
							other++;
							if (other < 3) console.error(e);
						}
					}
				}
			})
		);
		const elapsed = (performance.now() - t0) / 1000;

		// ---- 3. Double bookings (SQL self-join)
		const [{ n: doubles }] = await db.query<{ n: number }>(
			`select count(*)::int as n from public.guichet_bookings a join public.guichet_bookings b
			   on a.animator_id = b.animator_id and a.id < b.id and a.blocked && b.blocked
			  where a.status in ('pending', 'confirmed') and b.status in ('pending', 'confirmed')`
		);
		const [{ n: bookerDoubles }] = await db.query<{ n: number }>(
			`select count(*)::int as n from public.guichet_bookings a join public.guichet_bookings b
			   on a.booker_id = b.booker_id and a.id < b.id and a.during && b.during
			  where a.status in ('pending', 'confirmed') and b.status in ('pending', 'confirmed')`
		);

		console.log(
			`PostgreSQL 15 (fsync ${process.env.BENCH_PG_FSYNC === '1' ? 'on' : 'off'}), ${ANIMATORS} animators, ${existing} existing bookings in March 2030.`
		);
		console.log(
			table(
				['free slots, one month (March 2030)', 'runs', 'median ms', 'p95 ms', 'slots'],
				[
					['any animator (20 merged)', RUNS, round(percentile(times, 50)), round(percentile(times, 95)), slotCount],
					['one animator', RUNS, round(percentile(perAnimator, 50)), round(percentile(perAnimator, 95)), '']
				]
			)
		);
		console.log(
			table(
				[
					`bookings, ${CLIENTS} clients, ${round(elapsed)} s`,
					'booked',
					'slot taken',
					'own overlap',
					'other errors',
					'per s',
					'p50 ms',
					'p95 ms'
				],
				[
					[
						'bookSession',
						ok,
						taken,
						overlap,
						other,
						round(ok / elapsed),
						round(percentile(latencies, 50)),
						round(percentile(latencies, 95))
					]
				]
			)
		);
		console.log(`double bookings: animator ${doubles}, booker ${bookerDoubles}`);
		await db.close();
		console.log(
			`RESULT slots_month_ms=${round(percentile(times, 50))} bookings_per_s=${round(ok / elapsed)} double_bookings=${doubles + bookerDoubles}`
		);
		if (other) process.exitCode = 1;
	} finally {
		await pg.stop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
