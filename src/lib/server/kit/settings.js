// @ts-check
/**
 * Every setting of SPASER Commun, in one table: its environment variable, type, default and meaning. The README's
 * « Configuration » table lists the same names with the same defaults (tests/unit/config.test.ts), and nothing else
 * reads `process.env`: the app reads `config` (./config.ts), server.js and scripts/start.js call `readSettings`.
 *
 * Plain JavaScript so that server.js and scripts/start.js, which node runs without a build, read the same table.
 *
 * Types: `string`; `number` (a value that is not a number within [min, max] falls back to the default); `switch`
 * (on unless set to `0`); `flag` (`1` on, any other value off, unset → default); `boolean` (`false` off, anything
 * else on). `default` may depend on the rest of the environment (e.g. NODE_ENV); `shown` is then how the README
 * states it. `scope: 'tests'` marks the knobs of the test and bench tooling (read by scripts/test.js and
 * tests/helpers, never by the app); `scope: 'adapter'` the ones adapter-node reads by itself.
 */
import { cpus } from 'node:os';

/** @typedef {Record<string, string | undefined>} Env */
/**
 * @typedef {object} Setting
 * @property {string} name
 * @property {'string' | 'number' | 'switch' | 'flag' | 'boolean'} type
 * @property {string | ((env: Env) => string | undefined)} [default]
 * @property {string} [shown]
 * @property {number} [min]
 * @property {number} [max]
 * @property {'app' | 'adapter' | 'tests'} [scope]
 * @property {string} doc
 */

const production = (/** @type {Env} */ env) => env.NODE_ENV === 'production';

