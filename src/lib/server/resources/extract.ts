// Plain text of an attachment, for full-text search: PDF (pdfjs-dist legacy build), DOCX (mammoth), ODT
// (content.xml read with fflate), XLSX (its XML read with fflate). Runs in the file worker (files/tasks.ts),
// after the container's bounds are checked. Extraction never fails an upload: unreadable → ''.
import { unzipSync } from 'fflate';
import type { SniffedType } from '../files/sniff';

const MAX_TEXT = 200_000;

async function pdfText(bytes: Uint8Array): Promise<string> {
	const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
	const doc = await pdfjs.getDocument({ data: bytes.slice(), useSystemFonts: false, isEvalSupported: false }).promise;
	const parts: string[] = [];
	for (let i = 1; i <= Math.min(doc.numPages, 200); i++) {
		const page = await doc.getPage(i);
		const content = await page.getTextContent();
		parts.push(content.items.map((it) => ('str' in it ? it.str : '')).join(' '));
	}
	await doc.destroy();
	return parts.join('\n');
}

async function docxText(bytes: Uint8Array): Promise<string> {
	const mammoth = await import('mammoth');
	const res = await mammoth.extractRawText({ buffer: Buffer.from(bytes) });
	return res.value;
}

function odtText(bytes: Uint8Array): string {
	const files = unzipSync(bytes, { filter: (f) => f.name === 'content.xml' });
	const xml = files['content.xml'] ? new TextDecoder().decode(files['content.xml']) : '';
	return xml
		.replace(/<text:(p|h)[^>]*>/g, '\n')
		.replace(/<text:s[^>]*\/>/g, ' ')
		.replace(/<[^>]+>/g, '')
		.replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>')
		.replace(/&quot;/g, '"')
		.replace(/&apos;/g, "'")
		.replace(/&amp;/g, '&');
}

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
const unescapeXml = (t: string) => t.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => XML_ENTITIES[e]);

/**
 * The words of a workbook, read straight from its XML (sheet names, shared strings, inline strings) in one linear
 * pass: search needs the text, not a spreadsheet model (exceljs keeps ~0.6 KB per cell).
 */
function xlsxText(bytes: Uint8Array): string {
	const files = unzipSync(bytes, {
		filter: (f) =>
			f.name === 'xl/workbook.xml' || f.name === 'xl/sharedStrings.xml' || /^xl\/worksheets\/[^/]+\.xml$/.test(f.name)
	});
	const parts: string[] = [];
	let length = 0;
	const decode = (name: string) => (files[name] ? new TextDecoder().decode(files[name]) : '');
	for (const m of decode('xl/workbook.xml').matchAll(/<sheet\b[^>]*\bname="([^"]*)"/g)) parts.push(unescapeXml(m[1]));
	const names = ['xl/sharedStrings.xml', ...Object.keys(files).filter((n) => n.startsWith('xl/worksheets/'))];
	for (const name of names)
		for (const m of decode(name).matchAll(/<t\b[^>]*>([^<]*)<\/t>/g)) {
			parts.push(unescapeXml(m[1]));
			length += m[1].length + 1;
			if (length > MAX_TEXT) return parts.join(' ');
		}
	return parts.join(' ');
}

export async function extractText(bytes: Uint8Array, type: SniffedType): Promise<string> {
	try {
		let text = '';
		if (type.kind === 'pdf') text = await pdfText(bytes);
		else if (type.kind === 'docx') text = await docxText(bytes);
		else if (type.kind === 'odt') text = odtText(bytes);
		else if (type.kind === 'xlsx') text = xlsxText(bytes);
		return text.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
	} catch {
		return '';
	}
}
