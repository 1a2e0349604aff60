// Indicator catalogue and a collectivité's yearly values. Everything runs as the user (row-level security: a value
// is readable only by its collectivité's members and written by its admins and editors).
import { csvDocument } from '../files/csv';
import { z } from 'zod';
import { customIndicatorSchema, valueInputSchema, type ValueInput } from './input';
import { fieldErrors } from '$lib/server/kit/input';
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import { inspectZip } from '../files/limits';
import { sniffDataFile } from '../files/sniff';
import { runFileTask } from '../files/worker-pool';
import { isUuid } from '$lib/server/kit/ids';

export interface ReferenceLine {
	year: number;
	value: number;
	kind: 'cible' | 'constat';
	label: string;
	source: string;
	sourceYear: number;
}

export interface IndicatorDef {
	id: string;
	orgId: string | null;
	code: string;
	version: number;
	label: string;
	domain: string;
	unit: string;
	numerator: string;
	denominator: string;
	perimeter: Record<string, unknown>;
	countingUnit: string;
	period: string;
	direction: string;
	definition: string;
	decpComputable: boolean;
	references: ReferenceLine[];
}

export interface IndicatorValue {
	id: string;
	indicatorId: string;
	code: string;
	year: number;
	value: number;
	numerator: number | null;
	denominator: number | null;
	perimeter: string;
	source: string;
	comment: string;
	updatedAt: Date;
}

const n = (x: unknown) => (x === null || x === undefined ? null : Number(x));

/** The current catalogue (canonical indicators, plus the custom ones of `orgId` when given). */
export async function listCatalogue(db: Database, actor: Actor, orgId?: string | null): Promise<IndicatorDef[]> {
	return guard(withUser(db, actor, (tx) => catalogueTx(tx, orgId ?? null)));
}

export async function catalogueTx(tx: Tx, orgId: string | null): Promise<IndicatorDef[]> {
	const rows = await tx.query<Record<string, unknown>>(
		`select d.id, d.org_id, d.code, d.version, d.label, d.domain, d.unit, d.numerator, d.denominator, d.perimeter, d.counting_unit,
		        d.period, d.direction, d.definition, d.decp_computable,
		        coalesce((select jsonb_agg(jsonb_build_object('year', r.year, 'value', r.value, 'kind', r.kind, 'label', r.label,
		                   'source', r.source, 'sourceYear', r.source_year) order by r.year, r.kind)
		                  from public.indicator_reference_lines r where r.indicator_code = d.code and d.org_id is null), '[]') as refs
		   from public.indicator_definitions d
		  where d.is_current and (d.org_id is null or d.org_id = $1)
		  order by d.org_id nulls first, d.code`,
		[orgId]
	);
	return rows.map((r) => ({
		id: r.id as string,
		orgId: (r.org_id as string | null) ?? null,
		code: r.code as string,
		version: Number(r.version),
		label: r.label as string,
		domain: r.domain as string,
		unit: r.unit as string,
		numerator: r.numerator as string,
		denominator: r.denominator as string,
		perimeter: (r.perimeter as Record<string, unknown>) ?? {},
		countingUnit: r.counting_unit as string,
		period: r.period as string,
		direction: r.direction as string,
		definition: r.definition as string,
		decpComputable: r.decp_computable as boolean,
		references: ((r.refs as ReferenceLine[]) ?? []).map((x) => ({ ...x, value: Number(x.value) }))
	}));
}

export async function getIndicator(db: Database, actor: Actor, id: string): Promise<IndicatorDef> {
	if (!isUuid(id)) throw notFound('Cet indicateur');
	const all = await guard(
		withUser(db, actor, async (tx) => {
			const [row] = await tx.query<{ org_id: string | null }>(
				'select org_id from public.indicator_definitions where id = $1',
				[id]
			);
			if (!row) return [];
			return catalogueTx(tx, row.org_id);
		})
	);
	const def = all.find((d) => d.id === id);
	if (!def) throw notFound('Cet indicateur');
	return def;
}

function mapValue(r: Record<string, unknown>): IndicatorValue {
	return {
		id: r.id as string,
		indicatorId: r.indicator_id as string,
		code: r.code as string,
		year: Number(r.year),
		value: Number(r.value),
		numerator: n(r.numerator),
		denominator: n(r.denominator),
		perimeter: r.perimeter as string,
		source: r.source as string,
		comment: r.comment as string,
		updatedAt: r.updated_at as Date
	};
}

const VALUE_SELECT = `select v.id, v.indicator_id, d.code, v.year, v.value::text as value, v.numerator::text as numerator,
  v.denominator::text as denominator, v.perimeter, v.source, v.comment, v.updated_at
  from public.indicator_values v join public.indicator_definitions d on d.id = v.indicator_id`;

