// Fuzzing the CSV and XLSX imports of indicator values with generated bad input (fast-check): never a crash (only
// clear French refusals), never a partial import — either every row is valid and all are saved, or nothing changes.
// (The DECP importer has its own fuzz tests: tests/unit/decp.test.ts and tests/integration/fuzz-decp.test.ts.)
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db';
import { AppError } from '../../src/lib/server/kit/errors';
import { importValues } from '../../src/lib/server/indicators/import';
import { engines, openTestDb } from '../helpers/engines';
import { createOrg, createUser, type TestUser } from '../helpers/factories';

const HEADER = 'Code indicateur;Année;Valeur;Numérateur;Dénominateur;Périmètre;Commentaire';

/** A cell: plausible values, edge cases and garbage (separators, quotes, line breaks, control characters). */
const cell = fc.oneof(
	fc.constantFrom(
		'',
		' ',
		'12',
		'12,5',
		'-3',
		'101',
		'1e309',
		'NaN',
		'2025',
		'1999',
		'2101',
		'abc',
		'"',
		'";"',
		'\n',
		'\r\n',
		'\u0000',
		'💥',
		'=1+1'
	),
	fc.string({ maxLength: 12 }),
	fc.double({ noNaN: false }).map(String)
);
const code = fc.constantFrom('CAN-ENV-01', 'CAN-SOC-01', 'can-env-01', 'INCONNU', '', 'CAN-ENV-01;', '"CAN-ENV-01"');
const year = fc.oneof(fc.integer({ min: 2018, max: 2030 }).map(String), cell);
const row = fc
	.tuple(code, year, cell, cell, cell, cell, cell)
	.map((cells) => cells.join(fc.sample(fc.constantFrom(';', ';', ','), 1)[0]));
const csv = fc.oneof(
	fc.array(row, { maxLength: 8 }).map((rows) => [HEADER, ...rows].join('\n')),
	fc.array(row, { maxLength: 4 }).map((rows) => ['\uFEFF' + HEADER.replace(/;/g, ','), ...rows].join('\r\n')),
	fc.string({ maxLength: 200 }),
	fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b))
);

/** An XLSX cell: good values, wrong types, formulas (with or without a cached result), rich text, errors, huge text. */
const xlsxCell: fc.Arbitrary<ExcelJS.CellValue> = fc.oneof(
	fc.constantFrom<ExcelJS.CellValue>(
		null,
		'',
		12,
		12.5,
		-3,
		101,
		0,
		1,
		'12,5',
		'abc',
		true,
		false,
		Number.MAX_VALUE,
		-0
	),
	fc.double().map((d) => (Number.isFinite(d) ? d : String(d))),
	fc.string({ maxLength: 12 }),
	fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
	fc.constantFrom<ExcelJS.CellValue>(
		{ formula: '1+1', result: 2 },
		{ formula: 'A1*1000', result: '#REF!' as unknown as number },
		{ formula: 'NOW()' } as ExcelJS.CellValue,
		{ richText: [{ text: '4' }, { text: '2' }] },
		{ text: 'lien', hyperlink: 'https://example.org' },
		{ error: '#DIV/0!' } as ExcelJS.CellValue
	),
	fc.integer({ min: 1_000, max: 32_000 }).map((n) => 'é'.repeat(n))
);
const xlsxYear = fc.oneof(
	fc.integer({ min: 2018, max: 2030 }),
	fc.integer({ min: 2018, max: 2030 }).map(String),
	xlsxCell
);
const xlsxValue = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }), xlsxCell);
const xlsxRow = fc.tuple(
	code,
	xlsxYear,
	xlsxValue,
	xlsxCell,
	xlsxCell,
	fc.oneof(fc.constant(''), xlsxCell),
	fc.oneof(fc.constant(''), xlsxCell)
);
const workbook = fc.record({
	name: fc.constantFrom('valeurs.xlsx', 'valeurs.xlsx', 'valeurs'),
	/** Where the values go: the « Valeurs » sheet, the first sheet under another name, or nowhere (empty workbook). */
	layout: fc.constantFrom('valeurs', 'valeurs', 'first-sheet', 'valeurs-after-other', 'only-other-empty', 'no-header'),
	rows: fc.array(xlsxRow, { maxLength: 8 }),
	/** A clean row of a known indicator, so that some workbooks are saved. */
	cleanRows: fc.array(
		fc.tuple(
			fc.constantFrom('CAN-ENV-01', 'CAN-SOC-01'),
			fc.integer({ min: 2018, max: 2030 }),
			fc.integer({ min: 0, max: 100 })
		),
		{ maxLength: 3 }
	),
	extraSheets: fc.array(fc.array(xlsxCell, { maxLength: 4 }), { maxLength: 2 })
});

