/**
 * Detects the type of an uploaded document from its content, never from its name or the browser's claim.
 * Office files are ZIP containers: their type comes from the entries inside (OOXML parts, or the ODF
 * `mimetype` entry), read with fflate without inflating the whole archive.
 */
import { AppError } from '$lib/server/kit/errors';
import { inspectZip, OFFICE_ZIP_LIMITS, readEntry, type ZipEntry } from './limits';

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
	pptx: {
		kind: 'pptx',
		mime: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
		ext: 'pptx'
	},
	odt: { kind: 'odt', mime: 'application/vnd.oasis.opendocument.text', ext: 'odt' },
	ods: { kind: 'ods', mime: 'application/vnd.oasis.opendocument.spreadsheet', ext: 'ods' },
	png: { kind: 'png', mime: 'image/png', ext: 'png' },
	jpeg: { kind: 'jpeg', mime: 'image/jpeg', ext: 'jpg' },
	webp: { kind: 'webp', mime: 'image/webp', ext: 'webp' },
	txt: { kind: 'txt', mime: 'text/plain; charset=utf-8', ext: 'txt' },
	csv: { kind: 'csv', mime: 'text/csv; charset=utf-8', ext: 'csv' }
};

const startsWith = (bytes: Uint8Array, ...sig: number[]) =>
	bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
const ascii = (bytes: Uint8Array, from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));

/**
 * Names the entries of a ZIP archive and reads the small ones we need; null when it is not a readable ZIP. Only
 * the central directory is read (inspectZip): an archive beyond the bounds of an office document (zip bomb,
 * overlapping entries, too many entries…) is refused here with 413/422, before anything inflates it.
 */
function zipEntries(bytes: Uint8Array): { names: Set<string>; mimetype: string | null } | null {
	let entries: ZipEntry[];
	try {
		entries = inspectZip(bytes, OFFICE_ZIP_LIMITS);
	} catch (e) {
		if (e instanceof AppError && e.code !== 'file_malformed') throw e;
		return null;
	}
	const names = new Set(entries.map((e) => e.name));
	// Only the ODF `mimetype` entry is inflated (it is tiny and stored first by the spec), under a hard cap.
	const entry = entries.find((e) => e.name === 'mimetype' && e.size < 200);
	let mimetype: string | null = null;
	if (entry) {
		try {
			mimetype = new TextDecoder().decode(readEntry(bytes, entry, 200)).trim();
		} catch {
			return null;
		}
	}
	return { names, mimetype };
}

function isUtf8Text(bytes: Uint8Array): boolean {
	if (!bytes.length) return false;
	const sample = bytes.subarray(0, 64 * 1024);
	for (const b of sample) if (b < 0x09) return false; // NUL and other low control bytes: binary
	try {
		// A cut multi-byte sequence at the end of the sample is fine.
		new TextDecoder('utf-8', { fatal: true }).decode(
			bytes.length > sample.length ? sample.subarray(0, sample.length - 4) : sample
		);
		return true;
	} catch {
		return false;
	}
}

/**
 * The document's real type, or null when it is none we recognise. `allowText` accepts plain UTF-8 text
 * (reported as 'txt', or 'csv' when `csv` is asked and the content has separators on its first line).
 */
export function sniffDocument(
	bytes: Uint8Array,
	opts: { allowText?: boolean; csv?: boolean } = {}
): SniffedType | null {
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
	return joinOr(kinds.map((k) => (k === 'jpeg' ? 'JPEG' : k.toUpperCase())));
}

/** « A, B ou C » (French list of alternatives). */
function joinOr(names: readonly string[]): string {
	return names.length > 1 ? `${names.slice(0, -1).join(', ')} ou ${names.at(-1)}` : (names[0] ?? '');
}

// ——— Data files (imports): CSV, JSON, XML, XLSX ———

/** The formats of the data imports (indicator values, resources, SPASER export, DECP). */
export type DataFormat = 'json' | 'csv' | 'xml' | 'xlsx';

const DATA_NAMES: Record<DataFormat, string> = { json: 'JSON', csv: 'CSV', xml: 'XML', xlsx: 'XLSX (Excel)' };
/** What a file's extension claims; an extension not listed claims nothing (the content decides). */
const EXT_FORMAT: Record<string, DataFormat> = {
	json: 'json',
	csv: 'csv',
	tsv: 'csv',
	txt: 'csv',
	xml: 'xml',
	xlsx: 'xlsx'
};
/** Extensions of binary types that can never hold a data import. */
const BINARY_EXTS = new Set([
	'pdf',
	'doc',
	'docx',
	'xls',
	'xlsm',
	'odt',
	'ods',
	'ppt',
	'pptx',
	'zip',
	'exe',
	'dll',
	'png',
	'jpg',
	'jpeg',
	'gif',
	'webp',
	'html',
	'htm',
	'svg',
	'js'
]);

const DOC_LABELS: Record<DocumentKind, string> = {
	pdf: 'un PDF',
	docx: 'un document Word (DOCX)',
	xlsx: 'un classeur Excel (XLSX)',
	pptx: 'une présentation PowerPoint (PPTX)',
	odt: 'un document OpenDocument (ODT)',
	ods: 'un classeur OpenDocument (ODS)',
	png: 'une image PNG',
	jpeg: 'une image JPEG',
	webp: 'une image WebP',
	txt: 'du texte',
	csv: 'du texte'
};

/**
 * Names (in French) the binary content of a file, or null when it looks like text: office documents, PDF and
 * images (sniffDocument), executables, archives, and anything with NUL or other low control bytes.
 */
