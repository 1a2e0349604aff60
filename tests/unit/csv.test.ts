import { describe, expect, it } from 'vitest';
import { csvCell, csvDocument, csvText, unescapeCsvText } from '../../src/lib/server/files/csv';
import { toCsv as eventsCsv } from '../../src/lib/server/events/figures';
import { parseCsv } from '../../src/lib/server/resources/io';

const FORMULAS = [
	'=HYPERLINK("https://pirate.example","Cliquez")',
	"=cmd|' /C calc'!A0",
	'+1+1',
	'-2+3',
	'@SUM(A1:A2)',
	'\t=1+1',
	'\r=1+1'
];

describe('CSV exports: no formula injection', () => {
	it('text that a spreadsheet would run as a formula is written as text (leading apostrophe)', () => {
		for (const f of FORMULAS) expect(csvText(f)).toBe(`'${f}`);
		for (const plain of ['Clause d’insertion', 'Montant = 40 000 €', "L'achat", '', '3-5 ans'])
			expect(csvText(plain)).toBe(plain);
	});

	it('numbers stay numbers (a negative number is not a formula), cells are quoted when needed', () => {
		expect(csvCell(-12.5, { separator: ';', decimalComma: true })).toBe('-12,5');
		expect(csvCell(-12.5, { separator: ',' })).toBe('-12.5');
		expect(csvCell('=1+1; "x"', { separator: ';' })).toBe(`"'=1+1; ""x"""`);
		expect(csvCell('a,b', { separator: ',' })).toBe('"a,b"');
		expect(csvCell(null, { separator: ',' })).toBe('');
	});

	it('the platform reads its own escaping back; an apostrophe people typed stays', () => {
		for (const f of FORMULAS) expect(unescapeCsvText(csvText(f))).toBe(f);
		expect(unescapeCsvText("'ordinaire")).toBe("'ordinaire");
		const doc = csvDocument(
			[
				['titre', 'n'],
				[FORMULAS[0], 3]
			],
			{ separator: ',' }
		);
		const [, row] = parseCsv(doc.replace(/^\ufeff/, ''));
		expect(row[0]).toBe(`'${FORMULAS[0]}`);
		expect(unescapeCsvText(row[0])).toBe(FORMULAS[0]);
	});

	it('event registrations export: a participant named like a formula is text', () => {
		const csv = eventsCsv(
			['Nom', 'Heures'],
			[
				['=HYPERLINK("https://x.example")', 2.5],
				['@Léa', null]
			]
		);
		expect(csv.split('\r\n')).toEqual(['\ufeffNom;Heures', `"'=HYPERLINK(""https://x.example"")";2,5`, "'@Léa;", '']);
	});
});
