const BASE = 'http://app.invalid';

/**
 * A `redirect` parameter made safe to redirect to: a path of this site only ("/x" yes; "//evil", "/\evil",
 * "https://evil" no — open-redirect guard), returned percent-encoded so that SvelteKit's redirect() accepts it
 * (a raw "/\u3000/x" is not a valid Location header: it used to give a 500). Anything else gives `fallback`.
 */
export function safeRedirectPath(raw: string | null | undefined, fallback = '/'): string {
	if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\') || /[\p{Cc}\\]/u.test(raw))
		return fallback;
	let url: URL;
	try {
		url = new URL(raw, BASE);
	} catch {
		return fallback;
	}
	if (url.origin !== BASE) return fallback;
	const path = url.pathname + url.search + url.hash;
	try {
		new Headers({ location: path });
	} catch {
		return fallback;
	}
	return path;
}