export function binaryContent(bytes: Uint8Array): { kind: DocumentKind | null; label: string } | null {
	const doc = sniffDocument(bytes);
	if (doc) return { kind: doc.kind, label: DOC_LABELS[doc.kind] };
	if (startsWith(bytes, 0x4d, 0x5a)) return { kind: null, label: 'un programme Windows (.exe)' }; // MZ
	if (startsWith(bytes, 0x7f, 0x45, 0x4c, 0x46)) return { kind: null, label: 'un programme (ELF)' };
	if (
		startsWith(bytes, 0xcf, 0xfa, 0xed, 0xfe) ||
		startsWith(bytes, 0xfe, 0xed, 0xfa, 0xcf) ||
		startsWith(bytes, 0xca, 0xfe, 0xba, 0xbe)
	)
		return { kind: null, label: 'un programme (Mach-O ou Java)' };
	if (startsWith(bytes, 0x50, 0x4b, 0x03, 0x04) || startsWith(bytes, 0x50, 0x4b, 0x05, 0x06))
		return { kind: null, label: 'une archive ZIP' };
	if (startsWith(bytes, 0x1f, 0x8b)) return { kind: null, label: 'une archive compressée (gzip)' };
	if (startsWith(bytes, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return { kind: null, label: 'une archive 7-Zip' };
	if (startsWith(bytes, 0x52, 0x61, 0x72, 0x21)) return { kind: null, label: 'une archive RAR' };
	if (startsWith(bytes, 0xd0, 0xcf, 0x11, 0xe0))
		return { kind: null, label: 'un ancien document Office (.doc ou .xls)' };
	if (startsWith(bytes, 0x47, 0x49, 0x46, 0x38)) return { kind: null, label: 'une image GIF' };
	const sample = bytes.subarray(0, 64 * 1024);
	for (const b of sample) if (b < 0x09) return { kind: null, label: 'des données binaires' };
	return null;
}

/** The first characters of a text file after a BOM and white space (enough to recognise markup). */
function textHead(bytes: Uint8Array): string {
	return new TextDecoder('utf-8', { fatal: false })
		.decode(bytes.subarray(0, 1024))
		.replace(/^\uFEFF/, '')
		.trimStart();
}

/** A web page, an SVG image or a script (never a data file, whatever its name). */
export function looksLikeMarkup(head: string): boolean {
	return /^(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+(?:html|svg)|html|head|body|script|svg|iframe|object|embed|meta)\b/i.test(
		head
	);
}

/**
 * Decides the format of an uploaded data file from its bytes, and refuses (AppError 'invalid_file_type', 415)
 * a file whose content is not what its name claims or not one of the accepted formats: executables, PDF,
 * archives and other binary content; an XLSX that is not a workbook; HTML, SVG or scripts; JSON that does not
 * start with { or [; XML that does not start with <. A name without a known extension claims nothing.
 * Empty (or blank) text is left to the caller's own « fichier vide » message.
 */
export function sniffDataFile(bytes: Uint8Array, fileName: string, accepted: readonly DataFormat[]): DataFormat {
	const list = joinOr(accepted.map((f) => DATA_NAMES[f]));
	const ext = /\.([a-z0-9]{1,8})$/i.exec(fileName.trim())?.[1]?.toLowerCase() ?? null;
	const claimed = ext ? (EXT_FORMAT[ext] ?? null) : null;
	const refuse = (message: string) => new AppError('invalid_file_type', message, 415, { field: 'file' });
	const lie = (real: string) =>
		refuse(
			claimed
				? `Le contenu de ce fichier ne correspond pas à son nom (.${ext})\u00a0: c’est ${real}. Choisissez un fichier ${list}.`
				: `Ce fichier est ${real}, pas un fichier ${list}.`
		);
	if (claimed && !accepted.includes(claimed))
		throw refuse(`Les fichiers .${ext} ne sont pas acceptés ici\u00a0: choisissez un fichier ${list}.`);
	if (!claimed && ext && BINARY_EXTS.has(ext))
		throw refuse(`Les fichiers .${ext} ne sont pas acceptés ici\u00a0: choisissez un fichier ${list}.`);
	const binary = binaryContent(bytes);
	if (binary) {
		if (binary.kind === 'xlsx' && accepted.includes('xlsx') && (!claimed || claimed === 'xlsx')) return 'xlsx';
		if (claimed === 'xlsx' && binary.label === 'une archive ZIP')
			throw refuse('Ce fichier .xlsx n’est pas un classeur Excel valide (archive ZIP d’un autre contenu).');
		throw lie(binary.label);
	}
	const head = textHead(bytes);
	if (looksLikeMarkup(head)) throw lie('une page web (HTML), une image SVG ou un script');
	if (claimed === 'xlsx') throw lie('du texte, pas un classeur Excel');
	const first = head.charAt(0);
	const json = first === '{' || first === '[';
	const xml = first === '<';
	const format: DataFormat | null =
		claimed ??
		(json && accepted.includes('json')
			? 'json'
			: xml && accepted.includes('xml')
				? 'xml'
				: accepted.includes('csv')
					? 'csv'
					: null);
	if (!head) return format ?? accepted.find((f) => f !== 'xlsx') ?? accepted[0];
	if (format === 'json' && !json)
		throw lie('du texte qui n’est pas du JSON (un fichier JSON commence par «\u00a0{\u00a0» ou «\u00a0[\u00a0»)');
	if (format === 'xml' && !xml)
		throw lie('du texte qui n’est pas du XML (un fichier XML commence par «\u00a0<\u00a0»)');
	if (!format) throw refuse(`Ce fichier n’est pas un fichier ${list}.`);
	return format;
}
