// Crafted hostile files (issue 14), written in code and shared by the tests and `npm run bench -- hostile-files`:
// decompression bombs (deflated zeros, sizes that lie, overlapping entries, many entries, nested archives), office
// documents whose XML is huge or deeply nested, workbooks with millions of cells, XML with deep nesting, huge
// attribute counts or entity declarations, a PDF whose content stream inflates to hundreds of megabytes, images
// whose header announces gigapixels — and, for the no-regression checks, a large but ordinary Word document.
import { deflateSync, strToU8, zipSync, zlibSync, type Zippable } from 'fflate';

const CT_DOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`;
const RELS_DOCX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`;
const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** A deterministic pseudo-random generator (the files are the same at every run). */
function rng(seed: number) {
	let s = seed >>> 0 || 1;
	return () => {
		s ^= s << 13;
		s ^= s >>> 17;
		s ^= s << 5;
		return (s >>> 0) / 0x100000000;
	};
}
const WORDS = [
	'achat',
	'clause',
	'sociale',
	'insertion',
	'marché',
	'environnement',
	'circulaire',
	'chantier',
	'axe',
	'action',
	'public',
	'durable'
];

function docxWith(documentXml: string, extra: Zippable = {}): Uint8Array {
	return zipSync(
		{
			'[Content_Types].xml': strToU8(CT_DOCX),
			'_rels/.rels': strToU8(RELS_DOCX),
			'word/document.xml': strToU8(documentXml),
			...extra
		},
		{ level: 9 }
	);
}

/**
 * The attack of the issue: a DOCX whose document.xml repeats a paragraph `paragraphs` times. With `varied`
 * text the compression ratio stays ordinary (~10:1), so only the element count gives it away; without, it
 * compresses ~300:1 (a 96 KB file holds ~1 million paragraphs).
 */
export function docxParagraphBomb(paragraphs: number, varied = false): Uint8Array {
	const r = rng(paragraphs);
	const parts: string[] = [];
	for (let i = 0; i < paragraphs; i++) {
		const text = varied ? `${WORDS[Math.floor(r() * WORDS.length)]} ${Math.floor(r() * 1e9).toString(36)}` : 'a';
		parts.push(`<w:p><w:r><w:t>${text}</w:t></w:r></w:p>`);
	}
	return docxWith(
		`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ${W}><w:body>${parts.join('')}</w:body></w:document>`
	);
}

/** A DOCX whose body nests `depth` structured-document tags. */
export function docxDeep(depth: number): Uint8Array {
	return docxWith(
		`<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>${'<w:sdt><w:sdtContent>'.repeat(depth)}<w:p><w:r><w:t>fond</w:t></w:r></w:p>${'</w:sdtContent></w:sdt>'.repeat(depth)}</w:body></w:document>`
	);
}

