/**
 * One guard for every text that comes in (query strings, paths, form bodies, JSON bodies): a NUL character, a
 * lone UTF-16 surrogate or bytes that are not UTF-8 get a clear French 400 — PostgreSQL refuses NUL in text
 * (it used to surface as a 500) and such strings are never what a person typed.
 */
import { AppError, invalidText } from '$lib/server/kit/errors';

/** NUL, or a surrogate that is not part of a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function hasBadChars(s: string): boolean {
	return s.includes('\0') || LONE_SURROGATE.test(s);
}

const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** The text without NUL characters, each lone surrogate replaced by U+FFFD (for content already stored). */
export function cleanText(s: string): string {
	return hasBadChars(s) ? s.replace(/\0/g, '').replace(LONE_SURROGATES, '\ufffd') : s;
}

/**
 * A copy of a JSON-like value whose strings (values and keys) went through cleanText: what is read from a
 * document that already holds such characters can still be written to PostgreSQL and exported.
 */
export function cleanStrings<T>(value: T): T {
	if (typeof value === 'string') return cleanText(value) as T;
	if (Array.isArray(value)) return value.map((v) => cleanStrings(v)) as T;
	if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
		const out: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(value)) out[cleanText(k)] = cleanStrings(v);
		return out as T;
	}
	return value;
}

/** The first string (value or key) in a parsed JSON value that holds a NUL or a lone surrogate, as a path. */
export function findBadString(value: unknown, path = ''): string | null {
	if (typeof value === 'string') return hasBadChars(value) ? path || '_' : null;
	if (Array.isArray(value)) {
		for (let i = 0; i < value.length; i++) {
			const p = findBadString(value[i], path ? `${path}.${i}` : String(i));
			if (p) return p;
		}
		return null;
	}
	if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) {
			const p = path ? `${path}.${k}` : k;
			if (hasBadChars(k)) return p;
			const found = findBadString(v, p);
			if (found) return found;
		}
	}
	return null;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly: invalid bytes are an error, not U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
	try {
		return fatal.decode(bytes);
	} catch {
		throw invalidText();
	}
}

/** A percent-encoded component (query value, path segment): invalid UTF-8 or a NUL is refused. */
export function decodeComponent(raw: string, plusIsSpace = false): string {
	let s: string;
	try {
		s = decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
	} catch {
		throw invalidText();
	}
	if (hasBadChars(s)) throw invalidText();
	return s;
}

/** Checks a URL's path segments and query string. */
export function checkUrl(url: URL) {
	for (const seg of url.pathname.split('/')) decodeComponent(seg);
	const q = url.search.slice(1);
	if (q) for (const pair of q.split('&')) for (const part of pair.split('=')) decodeComponent(part, true);
}

/** Checks the text of an application/x-www-form-urlencoded body (as bytes). */
function checkUrlEncoded(bytes: Uint8Array) {
	const text = decodeUtf8(bytes);
	for (const pair of text.split('&')) for (const part of pair.split('=')) decodeComponent(part, true);
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
	const first = needle[0];
	for (let i = hay.indexOf(first, from); i !== -1 && i <= hay.length - needle.length; i = hay.indexOf(first, i + 1)) {
		let j = 1;
		while (j < needle.length && hay[i + j] === needle[j]) j++;
		if (j === needle.length) return i;
	}
	return -1;
}

const CRLF2 = new TextEncoder().encode('\r\n\r\n');

