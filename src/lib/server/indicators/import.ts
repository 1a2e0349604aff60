// Import of a collectivité's indicator values (CSV / XLSX) with a row-by-row report.
import { csvDocument } from '../files/csv';
import { z } from 'zod';
import { valueInputSchema } from './input';
import { withUser, type Actor, type Database } from '../db';
import { AppError, guard } from '$lib/server/kit/errors';
import { inspectZip } from '../files/limits';
import { sniffDataFile } from '../files/sniff';
import { runFileTask } from '../files/worker-pool';
import { catalogueTx, listCatalogue, requireWriter, upsertTx } from './service';

// ---------------------------------------------------------------------------------------------------------
// Import (CSV / XLSX) with a row-by-row report: all rows valid → all saved; otherwise nothing is saved.
// ---------------------------------------------------------------------------------------------------------
export const IMPORT_COLUMNS = [
	'code',
	'annee',
	'valeur',
	'numerateur',
	'denominateur',
	'perimetre',
	'commentaire'
] as const;
export const IMPORT_HEADERS = [
	'Code indicateur',
	'Année',
	'Valeur',
	'Numérateur',
	'Dénominateur',
	'Périmètre',
	'Commentaire'
];

export interface ImportRowReport {
	line: number;
	code: string;
	year: string;
	status: 'created' | 'updated' | 'invalid' | 'valid';
	message: string;
}

export interface ValuesImportReport {
	saved: boolean;
	rows: ImportRowReport[];
	created: number;
	updated: number;
	invalid: number;
}

function normHeader(h: string) {
	return h
		.normalize('NFD')
		.replace(/[\u0300-\u036f]/g, '')
		.toLowerCase()
		.replace(/[^a-z]/g, '');
}
const HEADER_MAP: Record<string, (typeof IMPORT_COLUMNS)[number]> = {
	code: 'code',
	codeindicateur: 'code',
	indicateur: 'code',
	annee: 'annee',
	year: 'annee',
	valeur: 'valeur',
	value: 'valeur',
	numerateur: 'numerateur',
	denominateur: 'denominateur',
	perimetre: 'perimetre',
	commentaire: 'commentaire'
};

/** Splits CSV text (separator ; or , detected on the header line; quotes as in RFC 4180). */
export function parseCsv(text: string): string[][] {
	text = text.replace(/^\uFEFF/, '');
	const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
	const sep = (firstLine.match(/;/g)?.length ?? 0) >= (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
	const rows: string[][] = [];
	let row: string[] = [];
	let cell = '';
	let quoted = false;
	for (let i = 0; i < text.length; i++) {
		const ch = text[i];
		if (quoted) {
			if (ch === '"') {
				if (text[i + 1] === '"') {
					cell += '"';
					i++;
				} else quoted = false;
			} else cell += ch;
		} else if (ch === '"' && cell === '') quoted = true;
		else if (ch === sep) {
			row.push(cell);
			cell = '';
		} else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && text[i + 1] === '\n') i++;
			row.push(cell);
			rows.push(row);
			row = [];
			cell = '';
		} else cell += ch;
	}
	if (cell !== '' || row.length) {
		row.push(cell);
		rows.push(row);
	}
	return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

/** The rows of the values sheet of a workbook, read by exceljs in a worker thread after the bounds are checked. */
export function readXlsxRows(bytes: Uint8Array, owner = 'anonymous'): Promise<string[][]> {
	inspectZip(bytes);
	return runFileTask<string[][]>(owner, { kind: 'xlsx-rows', bytes, sheet: 'Valeurs', columns: IMPORT_COLUMNS.length });
}

/** Largest values file: 5 000 rows of the template weigh a few hundred kilobytes. */
export const MAX_VALUES_IMPORT_BYTES = 5 * 1024 * 1024;

