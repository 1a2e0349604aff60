// Nightly publication of the consolidated benchmark statistics (docs/benchmark-privacy.md): once a day after
// BENCHMARK_PUBLISH_HOUR (UTC, default 2), the first instance whose check runs publishes; the database serialises
// publications (advisory lock) and the « due » check runs again under it, so several instances publish once.
import type { Database } from '../db';
import { asService } from '../db';
import { log } from '$lib/server/kit/log';
import { startJob } from '$lib/server/kit/jobs';
import { config } from '$lib/server/kit/config';

const HOUR = 60 * 60 * 1000;

function publishHour(): number {
	return config.benchmarkPublishHour;
}

/** The latest nightly boundary at or before `now` (today's or yesterday's publish hour, UTC). */
export function lastBoundary(now: Date, hour = publishHour()): Date {
	const b = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour));
	return b.getTime() > now.getTime() ? new Date(b.getTime() - 24 * HOUR) : b;
}

/** Publishes when no publication happened since the latest boundary; returns the new publication id, or null. */
export async function publishIfDue(db: Database, now = new Date()): Promise<string | null> {
	return asService(db, 'benchmark: nightly publication', async (tx) => {
		await tx.query('select pg_advisory_xact_lock(727002)');
		const [last] = await tx.query<{ at: Date | string | null }>(
			'select max(published_at) as at from public.benchmark_publications'
		);
		if (last?.at && new Date(last.at).getTime() >= lastBoundary(now).getTime()) return null;
		const [row] = await tx.query<{ id: string }>(`select app.benchmark_publish_now('nightly') as id`);
		return row.id;
	});
}

/** Checks every `intervalMs` (10 minutes by default) whether the nightly publication is due. */
export function startBenchmarkPublisher(db: Database, intervalMs = 10 * 60_000): () => Promise<void> {
	const job = startJob(
		'benchmark publication',
		async () => {
			const id = await publishIfDue(db);
			if (id) log.info('benchmark statistics published', { publication: id });
		},
		{ intervalMs, firstRunMs: null }
	);
	return job.stop;
}
