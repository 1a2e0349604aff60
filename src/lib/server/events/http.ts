/** A file download (PDF by default) with a safe ASCII file name (and the UTF-8 one for browsers that read it). */
export function pdfResponse(pdf: Uint8Array, filename: string, type = 'application/pdf'): Response {
	const ascii = filename.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9._-]+/g, '-');
	return new Response(pdf as unknown as BodyInit, {
		headers: {
			'content-type': type,
			'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
			'cache-control': 'private, no-store'
		}
	});
}

export function fileResponse(body: Uint8Array | string, filename: string, type: string): Response {
	return pdfResponse(typeof body === 'string' ? new TextEncoder().encode(body) : body, filename, type);
}
