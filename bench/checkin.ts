// Events check-in benchmark: `npm run bench -- checkin` (or `npx tsx bench/checkin.ts`), on a throwaway PostgreSQL 15.
//
// A forum with 2 000 confirmed registrations (a plenary for everyone, then two parallel workshops of 1 000 places
// each), plus 100 people on the waiting list. 10 concurrent scanners check everybody in at the plenary and at their
// workshop through the real service (`checkIn`: one withUser transaction, RLS, the security-definer function that
// checks the registration, its status and its choices), by QR code. Every 10th scan is a second scan of the same
// badge (must count once), and the waiting-list badges are scanned too (must be refused).
//
// Peer, measured in the same run: the same number of check-ins as plain INSERTs into event_checkins (service role,
// one autocommit statement each, no checks), by 10 concurrent clients.
//
// overbooked = live check-ins beyond a session's capacity + duplicate live check-ins + check-ins of registrations
// that are not confirmed for that session. Must be 0.
//
// Last line: RESULT checkins_per_s=… peer_inserts_per_s=… ratio=… overbooked=…
// Env: BENCH_PG_FSYNC=1 for fsync on.
import { randomUUID } from 'node:crypto';
import { asService, serviceStatement, type Actor } from '../src/lib/server/db';
import { migrate } from '../src/lib/server/db/migrate';
import { openPostgres } from '../src/lib/server/db/postgres';
import { checkIn } from '../src/lib/server/events/attendance';
import { AppError } from '../src/lib/server/kit/errors';
import { percentile, round, table } from './lib/stats.js';
import { createDatabase, startTempPostgres } from '../scripts/lib/pg-temp.js';

const REGISTRATIONS = 2000;
const WAITING = 100;
const SCANNERS = 10;

