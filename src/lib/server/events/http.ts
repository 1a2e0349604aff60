import { download } from '$lib/server/kit/download';

/** A file download (PDF by default). */
export function pdfResponse(pdf: Uint8Array, filename: string, type = 'application/pdf'): Response {
	return download(pdf, filename, { type });
}

export function fileResponse(body: Uint8Array | string, filename: string, type: string): Response {
	return download(body, filename, { type });
}
