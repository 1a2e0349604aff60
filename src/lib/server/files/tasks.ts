/**
 * The conversions that run in the file worker thread (worker-entry.ts), never in the request thread: each one
 * first checks the whole container against its bounds (limits.ts: every entry inflated in small steps under a
 * cap, every XML part scanned for depth, element and attribute counts and DTDs), then hands it to its parser
 * (mammoth, exceljs, pdfjs, fast-xml-parser). The worker's heap limit and the pool's time limit stay the last
 * line of defence. Imports are relative (no $lib) so that tsx can load this module in a worker under vitest.
 */
import { AppError } from '$lib/server/kit/errors';
import { detectStructure, type ImportResult } from '../../spaser/import/detect';
import { htmlToImportText } from '../../spaser/import/html';
import { readDecpChecked } from './decp-read';
import { extractText } from '../resources/extract';
import type { DocumentKind } from './sniff';
import {
	inflateCapped,
	inflateEntry,
	inspectZip,
	isZip,
	OFFICE_ZIP_LIMITS,
	tooComplex,
	tooLarge,
	XmlScanner,
	type XmlLimits,
	type ZipLimits
} from './limits';

/** Bounds of the XML parts of an office document, by kind (the parsers' memory grows with the element count). */
const XML_LIMITS: Record<'docx' | 'xlsx' | 'odt' | 'pptx' | 'ods', XmlLimits> = {
	// mammoth keeps ~1.5 KB per element: 200 000 elements (three times a 150-page SPASER) stay under 300 MB.
	docx: { maxDepth: 100, maxElements: 200_000, maxAttributes: 256 },
	// exceljs keeps ~0.6 KB per cell (two elements): 800 000 elements stay under 250 MB.
	xlsx: { maxDepth: 100, maxElements: 800_000, maxAttributes: 256 },
	odt: { maxDepth: 100, maxElements: 1_000_000, maxAttributes: 256 },
	ods: { maxDepth: 100, maxElements: 1_000_000, maxAttributes: 256 },
	pptx: { maxDepth: 100, maxElements: 1_000_000, maxAttributes: 256 }
};
/** An office file inside an office file (an Excel chart inside a Word document) is not opened deeper than that. */
const MAX_NESTING = 1;

const XML_PART = /(\.xml|\.rels)$/i;

/**
 * Checks a ZIP-based office document before any parser reads it: directory (inspectZip), then every entry
 * inflated under its cap (real sizes, whatever the headers claim), every XML part scanned (one budget of
 * elements for the whole document), nested archives inspected one level deep. Throws 413/422.
 */
export function verifyOfficeZip(
	bytes: Uint8Array,
	kind: keyof typeof XML_LIMITS,
	maxElements?: number,
	limits: ZipLimits = OFFICE_ZIP_LIMITS,
	depth = 0
): void {
	const entries = inspectZip(bytes, limits);
	const xml = { ...XML_LIMITS[kind], ...(maxElements ? { maxElements } : {}) };
	let budget = xml.maxElements;
	for (const entry of entries) {
		if (entry.name.endsWith('/')) continue;
		// Word paragraphs are counted in the body: structure detection grows faster than their number.
		const tag =
			kind === 'docx' && entry.name === 'word/document.xml'
				? { name: 'w:p', max: MAX_IMPORT_PARAGRAPHS, what: 'paragraphes' }
				: undefined;
		const scanner = XML_PART.test(entry.name)
			? new XmlScanner({ ...xml, maxElements: budget, totalElements: xml.maxElements, tag }, entry.name.slice(0, 80))
			: null;
		let head: Uint8Array | null = null;
		const parts: Uint8Array[] = [];
		inflateEntry(bytes, entry, limits.maxEntryBytes, (chunk) => {
			scanner?.push(chunk);
			if (!head) head = chunk.subarray(0, 4);
			if (head && isZip(head)) parts.push(chunk.slice());
		});
		if (scanner) budget -= scanner.end().elements;
		if (parts.length) {
			if (depth >= MAX_NESTING) throw tooComplex('archives imbriquées les unes dans les autres');
			const inner = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
			let at = 0;
			for (const p of parts) {
				inner.set(p, at);
				at += p.length;
			}
			verifyOfficeZip(inner, kind, maxElements, limits, depth + 1);
		}
	}
}

/** Decompressed bytes of all the Flate streams of one PDF (typed arrays live outside the worker's JS heap limit). */
const MAX_PDF_INFLATED = 128 * 1024 * 1024;

/**
 * Inflates every FlateDecode stream of a PDF under one cap before pdfjs reads it: a content stream that inflates
 * to gigabytes (a few kilobytes of zeros) is refused after 128 MB, whatever the PDF says.
 */
export function verifyPdfStreams(bytes: Uint8Array): void {
	const text = new TextDecoder('latin1').decode(bytes);
	const re = /stream\r?\n/g;
	let left = MAX_PDF_INFLATED;
	let streams = 0;
	for (let m = re.exec(text); m; m = re.exec(text)) {
		if (text.slice(Math.max(0, m.index - 3), m.index) === 'end') continue;
		if (++streams > 100_000) throw tooComplex('plus de 100 000 flux dans le PDF');
		const dict = text.slice(Math.max(0, m.index - 2048), m.index);
		const start = m.index + m[0].length;
		const end = text.indexOf('endstream', start);
		if (end < 0) break;
		re.lastIndex = end + 9;
		if (!/\/FlateDecode|\/Fl\b/.test(dict.slice(dict.lastIndexOf('<<')))) continue;
		// A stream that inflates more than 200 times beyond 16 MB is a bomb (real content and images do not).
		const cap = Math.min(left, Math.max(16 * 1024 * 1024, (end - start) * 200));
		const produced = inflateCapped(bytes.subarray(start, end), cap);
		if (produced === null)
			throw cap === left
				? tooLarge(`plus de ${MAX_PDF_INFLATED / 1024 / 1024}\u00a0Mo de contenu décompressé dans le PDF`)
				: tooComplex('taux de compression anormal dans un flux du PDF');
		left -= produced;
	}
}