export async function importValues(
	db: Database,
	actor: Actor,
	orgId: string,
	file: { name: string; bytes: Uint8Array }
): Promise<ValuesImportReport> {
	if (!file.bytes.byteLength)
		throw new AppError('invalid', 'Le fichier est vide\u00a0: partez du modèle CSV ou XLSX proposé.', 400, {
			field: 'file'
		});
	if (file.bytes.byteLength > MAX_VALUES_IMPORT_BYTES)
		throw new AppError(
			'payload_too_large',
			'Le fichier dépasse 5\u00a0Mo\u00a0: découpez-le (5\u00a0000 lignes au plus).',
			413,
			{ field: 'file' }
		);
	// The type comes from the bytes: a program, a PDF, a web page or a ZIP that is not a workbook is refused whatever its name.
	const isXlsx = sniffDataFile(file.bytes, file.name, ['csv', 'xlsx']) === 'xlsx';
	// The right first: nobody makes the server read a file for a collectivité where they may not write.
	await guard(withUser(db, actor, (tx) => requireWriter(tx, orgId)));
	let table: string[][];
	try {
		table = isXlsx ? await readXlsxRows(file.bytes, actor.id) : parseCsv(new TextDecoder().decode(file.bytes));
	} catch (e) {
		if (e instanceof AppError && [413, 422, 429, 503].includes(e.status)) throw e;
		throw new AppError('invalid', 'Ce fichier ne peut pas être lu : utilisez le modèle CSV ou XLSX proposé.', 400, {
			field: 'file'
		});
	}
	if (table.length < 2)
		throw new AppError('invalid', 'Le fichier ne contient aucune ligne de valeurs sous l’en-tête.', 400, {
			field: 'file'
		});
	const header = table[0].map((h) => HEADER_MAP[normHeader(h)]);
	for (const required of ['code', 'annee', 'valeur'] as const)
		if (!header.includes(required))
			throw new AppError(
				'invalid',
				`Colonne manquante : « ${IMPORT_HEADERS[IMPORT_COLUMNS.indexOf(required)]} ». Partez du modèle proposé.`,
				400,
				{ field: 'file' }
			);
	if (table.length > 5001)
		throw new AppError('invalid', 'Le fichier dépasse 5 000 lignes : découpez-le.', 400, { field: 'file' });
	const source = isXlsx ? 'import_xlsx' : 'import_csv';
	return guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const catalogue = await catalogueTx(tx, orgId);
			const byCode = new Map(catalogue.map((d) => [d.code.toUpperCase(), d]));
			const reports: ImportRowReport[] = [];
			const valid: { line: number; data: z.output<typeof valueInputSchema> }[] = [];
			const seen = new Set<string>();
			table.slice(1).forEach((cells, i) => {
				const line = i + 2;
				const get = (col: (typeof IMPORT_COLUMNS)[number]) => {
					const idx = header.indexOf(col);
					return idx >= 0 ? (cells[idx] ?? '').trim() : '';
				};
				const code = get('code').toUpperCase();
				const yearText = get('annee');
				const def = byCode.get(code);
				if (!def) {
					reports.push({
						line,
						code,
						year: yearText,
						status: 'invalid',
						message: code ? `Code inconnu : ${code}.` : 'Code indicateur manquant.'
					});
					return;
				}
				const parsed = valueInputSchema.safeParse({
					indicatorId: def.id,
					year: yearText,
					value: get('valeur'),
					numerator: get('numerateur') || null,
					denominator: get('denominateur') || null,
					perimeter: get('perimetre'),
					comment: get('commentaire')
				});
				if (!parsed.success) {
					reports.push({
						line,
						code,
						year: yearText,
						status: 'invalid',
						message: parsed.error.issues[0]?.message ?? 'Ligne invalide.'
					});
					return;
				}
				const key = `${def.id}|${parsed.data.year}`;
				if (seen.has(key)) {
					reports.push({
						line,
						code,
						year: yearText,
						status: 'invalid',
						message: `Doublon : ${code} ${parsed.data.year} figure déjà plus haut.`
					});
					return;
				}
				const v = parsed.data.value;
				if (
					(def.unit === 'percent' && (v < 0 || v > 100)) ||
					(def.unit === 'milestone' && v !== 0 && v !== 1) ||
					(def.unit !== 'percent' && def.unit !== 'milestone' && v < 0)
				) {
					reports.push({
						line,
						code,
						year: yearText,
						status: 'invalid',
						message:
							def.unit === 'percent'
								? 'Un pourcentage doit être compris entre 0 et 100.'
								: def.unit === 'milestone'
									? 'Pour un jalon, indiquez 1 (oui) ou 0 (non).'
									: 'La valeur ne peut pas être négative.'
					});
					return;
				}
				seen.add(key);
				reports.push({ line, code, year: yearText, status: 'valid', message: '' });
				valid.push({ line, data: parsed.data });
			});
			const invalidCount = reports.filter((r) => r.status === 'invalid').length;
			if (invalidCount) {
				for (const r of reports)
					if (r.status === 'valid') r.message = 'Valide (non enregistrée : corrigez les autres lignes).';
				return { saved: false, rows: reports, created: 0, updated: 0, invalid: invalidCount };
			}
			let created = 0;
			let updated = 0;
			for (const { line, data } of valid) {
				const res = await upsertTx(tx, orgId, data, source);
				const r = reports.find((x) => x.line === line)!;
				r.status = res.created ? 'created' : 'updated';
				r.message = res.created ? 'Valeur enregistrée.' : 'Valeur remplacée.';
				if (res.created) created++;
				else updated++;
			}
			return { saved: true, rows: reports, created, updated, invalid: 0 };
		})
	);
}

/** The import template: XLSX with a « Valeurs » sheet (header + example) and the catalogue; or CSV. */
export async function importTemplate(
	db: Database,
	actor: Actor,
	orgId: string,
	format: 'csv' | 'xlsx'
): Promise<Uint8Array> {
	const catalogue = await listCatalogue(db, actor, orgId);
	const example = ['CAN-SOC-01', '2025', '24,5', '49', '200', 'Marchés ≥ 40 000 € HT notifiés', 'Source : DECP'];
	if (format === 'csv') {
		return new TextEncoder().encode(csvDocument([[...IMPORT_HEADERS], example], { separator: ';' }));
	}
	const ExcelJS = (await import('exceljs')).default;
	const wb = new ExcelJS.Workbook();
	const ws = wb.addWorksheet('Valeurs');
	ws.addRow(IMPORT_HEADERS);
	ws.addRow(example);
	ws.getRow(1).font = { bold: true };
	ws.columns.forEach((c, i) => (c.width = [18, 8, 12, 12, 14, 40, 40][i]));
	const cat = wb.addWorksheet('Catalogue');
	cat.addRow(['Code', 'Libellé', 'Unité', 'Définition']);
	cat.getRow(1).font = { bold: true };
	for (const d of catalogue) cat.addRow([d.code, d.label, d.unit, d.definition]);
	cat.columns.forEach((c, i) => (c.width = [16, 70, 10, 80][i]));
	for (let r = 2; r <= 500; r++)
		ws.getCell(`A${r}`).dataValidation = {
			type: 'list',
			allowBlank: true,
			formulae: [`Catalogue!$A$2:$A$${catalogue.length + 1}`]
		};
	const buf = await wb.xlsx.writeBuffer();
	return new Uint8Array(buf as ArrayBuffer);
}
