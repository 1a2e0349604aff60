import { describe, expect, it } from 'vitest';
import { zipSync, strToU8 } from 'fflate';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { PDFDocument } from 'pdf-lib';
import { AppError } from '../../src/lib/server/kit/errors';
import { binaryContent, describeKinds, sniffDataFile, sniffDocument } from '../../src/lib/server/files/sniff';

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
		const odt = zipSync({
			mimetype: strToU8('application/vnd.oasis.opendocument.text'),
			'content.xml': strToU8('<office:document-content/>')
		});
		expect(sniffDocument(odt)?.kind).toBe('odt');
		expect(sniffDocument(zipSync({ 'notes.txt': strToU8('bonjour') }))).toBeNull();
	});

	it('never trusts the name: an executable or HTML renamed .pdf is refused; text only when allowed', () => {
		expect(sniffDocument(new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03]))).toBeNull();
		const html = strToU8('<html><script>alert(1)</script></html>');
		expect(sniffDocument(html)).toBeNull();
		expect(sniffDocument(html, { allowText: true })?.kind).toBe('txt');
		expect(sniffDocument(strToU8('code;libellé;valeur\nA;Élément;3'), { allowText: true, csv: true })?.kind).toBe(
			'csv'
		);
		expect(sniffDocument(new Uint8Array([0x25, 0x50, 0x44, 0x46]))).toBeNull(); // truncated header
		expect(sniffDocument(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]))).toBeNull(); // broken zip
	});

	it('names kinds in French', () => {
		expect(describeKinds(['pdf', 'docx', 'odt', 'xlsx'])).toBe('PDF, DOCX, ODT ou XLSX');
	});
});

describe('sniffDataFile (imports: CSV, JSON, XML, XLSX)', () => {
	const text = (s: string) => strToU8(s);
	const MZ = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04]);
	const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
	const refusal = (bytes: Uint8Array, name: string, accepted: Parameters<typeof sniffDataFile>[2]) => {
		try {
			sniffDataFile(bytes, name, accepted);
		} catch (e) {
			expect(e).toBeInstanceOf(AppError);
			return e as AppError;
		}
		throw new Error(`${name} was accepted`);
	};

	it('accepts honest files and decides unnamed ones from their content', async () => {
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Valeurs').addRow(['Code indicateur', 'Année', 'Valeur']);
		const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
		expect(sniffDataFile(xlsx, 'valeurs.xlsx', ['csv', 'xlsx'])).toBe('xlsx');
		expect(sniffDataFile(xlsx, 'valeurs', ['csv', 'xlsx'])).toBe('xlsx');
		expect(sniffDataFile(text('\uFEFFCode;Année\nA;2025'), 'valeurs.csv', ['csv', 'xlsx'])).toBe('csv');
		expect(sniffDataFile(text('  [{"titre":"x"}]'), 'clauses.json', ['csv', 'json'])).toBe('json');
		expect(sniffDataFile(text('[{"titre":"x"}]'), 'clauses', ['csv', 'json'])).toBe('json');
		expect(sniffDataFile(text('titre;type\nx;clause'), 'clauses', ['csv', 'json'])).toBe('csv');
		expect(sniffDataFile(text('<?xml version="1.0"?>\n<marches/>'), 'decp.xml', ['json', 'xml'])).toBe('xml');
		expect(sniffDataFile(text('{"marches":[]}'), 'decp', ['json', 'xml'])).toBe('json');
		// Latin-1 CSV exported by an old Excel is still text
		expect(
			sniffDataFile(new Uint8Array([0x63, 0x6f, 0x64, 0x65, 0x3b, 0x61, 0x6e, 0x6e, 0xe9, 0x65, 0x0a]), 'v.csv', [
				'csv'
			])
		).toBe('csv');
	});

	it('refuses programs, PDF, archives and binary content whatever the name, with a French message', () => {
		for (const [bytes, name, accepted] of [
			[MZ, 'valeurs.csv', ['csv', 'xlsx']],
			[MZ, 'export.json', ['json']],
			[ELF, 'decp.xml', ['json', 'xml']],
			[text('%PDF-1.7\n1 0 obj'), 'spaser.json', ['json']],
			[text('%PDF-1.7\n1 0 obj'), 'clauses.csv', ['csv', 'json']],
			[zipSync({ 'notes.txt': strToU8('bonjour') }), 'valeurs.xlsx', ['csv', 'xlsx']],
			[new Uint8Array([0x1f, 0x8b, 0x08, 0x00]), 'decp.json', ['json', 'xml']],
			[text('code;valeur\n\u0000\u0001A;2'), 'valeurs.csv', ['csv', 'xlsx']]
		] as const) {
			const e = refusal(bytes, name, accepted);
			expect(e).toMatchObject({ code: 'invalid_file_type', status: 415, details: { field: 'file' } });
			expect(e.message).toMatch(/programme|PDF|ZIP|classeur|archive|binaires/);
		}
		expect(refusal(MZ, 'valeurs.csv', ['csv']).message).toBe(
			'Le contenu de ce fichier ne correspond pas à son nom (.csv)\u00a0: c’est un programme Windows (.exe). Choisissez un fichier CSV.'
		);
	});

	it('refuses web pages, SVG and scripts, text named .xlsx, and JSON or XML that is not', async () => {
		for (const page of [
			'<!DOCTYPE html><html><body>x</body></html>',
			'\uFEFF  <html>',
			'<script>alert(1)</script>',
			'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
			'<!-- x --><svg/>'
		])
			for (const [name, accepted] of [
				['a.csv', ['csv']],
				['a.json', ['json']],
				['a.xml', ['json', 'xml']],
				['a', ['csv', 'json']]
			] as const)
				expect(refusal(text(page), name, accepted).code).toBe('invalid_file_type');
		expect(refusal(text('code;valeur\nA;1'), 'valeurs.xlsx', ['csv', 'xlsx']).message).toMatch(/pas un classeur Excel/);
		expect(refusal(text('titre;type\nx;clause'), 'clauses.json', ['csv', 'json']).message).toMatch(
			/commence par «\u00a0\{/
		);
		expect(refusal(text('{"marches":[]}'), 'decp.xml', ['json', 'xml']).message).toMatch(/pas du XML/);
		expect(refusal(text('id;objet\n1;x'), 'decp', ['json', 'xml']).message).toBe(
			'Ce fichier n’est pas un fichier JSON ou XML.'
		);
		// A real workbook under a CSV name lies too
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Valeurs').addRow(['a']);
		expect(refusal(new Uint8Array(await wb.xlsx.writeBuffer()), 'valeurs.csv', ['csv', 'xlsx']).message).toMatch(
			/classeur Excel/
		);
		expect(refusal(text('a;b'), 'valeurs.pdf', ['csv', 'xlsx']).message).toMatch(/\.pdf ne sont pas acceptés/);
		expect(refusal(text('a;b'), 'clauses.xlsx', ['csv', 'json']).message).toMatch(/\.xlsx ne sont pas acceptés/);
	});

	it('names binary content and leaves blank text to the caller', () => {
		expect(binaryContent(MZ)?.label).toMatch(/Windows/);
		expect(binaryContent(text('a;b\n1;2'))).toBeNull();
		expect(sniffDataFile(text('  \n'), 'x.json', ['json'])).toBe('json');
	});
});