export type FileTask =
	| { kind: 'docx-import'; bytes: Uint8Array }
	| { kind: 'detect'; text: string; format: 'md' | 'txt' }
	| { kind: 'extract-text'; bytes: Uint8Array; type: DocumentKind }
	| { kind: 'xlsx-rows'; bytes: Uint8Array; sheet: string; columns: number }
	| { kind: 'office-check'; bytes: Uint8Array; type: DocumentKind }
	| { kind: 'decp'; bytes: Uint8Array; buyers: string[] };

export interface DocxImportResult {
	text: string;
	warnings: string[];
	result: ImportResult;
}

/** Paragraphs of an imported SPASER (a 150-page document has 3 000 to 10 000, tables included). */
export const MAX_IMPORT_PARAGRAPHS = 20_000;

/** Structure detection of an import's text, after the paragraph bound (detection grows faster than the text). */
function detect(text: string, format: 'md' | 'txt'): ImportResult {
	let lines = 0;
	for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1))
		if (++lines > MAX_IMPORT_PARAGRAPHS * 2) break;
	const paragraphs = lines > MAX_IMPORT_PARAGRAPHS ? text.split(/\n+/).filter((l) => l.trim()).length : 0;
	if (paragraphs > MAX_IMPORT_PARAGRAPHS)
		throw tooComplex(
			`plus de ${MAX_IMPORT_PARAGRAPHS.toLocaleString('fr-FR').replace(/\u202f/g, '\u00a0')} paragraphes\u00a0; un SPASER en compte quelques milliers`
		);
	return detectStructure({ text, format });
}

// French Word documents may name their heading styles « Titre 1 »…; mammoth only maps « Heading 1 ». The
// document's « Title » stays a paragraph (it lands in the unplaced text, not as a level of the SPASER).
const STYLE_MAP = [1, 2, 3, 4, 5, 6].flatMap((n) => [
	`p[style-name='Titre ${n}'] => h${n}:fresh`,
	`p[style-name='heading ${n}'] => h${n}:fresh`
]);

async function docxImport(bytes: Uint8Array): Promise<DocxImportResult> {
	verifyOfficeZip(bytes, 'docx');
	const mammoth = (await import('mammoth')).default;
	let html: string;
	const warnings: string[] = [];
	try {
		const res = await mammoth.convertToHtml(
			{ buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
			{
				styleMap: STYLE_MAP,
				convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
				externalFileAccess: false
			}
		);
		html = res.value;
		for (const m of res.messages) if (m.type === 'error') warnings.push(m.message);
	} catch {
		throw new AppError(
			'invalid',
			'Ce document Word n’a pas pu être lu (fichier abîmé ou protégé par un mot de passe).',
			400,
			{ field: 'file' }
		);
	}
	const text = htmlToImportText(html);
	return { text, warnings, result: text.trim() ? detect(text, 'md') : detectStructure({ text: '', format: 'md' }) };
}

function officeKind(type: DocumentKind): keyof typeof XML_LIMITS | null {
	return type === 'docx' || type === 'xlsx' || type === 'odt' || type === 'ods' || type === 'pptx' ? type : null;
}

/** A values workbook holds at most 5 000 rows of 7 cells: 150 000 elements leave room for styles and blank cells. */
const MAX_VALUES_XLSX_ELEMENTS = 150_000;

async function xlsxRows(bytes: Uint8Array, sheet: string, columns: number): Promise<string[][]> {
	verifyOfficeZip(bytes, 'xlsx', MAX_VALUES_XLSX_ELEMENTS);
	const ExcelJS = (await import('exceljs')).default;
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
	const ws = wb.getWorksheet(sheet) ?? wb.worksheets[0];
	if (!ws) return [];
	const out: string[][] = [];
	ws.eachRow({ includeEmpty: false }, (row) => {
		const cells: string[] = [];
		for (let c = 1; c <= columns; c++) {
			const v = row.getCell(c).value as unknown;
			let s: string;
			if (v === null || v === undefined) s = '';
			else if (typeof v === 'object' && v !== null && 'result' in v)
				s = String((v as { result: unknown }).result ?? '');
			else if (typeof v === 'object' && v !== null && 'richText' in v)
				s = (v as { richText: { text: string }[] }).richText.map((t) => t.text).join('');
			else if (typeof v === 'object' && v !== null && 'text' in v) s = String((v as { text: unknown }).text);
			else s = String(v);
			cells.push(s);
		}
		out.push(cells);
	});
	return out.filter((r) => r.some((c) => c.trim() !== ''));
}

/** Runs one task (in the worker thread). */
export async function runTask(task: FileTask): Promise<unknown> {
	switch (task.kind) {
		case 'docx-import':
			return docxImport(task.bytes);
		case 'detect':
			return detect(task.text, task.format);
		case 'extract-text': {
			const office = officeKind(task.type);
			if (office) verifyOfficeZip(task.bytes, office);
			if (task.type === 'pdf') verifyPdfStreams(task.bytes);
			return extractText(task.bytes, { kind: task.type, mime: '', ext: '' });
		}
		case 'xlsx-rows':
			return xlsxRows(task.bytes, task.sheet, task.columns);
		case 'office-check': {
			const office = officeKind(task.type);
			if (office) verifyOfficeZip(task.bytes, office);
			return null;
		}
		case 'decp':
			return readDecpChecked(task.bytes, task.buyers);
	}
}
