/**
 * The app's settings, read once from the environment through the one table of names, types and defaults
 * (./settings.js, which the README's « Configuration » table mirrors). Nothing else in the app reads `process.env`.
 */
import { readSetting } from './settings.js';

type Env = Record<string, string | undefined>;

/** Every setting of the app, typed, from `env` (tests build one from a fixed environment). */
export function readConfig(env: Env = process.env) {
	const str = (name: string) => readSetting(name, env) as string | undefined;
	const num = (name: string) => readSetting(name, env) as number;
	const on = (name: string) => readSetting(name, env) as boolean;
	return {
		databaseUrl: str('DATABASE_URL'),
		databasePoolSize: num('DATABASE_POOL_SIZE'),
		collabPoolSize: num('COLLAB_POOL_SIZE'),
		databasePrepare: on('DATABASE_PREPARE'),
		dataDir: str('DATA_DIR')!,
		migrationsDir: str('MIGRATIONS_DIR')!,
		seedFile: str('SEED_FILE')!,
		/** Public URL without a trailing slash (e-mail links, collaboration origins). */
		origin: str('ORIGIN')!.replace(/\/$/, ''),
		/** Set explicitly (adapter-node then trusts it instead of the request's Host header). */
		originSet: Boolean(env.ORIGIN),
		port: num('PORT'),
		host: str('HOST')!,
		smtpUrl: str('SMTP_URL'),
		smtpFrom: str('SMTP_FROM')!,
		production: str('NODE_ENV') === 'production',
		demoData: on('DEMO_DATA'),
		outboxWorker: on('OUTBOX_WORKER'),
		guichetReminders: on('GUICHET_REMINDERS'),
		eventsWorker: on('EVENTS_WORKER'),
		maintenance: on('MAINTENANCE'),
		benchmarkPublisher: on('BENCHMARK_PUBLISHER'),
		benchmarkPublishHour: num('BENCHMARK_PUBLISH_HOUR'),
		retentionDays: {
			OUTBOX_SENT_DAYS: num('RETENTION_OUTBOX_SENT_DAYS'),
			OUTBOX_FAILED_DAYS: num('RETENTION_OUTBOX_FAILED_DAYS'),
			AUTH_TOKENS_DAYS: num('RETENTION_AUTH_TOKENS_DAYS'),
			IMPORT_DRAFTS_DAYS: num('RETENTION_IMPORT_DRAFTS_DAYS'),
			AUDIT_DAYS: num('RETENTION_AUDIT_DAYS')
		},
		projectionDelayMs: num('PROJECTION_DELAY_MS'),
		logRequests: on('LOG_REQUESTS'),
		logSilent: str('LOG_LEVEL') === 'silent',
		logFile: str('LOG_FILE') ?? '',
		logEmailBodies: on('LOG_EMAIL_BODIES'),
		debugEvents: on('DEBUG_EVENTS'),
		collabProfile: on('COLLAB_PROFILE'),
		login: {
			perAccountAddress: num('LOGIN_LIMIT_PER_ACCOUNT_ADDRESS'),
			perIp: num('LOGIN_LIMIT_PER_IP'),
			slowdownAfter: num('LOGIN_SLOWDOWN_AFTER'),
			slowdownMaxMs: num('LOGIN_SLOWDOWN_MAX_MS'),
			passwordChecks: num('PASSWORD_CHECK_LIMIT'),
			signupPerIp: num('SIGNUP_LIMIT_PER_IP')
		},
		files: {
			workers: num('FILE_WORKERS'),
			queue: num('FILE_WORKER_QUEUE'),
			perUser: num('FILE_WORKER_PER_USER'),
			queueWaitMs: num('FILE_WORKER_QUEUE_MS')
		},
		/** Only when set: otherwise the newest installed cluster tools are looked for (db/backup.ts). */
		pgBin: env.PG_BIN || undefined
	};
}

export type Config = ReturnType<typeof readConfig>;

/** This process's settings. */
export const config: Config = readConfig();
