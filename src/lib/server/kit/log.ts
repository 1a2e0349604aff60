/**
 * Structured JSON logs on stdout (one object per line; warnings and errors on stderr). Never pass secrets or
 * tokens — and, as a safety net, every line is redacted before it is written:
 *   - fields whose name says they hold a secret (password, token, secret, cookie, authorization…) are masked;
 *   - in every string: request paths that carry a secret (invitation links, private calendar feeds), `token=`
 *     query parameters, API tokens (`spc_…`), session cookies and the password of a `scheme://user:password@`
 *     URL (DATABASE_URL, SMTP_URL in a driver's error message) are masked.
 * `LOG_FILE=<path>` also appends every line to that file (the e2e suite reads it back to check the redaction).
 */
import { appendFileSync } from 'node:fs';
import { config } from './config';

type Fields = Record<string, unknown>;
const quiet = config.logSilent;
const file = config.logFile;

const MASK = '…';
const SECRET_KEY = /pass(word|wd)?|secret|token|cookie|authori[sz]ation|api[_-]?key|credential/i;

/** Request paths whose last segment is a secret: the path is logged with that segment masked. */
const SECRET_PATHS: [RegExp, string][] = [
	[/\/invitation\/[^/\s"'?#]+/g, `/invitation/${MASK}`],
	[/\/guichet\/calendrier\/[^/\s"'?#]+?\.ics/g, `/guichet/calendrier/${MASK}.ics`]
];

/** Masks what looks like a secret inside a free-form string (a path, an error message, a stack). */
export function redactString(s: string): string {
	let out = s;
	for (const [re, by] of SECRET_PATHS) out = out.replace(re, by);
	return out
		.replace(/([?&](?:token|secret|code|key)=)[^&\s"'#]+/gi, `$1${MASK}`)
		.replace(/\bspc_[a-z2-7]{16}_[a-z2-7]{32}\b/g, `spc_${MASK}`)
		.replace(/(spaser_session=)[^;\s"']+/g, `$1${MASK}`)
		.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/\s@"']+):[^@/\s"']+@/gi, `$1:${MASK}@`)
		.replace(/\b(Bearer\s+)[^\s"']+/g, `$1${MASK}`);
}

function redact(value: unknown, depth = 0): unknown {
	if (typeof value === 'string') return redactString(value);
	if (depth > 4 || value === null || typeof value !== 'object') return value;
	if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
	if (value instanceof Date) return value;
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(value))
		out[k] = SECRET_KEY.test(k) && v != null && v !== '' ? MASK : redact(v, depth + 1);
	return out;
}

export interface LogOptions {
	/** Fields written as they are, without redaction (only the outbox's mail body outside production). */
	raw?: string[];
}

/** One log line (JSON, redacted), as written. */
export function formatLogLine(level: string, msg: string, fields?: Fields, opts?: LogOptions): string {
	const safe = redact(fields ?? {}) as Fields;
	for (const k of opts?.raw ?? []) if (fields && k in fields) safe[k] = fields[k];
	return JSON.stringify({ time: new Date().toISOString(), level, msg: redactString(msg), ...safe });
}

function write(level: string, msg: string, fields?: Fields, opts?: LogOptions) {
	if (quiet) return;
	const line = formatLogLine(level, msg, fields, opts);
	if (level === 'error' || level === 'warn') process.stderr.write(line + '\n');
	else process.stdout.write(line + '\n');
	if (file) {
		try {
			appendFileSync(file, line + '\n');
		} catch {
			// a log file that cannot be written must not break the request
		}
	}
}

export const log = {
	info: (msg: string, fields?: Fields, opts?: LogOptions) => write('info', msg, fields, opts),
	warn: (msg: string, fields?: Fields, opts?: LogOptions) => write('warn', msg, fields, opts),
	error: (msg: string, fields?: Fields, opts?: LogOptions) => write('error', msg, fields, opts)
};