/** The collectivité's values (members only; anyone else gets an empty list, by RLS). */
export async function listValues(
	db: Database,
	actor: Actor,
	orgId: string,
	filter: { indicatorId?: string; year?: number } = {}
): Promise<IndicatorValue[]> {
	if (!isUuid(orgId)) throw notFound('Cette collectivité');
	const rows = await guard(
		withUser(db, actor, async (tx) => {
			const [m] = await tx.query<{ ok: boolean }>('select app.is_org_member($1) as ok', [orgId]);
			if (!m?.ok) throw notFound('Cette collectivité');
			return tx.query<Record<string, unknown>>(
				`${VALUE_SELECT} where v.org_id = $1 and ($2::uuid is null or v.indicator_id = $2) and ($3::int is null or v.year = $3)
				  order by d.code, v.year`,
				[orgId, filter.indicatorId ?? null, filter.year ?? null]
			);
		})
	);
	return rows.map(mapValue);
}

async function requireWriter(tx: Tx, orgId: string) {
	const [row] = await tx.query<{ role: string | null }>('select app.org_role($1) as role', [orgId]);
	if (!row?.role) throw notFound('Cette collectivité');
	if (row.role === 'viewer')
		throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité peuvent saisir des valeurs.');
}

function invalid(error: z.ZodError): AppError {
	const errors = fieldErrors(error);
	const first = Object.entries(errors)[0];
	return new AppError('invalid', first?.[1] ?? 'Certaines valeurs ne sont pas valables.', 400, {
		field: first?.[0],
		errors
	});
}

async function upsertTx(
	tx: Tx,
	orgId: string,
	data: z.output<typeof valueInputSchema>,
	source: string
): Promise<{ value: IndicatorValue; created: boolean }> {
	const [def] = await tx.query<{ id: string; unit: string }>(
		'select id, unit from public.indicator_definitions where id = $1 and (org_id is null or org_id = $2)',
		[data.indicatorId, orgId]
	);
	if (!def)
		throw new AppError('invalid', "Cet indicateur n'existe pas dans le catalogue.", 400, { field: 'indicatorId' });
	if (def.unit === 'percent' && (data.value < 0 || data.value > 100))
		throw new AppError('invalid', 'Un pourcentage doit être compris entre 0 et 100.', 400, { field: 'value' });
	if (def.unit === 'milestone' && data.value !== 0 && data.value !== 1)
		throw new AppError('invalid', 'Pour un jalon, indiquez 1 (oui) ou 0 (non).', 400, { field: 'value' });
	if (['count', 'eur', 'hours', 'days', 'ratio'].includes(def.unit) && data.value < 0)
		throw new AppError('invalid', 'La valeur ne peut pas être négative.', 400, { field: 'value' });
	const [row] = await tx.query<Record<string, unknown> & { created: boolean }>(
		`insert into public.indicator_values (org_id, indicator_id, year, value, numerator, denominator, perimeter, source, comment, updated_by)
		 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, auth.uid())
		 on conflict (org_id, indicator_id, year) do update set value = excluded.value, numerator = excluded.numerator,
		   denominator = excluded.denominator, perimeter = excluded.perimeter, source = excluded.source, comment = excluded.comment,
		   updated_by = auth.uid()
		 returning id, (xmax = 0) as created`,
		[
			orgId,
			data.indicatorId,
			data.year,
			data.value,
			data.numerator ?? null,
			data.denominator ?? null,
			data.perimeter,
			source,
			data.comment
		]
	);
	const [v] = await tx.query<Record<string, unknown>>(`${VALUE_SELECT} where v.id = $1`, [row.id]);
	return { value: mapValue(v), created: row.created };
}

/** Records (or replaces) the value of an indicator for a year. */
export async function saveValue(
	db: Database,
	actor: Actor,
	orgId: string,
	input: ValueInput | Record<string, unknown>,
	source: 'saisie' | 'api' = 'saisie'
) {
	const parsed = valueInputSchema.safeParse(input);
	if (!parsed.success) throw invalid(parsed.error);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			return upsertTx(tx, orgId, parsed.data, source);
		})
	);
}

export async function deleteValue(db: Database, actor: Actor, orgId: string, valueId: string): Promise<void> {
	if (!isUuid(valueId)) throw notFound('Cette valeur');
	await guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const rows = await tx.query('delete from public.indicator_values where id = $1 and org_id = $2 returning id', [
				valueId,
				orgId
			]);
			if (!rows.length) throw notFound('Cette valeur');
		})
	);
}

/** A custom indicator of the collectivité (never benchmarked). */
export async function createCustomIndicator(
	db: Database,
	actor: Actor,
	orgId: string,
	input: Record<string, unknown>
): Promise<IndicatorDef> {
	const parsed = customIndicatorSchema.safeParse(input);
	if (!parsed.success) throw invalid(parsed.error);
	const d = parsed.data;
	const id = await guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const dup = await tx.query('select 1 from public.indicator_definitions where org_id = $1 and code = $2', [
				orgId,
				d.code
			]);
			if (dup.length)
				throw new AppError('conflict', `Vous avez déjà un indicateur de code ${d.code}.`, 409, { field: 'code' });
			const [row] = await tx.query<{ id: string }>(
				`insert into public.indicator_definitions (org_id, code, label, domain, unit, direction, definition, counting_unit, basis)
				 values ($1, $2, $3, $4, $5, $6, $7, 'aucune', 'quantity') returning id`,
				[orgId, d.code, d.label, d.domain, d.unit, d.direction, d.definition]
			);
			return row.id;
		})
	);
	return getIndicator(db, actor, id);
}

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
