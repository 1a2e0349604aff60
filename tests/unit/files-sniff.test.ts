import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { PDFDocument } from 'pdf-lib';
import { describeKinds, sniffDocument } from '../../src/lib/server/files/sniff';

describe('sniffDocument', () => {
	it('recognises a real PDF, DOCX and XLSX produced by their libraries', async () => {
		const pdf = await PDFDocument.create();
		pdf.addPage();
		expect(sniffDocument(await pdf.save())?.kind).toBe('pdf');
		const docx = await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Clause sociale')] }] }));
		expect(sniffDocument(new Uint8Array(docx))?.kind).toBe('docx');
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Valeurs').addRow(['indicateur', 2025]);
		expect(sniffDocument(new Uint8Array(await wb.xlsx.writeBuffer()))?.kind).toBe('xlsx');
	});

	it('recognises ODF by its mimetype entry and refuses a plain ZIP', () => {
		const odt = zipSync({ mimetype: strToU8('application/vnd.oasis.opendocument.text'), 'content.xml': strToU8('<office:document-content/>') });
		expect(sniffDocument(odt)?.kind).toBe('odt');
		expect(sniffDocument(zipSync({ 'notes.txt': strToU8('bonjour') }))).toBeNull();
	});

	it('never trusts the name: an executable or HTML renamed .pdf is refused; text only when allowed', () => {
		expect(sniffDocument(new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03]))).toBeNull();
		const html = strToU8('<html><script>alert(1)</script></html>');
		expect(sniffDocument(html)).toBeNull();
		expect(sniffDocument(html, { allowText: true })?.kind).toBe('txt');
		expect(sniffDocument(strToU8('code;libellé;valeur\nA;Élément;3'), { allowText: true, csv: true })?.kind).toBe('csv');
		expect(sniffDocument(new Uint8Array([0x25, 0x50, 0x44, 0x46]))).toBeNull(); // truncated header
		expect(sniffDocument(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toBeNull(); // broken zip
	});

	it('names kinds in French', () => {
		expect(describeKinds(['pdf', 'docx', 'odt', 'xlsx'])).toBe('PDF, DOCX, ODT ou XLSX');
	});
});
