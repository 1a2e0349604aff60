import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkBody, checkUrl, findBadString, hasBadChars } from '../../src/lib/server/input-guard';
import { safeRedirectPath } from '../../src/lib/server/redirect';
import { withOwnWebsocket } from '../../src/lib/server/csp';
import { parseForm } from '../../src/lib/server/kit/forms';

const bytes = (...parts: (string | number[])[]) =>
	Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
const refused = (fn: () => unknown) => expect(fn).toThrow(/caractères non valables/);

describe('input guard', () => {
	it('NUL and lone surrogates are bad; paired surrogates (emoji), accents and control-free text are fine', () => {
		expect(hasBadChars('a\u0000b')).toBe(true);
		expect(hasBadChars('a\ud800b')).toBe(true);
		expect(hasBadChars('a\udc00')).toBe(true);
		expect(hasBadChars('Éléonore 🌱 « ok »\n\ttab')).toBe(false);
		expect(findBadString({ a: ['x', { b: 'y\u0000' }] })).toBe('a.1.b');
		expect(findBadString({ ['k\u0000']: 1 })).toBe('k\u0000');
		expect(findBadString({ a: 'fine', n: 3 })).toBeNull();
	});

	it('URL: percent-encoded NUL, invalid UTF-8 or an encoded surrogate in the path or the query string', () => {
		refused(() => checkUrl(new URL('http://x/ressources?q=%00')));
		refused(() => checkUrl(new URL('http://x/ressources?q=%C3%28')));
		refused(() => checkUrl(new URL('http://x/a/%ED%A0%80')));
		refused(() => checkUrl(new URL('http://x/a?%00=1')));
		expect(() => checkUrl(new URL('http://x/%C3%A9t%C3%A9?q=caf%C3%A9+cr%C3%A8me&r=%E3%80%80'))).not.toThrow();
	});

	it('url-encoded, multipart (text parts and file names, not file contents) and JSON bodies', () => {
		const form = 'application/x-www-form-urlencoded';
		refused(() => checkBody(bytes('name=a%00b'), form));
		refused(() => checkBody(bytes('name=a', [0xff]), form));
		expect(() => checkBody(bytes('name=caf%C3%A9+cr%C3%A8me&x='), form)).not.toThrow();

		const type = 'multipart/form-data; boundary=XyZ';
		const part = (headers: string, content: (string | number[])[]) =>
			bytes(`--XyZ\r\n${headers}\r\n\r\n`, ...content, '\r\n');
		const end = bytes('--XyZ--\r\n');
		const file = part(
			'Content-Disposition: form-data; name="file"; filename="a.bin"\r\nContent-Type: application/octet-stream',
			[[0x00, 0xff, 0xfe]]
		);
		expect(() =>
			checkBody(Buffer.concat([part('Content-Disposition: form-data; name="t"', ['é ok']), file, end]), type)
		).not.toThrow();
		refused(() =>
			checkBody(Buffer.concat([part('Content-Disposition: form-data; name="t"', ['a', [0x00]]), end]), type)
		);
		refused(() =>
			checkBody(Buffer.concat([part('Content-Disposition: form-data; name="t"', ['a', [0xc3, 0x28]]), end]), type)
		);
		refused(() =>
			checkBody(Buffer.concat([part('Content-Disposition: form-data; name="t"', ['a', [0xed, 0xa0, 0x80]]), end]), type)
		);
		refused(() =>
			checkBody(
				Buffer.concat([part('Content-Disposition: form-data; name="file"; filename="a\u0000.pdf"', ['%PDF']), end]),
				type
			)
		);

		refused(() => checkBody(bytes('{"a":"\\u0000"}'), 'application/json'));
		refused(() => checkBody(bytes('{"a":["\\ud800"]}'), 'application/json; charset=utf-8'));
		refused(() => checkBody(bytes('{"a":"', [0xc3, 0x28], '"}'), 'application/json'));
		expect(() => checkBody(bytes('{"a":"\\ud83c\\udf31 \\u00e9"}'), 'application/json')).not.toThrow();
		// other types (a file sent raw) are left to their readers
		expect(() => checkBody(bytes([0x00, 0xff]), 'application/octet-stream')).not.toThrow();
	});

	it('parseForm names the field when a form holding a NUL is parsed outside a request', async () => {
		const request = new Request('http://x/', {
			method: 'POST',
			body: new URLSearchParams({ displayName: 'A\u0000B' })
		});
		const parsed = await parseForm(request, z.object({ displayName: z.string() }));
		expect(parsed.failure?.status).toBe(400);
		expect(parsed.failure?.data.errors).toEqual({ displayName: expect.stringMatching(/caractères non valables/) });
	});
});

describe('redirect parameter', () => {
	it('keeps a path of this site, percent-encoded so that it is a valid Location header; anything else is the fallback', () => {
		expect(safeRedirectPath('/\u3000/x')).toBe('/%E3%80%80/x');
		expect(safeRedirectPath('/collectivites/a?b=é#c')).toBe('/collectivites/a?b=%C3%A9#c');
		for (const bad of [
			'//evil.example',
			'/\\evil.example',
			'https://evil.example',
			'evil',
			'/a\nb',
			'/a\r\nSet-Cookie: x',
			null,
			''
		])
			expect(safeRedirectPath(bad, '/collectivites'), String(bad)).toBe('/collectivites');
		// (still percent-encoded, a CR LF is only text of the path: no header can be injected)
		expect(safeRedirectPath('/%0d%0aSet-Cookie:x')).toBe('/%0d%0aSet-Cookie:x');
	});
});

describe('CSP connect-src', () => {
	it("adds the app's own websocket origin only", () => {
		const csp = "default-src 'self'; connect-src 'self'; img-src 'self'";
		expect(withOwnWebsocket(csp, new URL('http://127.0.0.1:4173/x'))).toBe(
			"default-src 'self'; connect-src 'self' ws://127.0.0.1:4173; img-src 'self'"
		);
		expect(withOwnWebsocket(csp, new URL('https://spaser.example.fr/'))).toContain(
			"connect-src 'self' wss://spaser.example.fr;"
		);
	});
});