async function buildWorkbook(spec: typeof workbook extends fc.Arbitrary<infer T> ? T : never): Promise<Uint8Array> {
	const wb = new ExcelJS.Workbook();
	const header = HEADER.split(';');
	const rows = [...spec.rows.map((r) => [...r]), ...spec.cleanRows.map((r) => [...r])];
	const addExtras = () => spec.extraSheets.forEach((cells, i) => wb.addWorksheet(`Notes ${i + 1}`).addRow(cells));
	if (spec.layout === 'valeurs-after-other') wb.addWorksheet('Lisez-moi').addRow(['Mode d’emploi', { formula: '1/0' }]);
	if (spec.layout === 'only-other-empty') wb.addWorksheet('Vide');
	else {
		const ws = wb.addWorksheet(spec.layout === 'first-sheet' ? 'Feuil1' : 'Valeurs');
		if (spec.layout !== 'no-header') ws.addRow(header);
		ws.addRows(rows);
	}
	addExtras();
	return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe.each(engines)('fuzzed CSV imports of indicator values (%s)', (engine) => {
	let db: Database;
	let admin: TestUser;
	let orgId: string;
	beforeAll(async () => {
		db = await openTestDb(engine);
		admin = await createUser(db);
		orgId = (await createOrg(db, admin, 'Ville de Fuzz')).id;
	});
	afterAll(async () => {
		await db?.close();
	});

	const snapshot = async () =>
		(
			await db.query<{ k: string }>(
				`select indicator_id || ':' || year || ':' || value as k from public.indicator_values where org_id = $1 order by 1`,
				[orgId]
			)
		).map((r) => r.k);

	/** Imports one file and checks the property; returns what happened (for the coverage check of the XLSX arm). */
	async function importAndCheck(name: string, bytes: Uint8Array): Promise<'refused' | 'invalid' | 'saved'> {
		const before = await snapshot();
		let report: Awaited<ReturnType<typeof importValues>>;
		try {
			report = await importValues(db, admin, orgId, { name, bytes });
		} catch (e) {
			// Refused as a whole, with a clear message, and nothing changed.
			expect(e).toBeInstanceOf(AppError);
			expect((e as AppError).status).toBeLessThan(500);
			expect((e as AppError).message).toMatch(/[a-zé]/);
			expect(await snapshot()).toEqual(before);
			return 'refused';
		}
		const after = await snapshot();
		if (!report.saved) {
			expect(report.invalid).toBeGreaterThan(0);
			expect(after).toEqual(before);
			return 'invalid';
		}
		expect(report.invalid).toBe(0);
		expect(report.rows.every((r) => r.status === 'created' || r.status === 'updated')).toBe(true);
		expect(after.length).toBe(before.length + report.created);
		return 'saved';
	}

	it('never crashes and never imports part of a file', { timeout: 120_000 }, async () => {
		await fc.assert(
			fc.asyncProperty(csv, async (text) => {
				await importAndCheck('valeurs.csv', new TextEncoder().encode(text));
			}),
			{ numRuns: engine === 'pglite' ? 150 : 100, seed: 20261122 }
		);
	});

	it(
		'XLSX: generated workbooks (wrong cell types, formulas, empty and extra sheets, huge values) never crash nor import part of a file',
		{ timeout: 120_000 },
		async () => {
			const seen = { refused: 0, invalid: 0, saved: 0 };
			await fc.assert(
				fc.asyncProperty(workbook, async (spec) => {
					seen[await importAndCheck(spec.name, await buildWorkbook(spec))]++;
				}),
				{ numRuns: 150, seed: 20261122 }
			);
			// the generator reaches the three outcomes: refused file, rows reported invalid, saved
			expect(seen.refused).toBeGreaterThan(0);
			expect(seen.invalid).toBeGreaterThan(0);
			expect(seen.saved).toBeGreaterThan(0);
		}
	);
});