/** Checks every text part of a multipart/form-data body (file parts are data, not text: left to their parsers). */
function checkMultipart(bytes: Uint8Array, contentType: string) {
	const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	if (!m) return; // the form parser will refuse it
	const delimiter = new TextEncoder().encode(`--${m[1] ?? m[2]}`);
	let pos = indexOf(bytes, delimiter, 0);
	while (pos !== -1) {
		const start = pos + delimiter.length;
		const next = indexOf(bytes, delimiter, start);
		if (next === -1) break;
		const part = bytes.subarray(start, next);
		const headerEnd = indexOf(part, CRLF2, 0);
		if (headerEnd !== -1) {
			// field names and file names: browsers send them as UTF-8
			const headers = decodeUtf8(part.subarray(0, headerEnd));
			if (hasBadChars(headers)) throw invalidText();
			if (!/content-disposition:[^\r\n]*\bfilename\*?=/i.test(headers)) {
				// the part's content ends before the CRLF that precedes the next delimiter
				const content = part.subarray(headerEnd + 4, Math.max(headerEnd + 4, part.length - 2));
				if (hasBadChars(decodeUtf8(content))) throw invalidText();
			}
		}
		pos = next;
	}
}

/** Checks a request body already read, according to its type. Other types (files sent raw) are left alone. */
export function checkBody(bytes: Uint8Array, contentType: string | null) {
	const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
	if (type === 'application/x-www-form-urlencoded') checkUrlEncoded(bytes);
	else if (type === 'multipart/form-data') checkMultipart(bytes, contentType ?? '');
	else if (type === 'application/json' || type.endsWith('+json')) checkJsonText(decodeUtf8(bytes));
}

/** A JSON text: no raw NUL, and no NUL or lone surrogate written as an escape (\u0000, \ud800) in any string. */
export function checkJsonText(text: string) {
	if (hasBadChars(text)) throw invalidText();
	if (!text.includes('\\u')) return;
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch {
		return; // not JSON: its reader says so in its own words
	}
	if (findBadString(parsed)) throw invalidText();
}

/**
 * Reads at most `limit` bytes of a body (counting bytes, not characters): beyond, `tooLarge()` is thrown without
 * reading the rest.
 */
export async function readBytes(request: Request, limit: number, tooLarge: () => AppError): Promise<Uint8Array> {
	const declared = Number(request.headers.get('content-length') ?? '0');
	if (declared > limit) throw tooLarge();
	if (!request.body) return new Uint8Array(0);
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let total = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		total += value.byteLength;
		if (total > limit) {
			await reader.cancel().catch(() => {});
			throw tooLarge();
		}
		chunks.push(value);
	}
	const out = new Uint8Array(total);
	let at = 0;
	for (const c of chunks) {
		out.set(c, at);
		at += c.byteLength;
	}
	return out;
}

/**
 * Makes every way of reading this request's body (formData, text, json, arrayBuffer, bytes, blob) go through the
 * guard first, reading the body once. Used by the hook for pages, form actions and endpoints outside the API
 * (the API dispatcher checks its JSON itself).
 */
export function guardRequestBody(request: Request, onInvalid: (e: AppError) => never) {
	const contentType = request.headers.get('content-type');
	const original = request.arrayBuffer.bind(request);
	let read: Promise<Uint8Array<ArrayBuffer>> | null = null;
	const bytes = () =>
		(read ??= original().then((b): Uint8Array<ArrayBuffer> => {
			const u = new Uint8Array(b);
			try {
				checkBody(u, contentType);
			} catch (e) {
				if (e instanceof AppError) onInvalid(e);
				throw e;
			}
			return u;
		}));
	const copy = async () => (await bytes()).slice();
	const define = (name: string, fn: () => Promise<unknown>) =>
		Object.defineProperty(request, name, { value: fn, configurable: true });
	define('arrayBuffer', async () => (await copy()).buffer);
	define('bytes', copy);
	define('blob', async () => new Blob([await copy()], { type: contentType ?? '' }));
	define('text', async () => new TextDecoder().decode(await bytes()));
	define('json', async () => JSON.parse(new TextDecoder().decode(await bytes())));
	// (read-only consumers share the checked bytes; arrayBuffer and bytes hand out a copy the caller may change)
	define('formData', async () =>
		new Response(await bytes(), { headers: { 'content-type': contentType ?? '' } }).formData()
	);
}
