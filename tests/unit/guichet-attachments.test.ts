import { describe, expect, it } from 'vitest';
import { strToU8, zipSync } from 'fflate';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { AppError } from '../../src/lib/server/kit/errors';
import { MAX_ATTACHMENT_BYTES, prepareAttachments } from '../../src/lib/server/guichet/attachments';

// Image headers that give their size (1 × 1): images whose header is unreadable are refused (issue 14).
const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0]);
const PNG = new Uint8Array([
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0,
	0, 0
]);

function refusal(files: Parameters<typeof prepareAttachments>[0]): string {
	try {
		prepareAttachments(files);
	} catch (e) {
		expect(e).toBeInstanceOf(AppError);
		expect((e as AppError).details?.field).toBe('attachments');
		return (e as AppError).message;
	}
	throw new Error('expected a refusal');
}

describe('prepareAttachments', () => {
	it('accepts DOCX, ODT, XLSX, PNG and JPEG by content and names them with the real extension', async () => {
		const docx = new Uint8Array(
			await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('Clause')] }] }))
		);
		const odt = zipSync({
			mimetype: strToU8('application/vnd.oasis.opendocument.text'),
			'content.xml': strToU8('<x/>')
		});
		const wb = new ExcelJS.Workbook();
		wb.addWorksheet('Heures').addRow(['lot', 120]);
		const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
		const out = prepareAttachments([
			{ name: 'Mémoire technique.docx', bytes: docx },
			{ name: 'note', bytes: odt },
			{ name: 'suivi.xls', bytes: xlsx },
			{ name: '../../etc/capture.png', bytes: PNG },
			{ name: 'photo.JPEG', bytes: JPEG }
		]);
		expect(out.map((f) => [f.filename, f.mime])).toEqual([
			['Mémoire technique.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
			['note.odt', 'application/vnd.oasis.opendocument.text'],
			['suivi.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
			['capture.png', 'image/png'],
			['photo.jpg', 'image/jpeg']
		]);
	});

	it('refuses other types whatever their name, empty or oversized files, and too many at once', () => {
		const pptxLike = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'ppt/presentation.xml': strToU8('<p/>') });
		expect(refusal([{ name: 'diapo.pdf', bytes: pptxLike }])).toMatch(
			/« diapo\.pdf » n'est pas un fichier accepté : joignez un fichier PDF, DOCX, ODT, XLSX, PNG ou JPEG\./
		);
		expect(refusal([{ name: 'texte.docx', bytes: strToU8('du texte') }])).toMatch(/n'est pas un fichier accepté/);
		expect(refusal([{ name: 'vide.pdf', bytes: new Uint8Array(0) }])).toMatch(/est vide/);
		expect(refusal([{ name: 'gros.pdf', bytes: new Uint8Array(0), size: MAX_ATTACHMENT_BYTES + 1 }])).toMatch(
			/dépasse 10\u00a0Mo/
		);
		expect(refusal(Array.from({ length: 11 }, (_, i) => ({ name: `p${i}.png`, bytes: PNG })))).toMatch(
			/au plus 10\u00a0fichiers/
		);
		expect(prepareAttachments(undefined)).toEqual([]);
		expect(prepareAttachments([{ name: '', bytes: new Uint8Array(0) }])).toEqual([]);
	});
});
