// Retention: what the platform keeps, and for how long (documented in README « Operations »; periods in kit/settings.js). One job, run hourly
// by every instance; a transaction-scoped advisory lock lets only one of them work at a time (the others skip).
import { INACTIVITY_TIMEOUT_MS } from './auth/session';
import { asService, type Database } from './db';
import { log } from '$lib/server/kit/log';
import { startJob } from '$lib/server/kit/jobs';
import { config } from '$lib/server/kit/config';

const DAY = 24 * 60 * 60 * 1000;

/** Retention periods, in days: `RETENTION_<NAME>` settings (defaults and meanings in kit/settings.js). */
const days = (name: keyof typeof config.retentionDays) => config.retentionDays[name];

/** A fixed key of pg_advisory_xact_lock for this job. */
const LOCK_KEY = 727_001;

export type MaintenanceReport = Record<
	'outbox' | 'sessions' | 'authTokens' | 'rateLimits' | 'importDrafts' | 'audit',
	number
>;

/** Runs one pass; null when another instance holds the lock. `now` is for tests. */
export async function runMaintenance(db: Database, now = new Date()): Promise<MaintenanceReport | null> {
	return asService(db, 'maintenance: retention', async (tx) => {
		const [lock] = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [LOCK_KEY]);
		if (!lock?.ok) return null;
		const before = (ms: number) => new Date(now.getTime() - ms);
		const count = async (sql: string, params: unknown[]) => (await tx.query(sql + ' returning 1', params)).length;
		return {
			outbox: await count(
				'delete from public.email_outbox where (sent_at is not null and sent_at < $1) or (failed_at is not null and failed_at < $2)',
				[before(days('OUTBOX_SENT_DAYS') * DAY), before(days('OUTBOX_FAILED_DAYS') * DAY)]
			),
			sessions: await count('delete from public.sessions where last_verified_at < $1', [before(INACTIVITY_TIMEOUT_MS)]),
			authTokens: await count('delete from public.auth_tokens where expires_at < $1 or used_at < $1', [
				before(days('AUTH_TOKENS_DAYS') * DAY)
			]),
			rateLimits: await count(
				'delete from public.rate_limits where window_started_at < $1 and (blocked_until is null or blocked_until < $2)',
				[before(DAY), now]
			),
			importDrafts: await count('delete from public.spaser_imports where document_id is null and created_at < $1', [
				before(days('IMPORT_DRAFTS_DAYS') * DAY)
			]),
			audit: await count('delete from public.audit_log where at < $1', [before(days('AUDIT_DAYS') * DAY)])
		};
	});
}

export function startMaintenance(db: Database, intervalMs = 60 * 60_000): () => Promise<void> {
	const job = startJob(
		'retention',
		async () => {
			const report = await runMaintenance(db);
			if (report && Object.values(report).some((n) => n > 0)) log.info('retention: old rows removed', report);
		},
		{ intervalMs, firstRunMs: 60_000 }
	);
	return job.stop;
}