/** @type {readonly Setting[]} */
export const SETTINGS = [
	// Database
	{
		name: 'DATABASE_URL',
		type: 'string',
		doc: 'PostgreSQL 15+ connection string. Unset: embedded PGlite in `DATA_DIR`.'
	},
	{ name: 'DATABASE_POOL_SIZE', type: 'number', default: '10', min: 1, doc: 'Connections in the postgres.js pool.' },
	{
		name: 'COLLAB_POOL_SIZE',
		type: 'number',
		default: '3',
		min: 1,
		doc: 'With PostgreSQL: connections of the collaboration log (its own pool, so edits are stored and relayed to other instances without waiting behind page requests).'
	},
	{
		name: 'DATABASE_PREPARE',
		type: 'boolean',
		default: 'true',
		doc: 'Set `false` behind a transaction-mode pooler (PgBouncer, Supavisor port 6543).'
	},
	{
		name: 'DATA_DIR',
		type: 'string',
		default: './.data',
		doc: 'PGlite data folder. One process per folder (a lock file refuses a second one).'
	},
	{
		name: 'MIGRATIONS_DIR',
		type: 'string',
		default: 'supabase/migrations',
		doc: 'Folder of the SQL migrations applied at start-up.'
	},
	{
		name: 'SEED_FILE',
		type: 'string',
		default: 'supabase/seed.sql',
		doc: 'Demo data loaded when `DEMO_DATA` is on (then the `seeds/*.sql` files next to it).'
	},
	// HTTP
	{
		name: 'ORIGIN',
		type: 'string',
		default: (env) => `http://localhost:${env.PORT || '3000'}`,
		shown: '`http://localhost:$PORT`',
		doc: 'Public URL of the app (adapter-node). **Required behind a proxy or with HTTPS**: form posts whose `Origin` differs are refused, and e-mail links use it.'
	},
	{ name: 'PORT', type: 'number', default: '3000', min: 0, max: 65535, doc: 'HTTP port.' },
	{ name: 'HOST', type: 'string', default: '0.0.0.0', doc: 'Listen address.' },
	{
		name: 'BODY_SIZE_LIMIT',
		type: 'string',
		default: '12M',
		scope: 'adapter',
		doc: 'Largest request body (adapter-node): logos and attachments are files of up to 10 MB.'
	},
	{
		name: 'ADDRESS_HEADER',
		type: 'string',
		scope: 'adapter',
		doc: "Behind a proxy or load balancer: the header holding the client's address (e.g. `X-Forwarded-For`), so that the per-address limits count clients, not the proxy (see `docs/deployment.md`)."
	},
	{
		name: 'XFF_DEPTH',
		type: 'string',
		scope: 'adapter',
		doc: 'With `ADDRESS_HEADER=X-Forwarded-For`: the number of trusted proxies.'
	},
	// E-mail
	{
		name: 'SMTP_URL',
		type: 'string',
		doc: 'e.g. `smtp://user:pass@smtp.example.org:587`. Unset: e-mails stay in the outbox, readable by a platform administrator at `/admin/emails`, and are written to the log.'
	},
	{
		name: 'SMTP_FROM',
		type: 'string',
		default: 'SPASER Commun <no-reply@spaser-commun.localhost>',
		doc: 'Sender of the e-mails.'
	},
	// Demo and background jobs
	{
		name: 'NODE_ENV',
		type: 'string',
		doc: '`production` turns the defaults of `DEMO_DATA` and `LOG_EMAIL_BODIES` off.'
	},
	{
		name: 'DEMO_DATA',
		type: 'flag',
		default: (env) => (production(env) ? '0' : '1'),
		shown: '`1`, or `0` when `NODE_ENV=production`',
		doc: 'Load the fictional demo data (`supabase/seed.sql`) at start-up.'
	},
	{
		name: 'OUTBOX_WORKER',
		type: 'switch',
		doc: '`0` disables e-mail delivery in this instance (run it in one instance only, if you prefer).'
	},
	{
		name: 'GUICHET_REMINDERS',
		type: 'switch',
		doc: '`0` stops the Guichet vert reminders (the day before each confirmed session) on this instance.'
	},
	{
		name: 'EVENTS_WORKER',
		type: 'switch',
		doc: '`0` stops handing waiting-list offers nobody answered in time to the next person, on this instance.'
	},
	{
		name: 'MAINTENANCE',
		type: 'switch',
		doc: '`0` stops the hourly retention job on this instance (see « Operations »).'
	},
	{
		name: 'BENCHMARK_PUBLISHER',
		type: 'switch',
		doc: '`0` stops the nightly publication of the benchmark statistics on this instance (any instance may run it; they publish once).'
	},
	{
		name: 'BENCHMARK_PUBLISH_HOUR',
		type: 'number',
		default: '2',
		min: 0,
		max: 23,
		doc: "Hour (UTC, 0–23) after which the day's benchmark publication is due (docs/benchmark-privacy.md)."
	},
	{
		name: 'RETENTION_OUTBOX_SENT_DAYS',
		type: 'number',
		default: '90',
		min: 1,
		doc: 'Days a delivered e-mail is kept.'
	},
	{
		name: 'RETENTION_OUTBOX_FAILED_DAYS',
		type: 'number',
		default: '180',
		min: 1,
		doc: 'Days an e-mail given up on is kept.'
	},
	{
		name: 'RETENTION_AUTH_TOKENS_DAYS',
		type: 'number',
		default: '7',
		min: 1,
		doc: 'Days a one-time link (verification, reset) is kept after use or expiry.'
	},
	{
		name: 'RETENTION_IMPORT_DRAFTS_DAYS',
		type: 'number',
		default: '7',
		min: 1,
		doc: 'Days an unconfirmed SPASER import is kept.'
	},
	{
		name: 'RETENTION_AUDIT_DAYS',
		type: 'number',
		default: '1825',
		min: 1,
		doc: 'Days the audit log is kept (five years).'
	},
	// Collaboration
	{
		name: 'PROJECTION_DELAY_MS',
		type: 'number',
		default: '2000',
		min: 0,
		doc: 'Debounce of the projection of a SPASER document into `spaser_nodes` / `spaser_targets` after changes.'
	},
	// Logs
	{ name: 'LOG_REQUESTS', type: 'switch', doc: '`0` stops the one-line-per-request log.' },
	{ name: 'LOG_LEVEL', type: 'string', shown: '*(all)*', doc: '`silent` turns logging off (tests).' },
	{
		name: 'LOG_FILE',
		type: 'string',
		doc: 'Also append every log line to this file (the e2e suite reads it back to check that no secret is logged).'
	},
	{
		name: 'LOG_EMAIL_BODIES',
		type: 'flag',
		default: (env) => (production(env) ? '0' : '1'),
		shown: '`1`, or `0` when `NODE_ENV=production`',
		doc: 'Without `SMTP_URL`, write the body of each e-mail kept in the outbox (with its one-time links) to the log — handy on a laptop, never in production.'
	},
	{
		name: 'COLLAB_PROFILE',
		type: 'flag',
		default: '0',
		doc: '`1`: the collaboration server times its work; SIGUSR2 logs a `collab profile` line (read by `npm run bench -- collab`).'
	},
	{
		name: 'DEBUG_EVENTS',
		type: 'flag',
		default: '0',
		doc: '`1` logs the unexpected database errors of the events pages in full.'
	},
	// Sign-in limits
	{
		name: 'LOGIN_LIMIT_PER_ACCOUNT_ADDRESS',
		type: 'number',
		default: '8',
		min: 0,
		doc: "Failed sign-ins for one account from one address per 15 minutes; beyond, that address gets 429 for that account (the password is not checked). Successful sign-ins do not count, and a guesser elsewhere never locks the account's owner out."
	},
	{
		name: 'LOGIN_LIMIT_PER_IP',
		type: 'number',
		default: '100',
		min: 0,
		doc: 'Failed sign-ins from one address, whatever the account (password spraying), per 15 minutes. Only failures count: a training room or a town hall behind one address signs in as many people as it has.'
	},
	{
		name: 'LOGIN_SLOWDOWN_AFTER',
		type: 'number',
		default: '5',
		min: 0,
		doc: 'Instead of a lock: beyond this many failed sign-ins on one account (all addresses, 15 minutes), every further attempt on it waits 250 ms more per failure, at most `LOGIN_SLOWDOWN_MAX_MS` (a cost, never a lock).'
	},
	{ name: 'LOGIN_SLOWDOWN_MAX_MS', type: 'number', default: '3000', min: 0, doc: 'Longest wait of that slowdown.' },
	{
		name: 'PASSWORD_CHECK_LIMIT',
		type: 'number',
		default: '8',
		min: 0,
		doc: 'Password checks per account per 15 minutes at password change and account deletion.'
	},
	{
		name: 'SIGNUP_LIMIT_PER_IP',
		type: 'number',
		default: '10',
		min: 0,
		doc: 'Accounts created from one address per hour (refused sign-ups do not count).'
	},
	// Uploaded files
	{
		name: 'FILE_WORKERS',
		type: 'number',
		default: () => String(Math.max(1, Math.min(2, cpus().length - 1))),
		shown: 'CPUs − 1 (1 to 2)',
		min: 1,
		doc: 'Uploaded files (DOCX, XLSX, ODT, PDF, DECP) are read in worker threads with a heap and a time limit: how many at once in this process.'
	},
	{
		name: 'FILE_WORKER_QUEUE',
		type: 'number',
		default: '6',
		min: 1,
		doc: 'Files waiting for a worker (beyond: 503 « serveur occupé »).'
	},
	{
		name: 'FILE_WORKER_PER_USER',
		type: 'number',
		default: '2',
		min: 1,
		doc: 'Files of one person in progress (beyond: 429).'
	},
	{ name: 'FILE_WORKER_QUEUE_MS', type: 'number', default: '30000', min: 1, doc: 'Longest wait in the queue.' },
	// Tests and benches
	{
		name: 'PG_BIN',
		type: 'string',
		default: '/usr/lib/postgresql/15/bin',
		doc: 'Tests and benches: where `initdb`, `postgres`, `pg_ctl` live. Backups look for `pg_dump` there first when it is set, then in the newest Debian cluster tools.'
	},
	{
		name: 'TEST_DATABASE_URL',
		type: 'string',
		scope: 'tests',
		doc: 'Tests: use this PostgreSQL server instead of starting a throwaway cluster. Each test file gets its own database in it.'
	},
	{
		name: 'TEST_ENGINES',
		type: 'string',
		default: 'pglite,postgres',
		scope: 'tests',
		doc: 'Tests: restrict the engines, e.g. `TEST_ENGINES=pglite` for a quick loop.'
	},
	{
		name: 'CHROMIUM_PATH',
		type: 'string',
		default: '/usr/bin/chromium',
		scope: 'tests',
		doc: 'Tests: the Chromium used by Playwright.'
	}
];

