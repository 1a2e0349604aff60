/**
 * Detects the type of an uploaded document from its content, never from its name or the browser's claim.
 * Office files are ZIP containers: their type comes from the entries inside (OOXML parts, or the ODF
 * `mimetype` entry), read with fflate without inflating the whole archive.
 */
import { unzipSync } from 'fflate';

export type DocumentKind = 'pdf' | 'docx' | 'xlsx' | 'pptx' | 'odt' | 'ods' | 'png' | 'jpeg' | 'webp' | 'txt' | 'csv';

export interface SniffedType {
	kind: DocumentKind;
	mime: string;
	/** The extension to give the file on download. */
	ext: string;
}

const TYPES: Record<DocumentKind, SniffedType> = {
	pdf: { kind: 'pdf', mime: 'application/pdf', ext: 'pdf' },
	docx: { kind: 'docx', mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx' },
	xlsx: { kind: 'xlsx', mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', ext: 'xlsx' },
	pptx: { kind: 'pptx', mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', ext: 'pptx' },
	odt: { kind: 'odt', mime: 'application/vnd.oasis.opendocument.text', ext: 'odt' },
	ods: { kind: 'ods', mime: 'application/vnd.oasis.opendocument.spreadsheet', ext: 'ods' },
	png: { kind: 'png', mime: 'image/png', ext: 'png' },
	jpeg: { kind: 'jpeg', mime: 'image/jpeg', ext: 'jpg' },
	webp: { kind: 'webp', mime: 'image/webp', ext: 'webp' },
	txt: { kind: 'txt', mime: 'text/plain; charset=utf-8', ext: 'txt' },
	csv: { kind: 'csv', mime: 'text/csv; charset=utf-8', ext: 'csv' }
};

const startsWith = (bytes: Uint8Array, ...sig: number[]) => bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/** Names the entries of a ZIP archive and reads the small ones we need; null when it is not a readable ZIP. */
function zipEntries(bytes: Uint8Array): { names: Set<string>; mimetype: string | null } | null {
	const names = new Set<string>();
	let mimetype: string | null = null;
	try {
		unzipSync(bytes, {
			filter: (file) => {
				names.add(file.name);
				// Only the ODF `mimetype` entry is inflated (it is tiny and stored first by the spec).
				return file.name === 'mimetype' && file.originalSize < 200;
			}
		});
		if (names.has('mimetype')) {
			const out = unzipSync(bytes, { filter: (file) => file.name === 'mimetype' && file.originalSize < 200 });
			mimetype = new TextDecoder().decode(out.mimetype).trim();
		}
	} catch {
		return null;
	}
	return { names, mimetype };
}

function isUtf8Text(bytes: Uint8Array): boolean {
	if (!bytes.length) return false;
	const sample = bytes.subarray(0, 64 * 1024);
	for (const b of sample) if (b < 0x09) return false; // NUL and other low control bytes: binary
	try {
		// A cut multi-byte sequence at the end of the sample is fine.
		new TextDecoder('utf-8', { fatal: true }).decode(bytes.length > sample.length ? sample.subarray(0, sample.length - 4) : sample);
		return true;
	} catch {
		return false;
	}
}

/**
 * The document's real type, or null when it is none we recognise. `allowText` accepts plain UTF-8 text
 * (reported as 'txt', or 'csv' when `csv` is asked and the content has separators on its first line).
 */
export function sniffDocument(bytes: Uint8Array, opts: { allowText?: boolean; csv?: boolean } = {}): SniffedType | null {
	if (startsWith(bytes, 0x25, 0x50, 0x44, 0x46, 0x2d)) return TYPES.pdf; // %PDF-
	if (startsWith(bytes, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return TYPES.png;
	if (startsWith(bytes, 0xff, 0xd8, 0xff)) return TYPES.jpeg;
	if (bytes.length > 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') return TYPES.webp;
	if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04)) {
		const zip = zipEntries(bytes);
		if (!zip) return null;
		if (zip.mimetype === TYPES.odt.mime) return TYPES.odt;
		if (zip.mimetype === TYPES.ods.mime) return TYPES.ods;
		if (zip.names.has('[Content_Types].xml')) {
			if (zip.names.has('word/document.xml')) return TYPES.docx;
			if (zip.names.has('xl/workbook.xml')) return TYPES.xlsx;
			if (zip.names.has('ppt/presentation.xml')) return TYPES.pptx;
		}
		return null;
	}
	if (opts.allowText && isUtf8Text(bytes)) {
		if (opts.csv) {
			const first = new TextDecoder().decode(bytes.subarray(0, 4096)).split(/\r?\n/)[0] ?? '';
			if (/[;,\t]/.test(first)) return TYPES.csv;
		}
		return TYPES.txt;
	}
	return null;
}

/** Human (French) names of the kinds, for error messages: « PDF, DOCX, ODT ou XLSX ». */
export function describeKinds(kinds: readonly DocumentKind[]): string {
	const names = kinds.map((k) => (k === 'jpeg' ? 'JPEG' : k.toUpperCase()));
	return names.length > 1 ? `${names.slice(0, -1).join(', ')} ou ${names.at(-1)}` : (names[0] ?? '');
}