/** A DOCX with an XML entity expansion (« billion laughs ») in document.xml. */
export function docxEntities(): Uint8Array {
	const lol = `<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa">${Array.from({ length: 9 }, (_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`).join('')}]>`;
	return docxWith(
		`<?xml version="1.0"?>${lol}<w:document ${W}><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>`
	);
}

/** A DOCX carrying `mb` megabytes of zeros (deflate ~1000:1): the classic zip bomb, with honest headers. */
export function docxZeros(mb: number): Uint8Array {
	return docxWith(
		`<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`,
		{
			'word/media/image1.bin': new Uint8Array(mb * 1024 * 1024)
		}
	);
}

const u32le = (b: Uint8Array, o: number, v: number) => {
	b[o] = v & 0xff;
	b[o + 1] = (v >>> 8) & 0xff;
	b[o + 2] = (v >>> 16) & 0xff;
	b[o + 3] = (v >>> 24) & 0xff;
};
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;

/** The central directory records of a ZIP written by fflate: offset and name of each. */
function directory(zip: Uint8Array): { at: number; name: string; local: number }[] {
	let e = zip.length - 22;
	while (u32(zip, e) !== 0x06054b50) e--;
	const out: { at: number; name: string; local: number }[] = [];
	let p = u32(zip, e + 16);
	for (let i = 0; i < u16(zip, e + 10); i++) {
		const n = u16(zip, p + 28);
		out.push({ at: p, name: new TextDecoder().decode(zip.subarray(p + 46, p + 46 + n)), local: u32(zip, p + 42) });
		p += 46 + n + u16(zip, p + 30) + u16(zip, p + 32);
	}
	return out;
}

/**
 * A DOCX whose zeros entry declares a tiny uncompressed size (local header and directory agree) while it really
 * inflates to `mb` megabytes: declared sizes lie, only a capped inflate sees it.
 */
export function docxLyingSize(mb: number): Uint8Array {
	const zip = docxZeros(mb);
	for (const rec of directory(zip))
		if (rec.name === 'word/media/image1.bin') {
			u32le(zip, rec.at + 24, 1000);
			u32le(zip, rec.local + 22, 1000);
		}
	return zip;
}

/** A ZIP-based DOCX with `n` tiny entries. */
export function docxManyEntries(n: number): Uint8Array {
	const extra: Zippable = {};
	for (let i = 0; i < n; i++) extra[`word/media/e${i}.xml`] = strToU8('<a/>');
	return docxWith(
		`<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`,
		extra
	);
}

/**
 * Overlapping entries (the « better zip bomb » idea): the directory lists an extra entry whose local header and
 * data lie INSIDE the stored data of another entry, so that one compressed stream is counted (and inflated) twice.
 */
export function docxOverlapping(): Uint8Array {
	const inner = zipSync({ 'word/media/inner.bin': [new Uint8Array(512 * 1024), { level: 9 }] });
	const innerDir = directory(inner)[0];
	const innerLocalLen = innerDir.at; // the inner archive's local header + data end where its directory starts
	const base = docxWith(
		`<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`,
		{
			'word/media/outer.bin': [inner.subarray(0, innerLocalLen), { level: 0 }]
		}
	);
	const dir = directory(base);
	const outer = dir.find((d) => d.name === 'word/media/outer.bin')!;
	const outerData = outer.local + 30 + u16(base, outer.local + 26) + u16(base, outer.local + 28);
	// A copy of the inner directory record pointing into the outer entry's data.
	const rec = inner.slice(innerDir.at, innerDir.at + 46 + u16(inner, innerDir.at + 28));
	u32le(rec, 42, outerData);
	let e = base.length - 22;
	while (u32(base, e) !== 0x06054b50) e--;
	const cdOffset = u32(base, e + 16);
	const out = new Uint8Array(e + rec.length + 22);
	out.set(base.subarray(0, e));
	out.set(rec, e);
	out.set(base.subarray(e, e + 22), e + rec.length);
	const ne = e + rec.length;
	out[ne + 8] = (u16(base, e + 8) + 1) & 0xff;
	out[ne + 9] = ((u16(base, e + 8) + 1) >> 8) & 0xff;
	out[ne + 10] = out[ne + 8];
	out[ne + 11] = out[ne + 9];
	u32le(out, ne + 12, u32(base, e + 12) + rec.length);
	u32le(out, ne + 16, cdOffset);
	return out;
}

/** A DOCX that embeds a ZIP that embeds a ZIP (nested archives, each of them harmless alone). */
export function docxNested(): Uint8Array {
	const level2 = zipSync({ 'c.txt': strToU8('niveau 2') });
	const level1 = zipSync({ 'b.zip': [level2, { level: 0 }] });
	return docxWith(
		`<?xml version="1.0"?><w:document ${W}><w:body><w:p><w:r><w:t>x</w:t></w:r></w:p></w:body></w:document>`,
		{
			'word/embeddings/a.zip': [level1, { level: 0 }]
		}
	);
}

const CT_XLSX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`;
const RELS_XLSX = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`;
const WB = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Valeurs" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const WB_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;

function col(n: number): string {
	let s = '';
	for (n++; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
	return s;
}

/** An XLSX whose sheet has `cells` numeric cells (10 columns wide), with varied values. */
export function xlsxCells(cells: number): Uint8Array {
	const r = rng(cells);
	const rows: string[] = [];
	for (let i = 0; i < cells / 10; i++) {
		const cs: string[] = [];
		for (let c = 0; c < 10; c++) cs.push(`<c r="${col(c)}${i + 1}"><v>${Math.floor(r() * 1e6)}</v></c>`);
		rows.push(`<row r="${i + 1}">${cs.join('')}</row>`);
	}
	const sheet = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${rows.join('')}</sheetData></worksheet>`;
	return zipSync(
		{
			'[Content_Types].xml': strToU8(CT_XLSX),
			'_rels/.rels': strToU8(RELS_XLSX),
			'xl/workbook.xml': strToU8(WB),
			'xl/_rels/workbook.xml.rels': strToU8(WB_RELS),
			'xl/worksheets/sheet1.xml': strToU8(sheet)
		},
		{ level: 9 }
	);
}