/** @param {string} name */
export function setting(name) {
	const s = SETTINGS.find((x) => x.name === name);
	if (!s) throw new Error(`Unknown setting ${name} (add it to src/lib/server/kit/settings.js)`);
	return s;
}

/**
 * The default of a setting in this environment, as a string (undefined: no default).
 * @param {Setting} s
 * @param {Env} env
 */
export function defaultOf(s, env) {
	return typeof s.default === 'function' ? s.default(env) : s.default;
}

/**
 * The value of one setting in `env`, typed, with its default.
 * @param {string} name
 * @param {Env} [env]
 * @returns {string | number | boolean | undefined}
 */
export function readSetting(name, env = process.env) {
	const s = setting(name);
	const raw = env[name];
	const given = raw !== undefined && raw !== '' ? raw : undefined;
	const fallback = defaultOf(s, env);
	switch (s.type) {
		case 'switch':
			return given !== '0';
		case 'flag':
			return (given ?? fallback) === '1';
		case 'boolean':
			return (given ?? fallback) !== 'false';
		case 'number': {
			const n = Number(given);
			const ok = given !== undefined && Number.isFinite(n) && n >= (s.min ?? -Infinity) && n <= (s.max ?? Infinity);
			return ok ? n : fallback === undefined ? undefined : Number(fallback);
		}
		default:
			return given ?? fallback;
	}
}

/**
 * Every setting read from `env`, by name.
 * @param {Env} [env]
 */
export function readSettings(env = process.env) {
	/** @type {Record<string, string | number | boolean | undefined>} */
	const out = {};
	for (const s of SETTINGS) out[s.name] = readSetting(s.name, env);
	return out;
}