async function main() {
	const pg = await startTempPostgres({ fsync: process.env.BENCH_PG_FSYNC === '1' });
	try {
		const url = await createDatabase(pg.url, 'bench_checkin');
		const db = openPostgres(url, { max: SCANNERS + 4 });
		await migrate(db);

		const networkId = randomUUID();
		const eventId = randomUUID();
		const groupId = randomUUID();
		const plenary = randomUUID();
		const workshops = [randomUUID(), randomUUID()];
		const peerSession = randomUUID();
		const animator: Actor = { id: randomUUID(), email: 'anim@bench.example.test' };
		await asService(db, 'bench setup', async (tx) => {
			await tx.query(
				`insert into public.users (id, email, display_name, email_verified_at) values ($1, $2, 'Animatrice', now())`,
				[animator.id, animator.email]
			);
			await tx.query(`insert into public.networks (id, slug, name) values ($1, 'reseau-bench', 'Réseau bench')`, [
				networkId
			]);
			await tx.query(`insert into public.network_animators (network_id, user_id) values ($1, $2)`, [
				networkId,
				animator.id
			]);
			await tx.query(
				// Happening now (check-in only opens near a session: here from 24 h before, whatever the time of day).
				`insert into public.events (id, kind, title, organiser_network_id, audience, starts_at, ends_at, capacity, status, checkin_opens_minutes)
				 values ($1, 'forum', 'Forum bench', $2, 'network', now() - interval '1 hour', now() + interval '7 hours', $3, 'published', 1440)`,
				[eventId, networkId, REGISTRATIONS]
			);
			await tx.query(`insert into public.event_choice_groups (id, event_id, title) values ($1, $2, 'Ateliers')`, [
				groupId,
				eventId
			]);
			await tx.query(
				`insert into public.event_sessions (id, event_id, choice_group_id, title, starts_at, ends_at, capacity) values
				 ($1, $4, null, 'Plénière', now() - interval '1 hour', now() + interval '30 minutes', null),
				 ($2, $4, $5, 'Atelier A', now() + interval '1 hour', now() + interval '150 minutes', $6),
				 ($3, $4, $5, 'Atelier B', now() + interval '1 hour', now() + interval '150 minutes', $6),
				 ($7, $4, null, 'Clôture (peer)', now() + interval '6 hours', now() + interval '7 hours', null)`,
				[plenary, workshops[0], workshops[1], eventId, groupId, REGISTRATIONS / 2, peerSession]
			);
			// Registrations in bulk (the registration path itself is measured by the integration tests).
			await tx.query(
				`insert into public.event_registrations (event_id, full_name, email, status)
				 select $1, 'Participant ' || g, 'p' || g || '@bench.example.test', case when g <= $2::int then 'confirmed' else 'waitlisted' end
				   from generate_series(1, $2::int + $3::int) g`,
				[eventId, REGISTRATIONS, WAITING]
			);
			await tx.query(
				`insert into public.event_registration_choices (registration_id, choice_group_id, session_id)
				 select r.id, $2, case when row_number() over (order by r.arrival) % 2 = 0 then $3::uuid else $4::uuid end
				   from public.event_registrations r where r.event_id = $1`,
				[eventId, groupId, workshops[0], workshops[1]]
			);
		});
		const regs = await db.query<{ id: string; code: string; status: string; workshop: string }>(
			`select r.id, r.checkin_code as code, r.status, c.session_id as workshop
			   from public.event_registrations r join public.event_registration_choices c on c.registration_id = r.id
			  where r.event_id = $1 order by r.arrival`,
			[eventId]
		);

		// The scans: everyone at the plenary and at their workshop; every 10th badge scanned twice; waiting list too.
		const scans: { session: string; code: string; confirmed: boolean }[] = [];
		regs.forEach((r, i) => {
			scans.push({ session: plenary, code: r.code, confirmed: r.status === 'confirmed' });
			scans.push({ session: r.workshop, code: r.code, confirmed: r.status === 'confirmed' });
			if (i % 10 === 0) scans.push({ session: plenary, code: r.code, confirmed: r.status === 'confirmed' });
		});
		for (let i = scans.length - 1; i > 0; i--) {
			const j = (i * 7919) % (i + 1); // deterministic shuffle
			[scans[i], scans[j]] = [scans[j], scans[i]];
		}

		let next = 0;
		let ok = 0;
		let already = 0;
		let refused = 0;
		let other = 0;
		const latencies: number[] = [];
		const t0 = performance.now();
		await Promise.all(
			Array.from({ length: SCANNERS }, async () => {
				while (next < scans.length) {
					const scan = scans[next++];
					const s = performance.now();
					try {
						const r = await checkIn(db, animator, scan.session, { code: scan.code }, 'qr');
						if (r.already) already++;
						else ok++;
						latencies.push(performance.now() - s);
					} catch (e) {
						if (e instanceof AppError && e.code === 'not_registered_for_session' && !scan.confirmed) refused++;
						else {
							other++;
							if (other < 3) console.error(e);
						}
					}
				}
			})
		);
		const elapsed = (performance.now() - t0) / 1000;
		const processed = ok + already + refused;

		// Peer: plain inserts, no checks, same concurrency, as many rows as real check-ins.
		const confirmed = regs.filter((r) => r.status === 'confirmed');
		let p = 0;
		const peerCount = ok;
		const p0 = performance.now();
		await Promise.all(
			Array.from({ length: SCANNERS }, async () => {
				while (p < peerCount) {
					const r = confirmed[p++ % confirmed.length];
					await serviceStatement(
						db,
						'bench peer',
						`insert into public.event_checkins (registration_id, session_id, method) values ($1, $2, 'qr') on conflict do nothing`,
						[r.id, peerSession]
					);
				}
			})
		);
		const peerElapsed = (performance.now() - p0) / 1000;

		const [{ n: overbooked }] = await db.query<{ n: number }>(
			`select
			   (select coalesce(sum(greatest(0, n - s.capacity)), 0) from public.event_sessions s
			      join (select session_id, count(*) as n from public.event_checkins where undone_at is null group by session_id) c on c.session_id = s.id
			     where s.capacity is not null and s.event_id = $1)
			 + (select count(*) from (select 1 from public.event_checkins where undone_at is null and session_id <> $2
			                           group by registration_id, session_id having count(*) > 1) d)
			 + (select count(*) from public.event_checkins c join public.event_registrations r on r.id = c.registration_id
			                     join public.event_sessions s on s.id = c.session_id
			     where c.undone_at is null and c.session_id <> $2
			       and (r.status <> 'confirmed' or (s.choice_group_id is not null and not exists (
			             select 1 from public.event_registration_choices x where x.registration_id = r.id and x.session_id = s.id))))
			 as n`,
			[eventId, peerSession]
		);
		const [{ n: recorded }] = await db.query<{ n: number }>(
			`select count(*)::int as n from public.event_checkins where undone_at is null and session_id <> $1`,
			[peerSession]
		);

		const perS = processed / elapsed;
		const peerPerS = peerCount / peerElapsed;
		console.log(
			`PostgreSQL 15 (fsync ${process.env.BENCH_PG_FSYNC === '1' ? 'on' : 'off'}), ${REGISTRATIONS} confirmed registrations + ${WAITING} waiting, ${SCANNERS} concurrent scanners.`
		);
		console.log(
			table(
				['check-in path', 'scans', 'recorded', 'already', 'refused', 'errors', 'per s', 'p50 ms', 'p95 ms'],
				[
					[
						'checkIn (RLS + checks)',
						scans.length,
						ok,
						already,
						refused,
						other,
						round(perS),
						round(percentile(latencies, 50)),
						round(percentile(latencies, 95))
					],
					['peer: plain INSERT', peerCount, peerCount, 0, 0, 0, round(peerPerS), '', '']
				]
			)
		);
		console.log(
			`live check-ins recorded: ${recorded} (expected ${REGISTRATIONS * 2}); ratio to the peer: ${round(perS / peerPerS, 2)}`
		);
		await db.close();
		console.log(
			`RESULT checkins_per_s=${round(perS)} peer_inserts_per_s=${round(peerPerS)} ratio=${round(perS / peerPerS, 2)} overbooked=${Number(overbooked)}`
		);
		if (other || recorded !== REGISTRATIONS * 2 || refused !== scans.filter((s) => !s.confirmed).length)
			process.exitCode = 1;
	} finally {
		await pg.stop();
	}
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