/** An XLSX whose sharedStrings part holds `strings` strings (and one cell). */
export function xlsxSharedStrings(strings: number): Uint8Array {
	const r = rng(strings);
	const si: string[] = [];
	for (let i = 0; i < strings; i++) si.push(`<si><t>${Math.floor(r() * 1e12).toString(36)}</t></si>`);
	const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings}" uniqueCount="${strings}">${si.join('')}</sst>`;
	const sheet = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`;
	return zipSync(
		{
			'[Content_Types].xml': strToU8(CT_XLSX),
			'_rels/.rels': strToU8(RELS_XLSX),
			'xl/workbook.xml': strToU8(WB),
			'xl/_rels/workbook.xml.rels': strToU8(WB_RELS),
			'xl/worksheets/sheet1.xml': strToU8(sheet),
			'xl/sharedStrings.xml': strToU8(sst)
		},
		{ level: 9 }
	);
}

/** An XLSX whose sheet is `mb` megabytes of zeros-compressible XML padding (ratio bomb). */
export function xlsxZeros(mb: number): Uint8Array {
	const sheet = `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${' '.repeat(mb * 1024 * 1024)}</sheetData></worksheet>`;
	return zipSync(
		{
			'[Content_Types].xml': strToU8(CT_XLSX),
			'_rels/.rels': strToU8(RELS_XLSX),
			'xl/workbook.xml': strToU8(WB),
			'xl/_rels/workbook.xml.rels': strToU8(WB_RELS),
			'xl/worksheets/sheet1.xml': strToU8(sheet)
		},
		{ level: 9 }
	);
}

/** DECP-shaped XML nested `depth` levels deep. */
export function xmlDeep(depth: number): Uint8Array {
	return strToU8(
		`<?xml version="1.0" encoding="UTF-8"?><marches><marche>${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}</marche></marches>`
	);
}

/** DECP-shaped XML with one element carrying `n` attributes. */
export function xmlAttributes(n: number): Uint8Array {
	const attrs: string[] = [];
	for (let i = 0; i < n; i++) attrs.push(`a${i}="${i}"`);
	return strToU8(`<?xml version="1.0" encoding="UTF-8"?><marches><marche ${attrs.join(' ')}/></marches>`);
}

/** DECP-shaped XML with `n` empty elements. */
export function xmlManyElements(n: number): Uint8Array {
	return strToU8(`<?xml version="1.0" encoding="UTF-8"?><marches>${'<marche/>'.repeat(n)}</marches>`);
}

/** DECP-shaped XML with an entity expansion (« billion laughs »). */
export function xmlEntities(): Uint8Array {
	const defs = Array.from(
		{ length: 9 },
		(_, i) => `<!ENTITY ${String.fromCharCode(98 + i)} "${`&${String.fromCharCode(97 + i)};`.repeat(10)}">`
	).join('');
	return strToU8(
		`<?xml version="1.0"?><!DOCTYPE marches [<!ENTITY a "aaaaaaaaaa">${defs}]><marches><marche><objet>&j;</objet></marche></marches>`
	);
}

/** A PDF whose page content stream is `mb` megabytes of spaces, deflated (~1000:1). */
export function pdfBomb(mb: number): Uint8Array {
	const content = zlibSync(new Uint8Array(mb * 1024 * 1024).fill(0x20), { level: 9 });
	const head = strToU8(
		`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n4 0 obj << /Length ${content.length} /Filter /FlateDecode >>\nstream\n`
	);
	const tail = strToU8(`\nendstream\nendobj\ntrailer << /Root 1 0 R /Size 5 >>\n%%EOF\n`);
	const out = new Uint8Array(head.length + content.length + tail.length);
	out.set(head);
	out.set(content, head.length);
	out.set(tail, head.length + content.length);
	return out;
}

/** A small PNG whose header announces `width` × `height` pixels (a browser would allocate them all). */
export function pngHuge(width: number, height: number): Uint8Array {
	const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
	const ihdr = new Uint8Array(25);
	ihdr.set([0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
	const be = (o: number, v: number) => ihdr.set([(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255], o);
	be(8, width);
	be(12, height);
	ihdr.set([8, 2, 0, 0, 0], 16);
	const idat = deflateSync(new Uint8Array(64 * 1024));
	const chunk = new Uint8Array(12 + idat.length);
	chunk.set([
		(idat.length >>> 24) & 255,
		(idat.length >>> 16) & 255,
		(idat.length >>> 8) & 255,
		idat.length & 255,
		0x49,
		0x44,
		0x41,
		0x54
	]);
	chunk.set(idat, 8);
	const end = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
	return new Uint8Array([...sig, ...ihdr, ...chunk, ...end]);
}

/** A tiny honest PNG (1 × 1). */
export function pngSmall(): Uint8Array {
	return pngHuge(1, 1);
}

/**
 * A large but ordinary Word document: `sections` axes of chantiers and actions with headings, formatted runs,
 * bullet-like paragraphs and a table each — about 150 pages for 20 sections, as real SPASERs are. Built by the
 * `docx` package (as Word writes them: styles, numbering, settings parts).
 */
export async function legitLargeDocx(sections = 20): Promise<Uint8Array> {
	const { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } = await import('docx');
	const r = rng(sections);
	const sentence = () =>
		Array.from({ length: 25 }, () => WORDS[Math.floor(r() * WORDS.length)])
			.join(' ')
			.replace(/^./, (c) => c.toUpperCase()) + '.';
	const children: InstanceType<typeof Paragraph | typeof Table>[] = [];
	for (let a = 1; a <= sections; a++) {
		children.push(new Paragraph({ text: `Axe ${a} : ${sentence().slice(0, 60)}`, heading: HeadingLevel.HEADING_1 }));
		for (let c = 1; c <= 4; c++) {
			children.push(
				new Paragraph({ text: `Chantier ${a}.${c} : ${sentence().slice(0, 60)}`, heading: HeadingLevel.HEADING_2 })
			);
			for (let k = 1; k <= 4; k++) {
				children.push(
					new Paragraph({ text: `Action ${a}.${c}.${k} : ${sentence().slice(0, 50)}`, heading: HeadingLevel.HEADING_3 })
				);
				for (let p = 0; p < 6; p++)
					children.push(
						new Paragraph({
							children: [
								new TextRun({ text: sentence(), bold: p === 0 }),
								new TextRun({ text: ' ' + sentence(), italics: p % 2 === 1 })
							]
						})
					);
			}
			children.push(
				new Table({
					rows: Array.from(
						{ length: 6 },
						(_, i) =>
							new TableRow({
								children: [0, 1, 2].map(
									(j) =>
										new TableCell({
											children: [new Paragraph(i === 0 ? `Indicateur ${j + 1}` : `${Math.floor(r() * 100)} %`)]
										})
								)
							})
					)
				})
			);
		}
	}
	return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children }] })));
}
