// Plain text of an attachment, for full-text search: PDF (pdfjs-dist legacy build), DOCX (mammoth), ODT
// (content.xml read with fflate), XLSX (exceljs). Extraction never fails an upload: unreadable → ''.
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

async function xlsxText(bytes: Uint8Array): Promise<string> {
	const ExcelJS = (await import('exceljs')).default;
	const wb = new ExcelJS.Workbook();
	await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
	const parts: string[] = [];
	wb.eachSheet((sheet) => {
		parts.push(sheet.name);
		sheet.eachRow((row) => {
			row.eachCell((cell) => {
				const t = cell.text;
				if (t) parts.push(t);
			});
		});
	});
	return parts.join(' ');
}

export async function extractText(bytes: Uint8Array, type: SniffedType): Promise<string> {
	try {
		let text = '';
		if (type.kind === 'pdf') text = await pdfText(bytes);
		else if (type.kind === 'docx') text = await docxText(bytes);
		else if (type.kind === 'odt') text = odtText(bytes);
		else if (type.kind === 'xlsx') text = await xlsxText(bytes);
		return text.replaceAll('\u0000', '').replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
	} catch {
		return '';
	}
}
