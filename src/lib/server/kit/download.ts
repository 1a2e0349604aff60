// One way to send a file: `Content-Disposition` with an ASCII fallback and the exact UTF-8 name (RFC 6266 +
// RFC 5987), a content type, no sniffing, and private, uncached responses by default (downloads are per-user data).

/**
 * `attachment; filename="Bilan_2025.pdf"; filename*=UTF-8''Bilan%202025.pdf`. Path separators, quotes, characters
 * Windows refuses in names and control characters are removed; the name is cut to 120 characters (keeping `ext`).
 */
export function contentDisposition(
	baseName: string,
	ext: string,
	{
		fallback = 'fichier',
		disposition = 'attachment',
		utf8Name = 'always'
	}: {
		fallback?: string;
		disposition?: 'attachment' | 'inline';
		/** 'when-needed': no `filename*` when the ASCII name is the name itself (e.g. a slug and a date). */
		utf8Name?: 'always' | 'when-needed';
	} = {}
): string {
	const clean =
		baseName
			// eslint-disable-next-line no-control-regex -- control characters are exactly what must not reach a header
			.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, ' ')
			.replace(/\s+/g, ' ')
			.trim()
			.slice(0, 120) || fallback;
	const ascii =
		clean
			.normalize('NFD')
			.replace(/[\u0300-\u036f]/g, '')
			.replace(/[^A-Za-z0-9 ._()-]+/g, '-')
			.replace(/-+/g, '-')
			.replace(/ /g, '_')
			.replace(/^[-_.]+|[-_.]+$/g, '') || fallback;
	const dot = ext ? `.${ext}` : '';
	const utf8 = encodeURIComponent(`${clean}${dot}`).replace(
		/['()*]/g,
		(c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()
	);
	if (utf8Name === 'when-needed' && ascii === clean) return `${disposition}; filename="${ascii}${dot}"`;
	return `${disposition}; filename="${ascii}${dot}"; filename*=UTF-8''${utf8}`;
}

/** Splits `name.ext` for `contentDisposition` (no extension: ''). */
export function splitName(filename: string): [string, string] {
	const m = /^(.*?)\.([A-Za-z0-9]{1,8})$/.exec(filename);
	return m ? [m[1], m[2]] : [filename, ''];
}

export interface DownloadOptions {
	type: string;
	disposition?: 'attachment' | 'inline';
	/** The name when `filename` leaves nothing usable (default « fichier »). */
	fallback?: string;
	/** Extra headers (e.g. a public Cache-Control for a public calendar). */
	headers?: Record<string, string>;
}

/** A Response carrying a file, named `filename` (with its extension). */
export function download(body: Uint8Array | string, filename: string, options: DownloadOptions): Response {
	const [base, ext] = splitName(filename);
	return new Response((typeof body === 'string' ? new TextEncoder().encode(body) : body) as unknown as BodyInit, {
		headers: {
			'content-type': options.type,
			'content-disposition': contentDisposition(base, ext, {
				disposition: options.disposition,
				fallback: options.fallback
			}),
			'x-content-type-options': 'nosniff',
			'cache-control': 'private, no-store',
			...options.headers
		}
	});
}
