// Bulk import (CSV or JSON, validated row by row with a report) and export (CSV or JSON) of clause models and REX.
// The CSV columns are French and the export writes the same columns, so an export can be imported elsewhere.
import { csvCell, unescapeCsvText } from '../files/csv';
import type { Actor, Database } from '../db';
import { AppError, toAppError } from '$lib/server/kit/errors';
import { fieldErrors } from '$lib/server/kit/input';
import { MAX_IMPORT_ROWS, resourceInput, type ResourceInput } from './input';
import { createResource } from './editing';
import type { ResourceRow } from './model';
import { cpvLabel } from './cpv';
import { requireOrgWriter } from '../files/rights';
import { sniffDataFile } from '../files/sniff';

/** CSV column → input field. */
export const CSV_COLUMNS: [string, keyof ResourceInput][] = [
	['type', 'kind'],
	['titre', 'title'],
	['resume', 'summary'],
	['texte', 'body'],
	['famille', 'family'],
	['mecanisme', 'mechanism'],
	['segments', 'segments'],
	['cpv', 'cpvCodes'],
	['references_juridiques', 'legalRefs'],
	['date_verification_juridique', 'legalCheckedOn'],
	['licence', 'licence'],
	['annee', 'year'],
	['procedure', 'procedure'],
	['tranche_montant', 'amountBand'],
	['contexte', 'context'],
	['actions', 'actions'],
	['difficultes', 'difficulties'],
	['enseignements', 'lessons']
];
const FIELD_LABELS: Record<string, string> = Object.fromEntries(CSV_COLUMNS.map(([col, key]) => [key, col]));

/** RFC 4180 CSV (comma or semicolon, detected on the header line), quoted fields with "" escapes and line breaks. */
export function parseCsv(text: string): string[][] {
	const src = text.replace(/^\uFEFF/, '');
	const firstLine = src.split('\n', 1)[0] ?? '';
	const sep = (firstLine.match(/;/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? ';' : ',';
	const rows: string[][] = [];
	let row: string[] = [];
	let field = '';
	let quoted = false;
	for (let i = 0; i < src.length; i++) {
		const ch = src[i];
		if (quoted) {
			if (ch === '"' && src[i + 1] === '"') {
				field += '"';
				i++;
			} else if (ch === '"') quoted = false;
			else field += ch;
		} else if (ch === '"' && field === '') quoted = true;
		else if (ch === sep) {
			row.push(field);
			field = '';
		} else if (ch === '\n' || ch === '\r') {
			if (ch === '\r' && src[i + 1] === '\n') i++;
			row.push(field);
			field = '';
			if (row.some((c) => c.trim() !== '')) rows.push(row);
			row = [];
		} else field += ch;
	}
	row.push(field);
	if (row.some((c) => c.trim() !== '')) rows.push(row);
	return rows;
}

export interface ImportRowReport {
	row: number;
	title: string;
	status: 'imported' | 'refused';
	id?: string;
	reasons: string[];
}

export interface ImportReport {
	imported: number;
	refused: number;
	rows: ImportRowReport[];
}

/** Turns the records of a file into raw inputs (French CSV/JSON keys or the API's field names). */
export function recordsFromFile(filename: string, text: string): Record<string, unknown>[] {
	const trimmed = text.replace(/^\uFEFF/, '').trim();
	if (!trimmed) throw new AppError('empty_file', 'Le fichier est vide.', 400, { field: 'file' });
	// The content decides (a web page, a program or a PDF is refused whatever its name), the name may not lie.
	const format = sniffDataFile(new TextEncoder().encode(trimmed.slice(0, 64 * 1024)), filename, ['csv', 'json']);
	if (format === 'json') {
		let data: unknown;
		try {
			data = JSON.parse(trimmed);
		} catch {
			throw new AppError(
				'invalid_json',
				"Le fichier JSON n'est pas lisible : vérifiez sa syntaxe (un tableau d'objets est attendu).",
				400,
				{
					field: 'file'
				}
			);
		}
		const list = Array.isArray(data)
			? data
			: Array.isArray((data as { items?: unknown })?.items)
				? (data as { items: unknown[] }).items
				: null;
		if (!list)
			throw new AppError(
				'invalid_json',
				"Le fichier JSON doit contenir un tableau d'objets (une ressource par objet).",
				400,
				{ field: 'file' }
			);
		return list.map((r) => (r && typeof r === 'object' ? fromFrench(r as Record<string, unknown>) : {}));
	}
	const rows = parseCsv(trimmed);
	const header = (rows.shift() ?? []).map((h) => h.trim().toLowerCase());
	if (!header.includes('titre'))
		throw new AppError(
			'invalid_csv',
			'La première ligne du CSV doit nommer les colonnes (au moins « titre », « type » et « famille »).',
			400,
			{
				field: 'file'
			}
		);
	return rows.map((cells) => fromFrench(Object.fromEntries(header.map((h, i) => [h, cells[i]]))));
}

function fromFrench(rec: Record<string, unknown>): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(rec)) {
		const mapped = CSV_COLUMNS.find(([col]) => col === k)?.[1] ?? k;
		if (v === '' || v === null || v === undefined) continue;
		out[mapped] = typeof v === 'string' ? unescapeCsvText(v.trim()) : v;
	}
	if (typeof out.kind === 'string') out.kind = out.kind.toLowerCase() === 'clause' ? 'clause' : out.kind.toLowerCase();
	for (const key of ['segments', 'cpvCodes'])
		if (typeof out[key] === 'string') out[key] = (out[key] as string).split(/[;,|\s]+/).filter(Boolean);
	return out;
}

/** Largest import file (2 000 rows of long clauses fit well under it). */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;

/**
 * Imports an uploaded CSV or JSON file: its type comes from its bytes (a file whose content is not what its name
 * says is refused with 'invalid_file_type' and nothing is imported), then every valid record is imported.
 */
export async function importResourceFile(
	db: Database,
	actor: Actor,
	orgId: string,
	file: { name: string; bytes: Uint8Array }
): Promise<ImportReport> {
	if (!file.bytes.byteLength) throw new AppError('empty_file', 'Le fichier est vide.', 400, { field: 'file' });
	if (file.bytes.byteLength > MAX_IMPORT_BYTES)
		throw new AppError(
			'payload_too_large',
			'Le fichier dépasse 5\u00a0Mo\u00a0: découpez-le en plusieurs imports.',
			413,
			{ field: 'file' }
		);
	sniffDataFile(file.bytes, file.name, ['csv', 'json']);
	await requireOrgWriter(
		db,
		actor,
		orgId,
		'Seuls les administrateurs et rédacteurs de la collectivité importent des ressources.'
	);
	return importResources(db, actor, orgId, recordsFromFile(file.name, new TextDecoder('utf-8').decode(file.bytes)));
}

/** Imports every valid record into the collectivité (private); the report says why each refused row was refused. */
export async function importResources(
	db: Database,
	actor: Actor,
	orgId: string,
	records: Record<string, unknown>[]
): Promise<ImportReport> {
	if (!records.length)
		throw new AppError('empty_file', 'Le fichier ne contient aucune ligne à importer.', 400, { field: 'file' });
	if (records.length > MAX_IMPORT_ROWS)
		throw new AppError(
			'too_many_rows',
			`Le fichier contient ${records.length} lignes : ${MAX_IMPORT_ROWS} au plus par import.`,
			400,
			{ field: 'file' }
		);
	const rows: ImportRowReport[] = [];
	for (const [i, rec] of records.entries()) {
		const title = typeof rec.title === 'string' ? rec.title : '';
		const parsed = resourceInput.safeParse({ ...rec, visibility: 'private' });
		if (!parsed.success) {
			const errs = fieldErrors(parsed.error);
			rows.push({
				row: i + 1,
				title,
				status: 'refused',
				reasons: Object.entries(errs).map(([k, m]) => `${FIELD_LABELS[k.split('.')[0]] ?? k} : ${m}`)
			});
			continue;
		}
		const unknownCpv = parsed.data.cpvCodes.filter((c) => !cpvLabel(c));
		if (unknownCpv.length) {
			rows.push({
				row: i + 1,
				title,
				status: 'refused',
				reasons: [`cpv : code(s) absent(s) de la nomenclature CPV 2008 : ${unknownCpv.join(', ')}`]
			});
			continue;
		}
		try {
			const id = await createResource(db, actor, orgId, parsed.data);
			rows.push({ row: i + 1, title, status: 'imported', id, reasons: [] });
		} catch (e) {
			const err = toAppError(e);
			if (err.code === 'forbidden') throw err;
			rows.push({ row: i + 1, title, status: 'refused', reasons: [err.message] });
		}
	}
	return {
		imported: rows.filter((r) => r.status === 'imported').length,
		refused: rows.filter((r) => r.status === 'refused').length,
		rows
	};
}

export function toCsv(rows: (ResourceRow & { org_name: string | null })[]): string {
	const header = [...CSV_COLUMNS.map(([c]) => c), 'collectivite', 'fiabilite', 'utilisations', 'mis_a_jour'];
	const lines = [header.join(',')];
	for (const r of rows) {
		const values: Record<string, unknown> = {
			type: r.kind,
			titre: r.title,
			resume: r.summary,
			texte: r.body,
			famille: r.family,
			mecanisme: r.mechanism,
			segments: r.segments.join(';'),
			cpv: r.cpv_codes.join(';'),
			references_juridiques: r.legal_refs,
			date_verification_juridique: r.legal_checked_on,
			licence: r.licence,
			annee: r.year,
			procedure: r.procedure,
			tranche_montant: r.amount_band,
			contexte: r.context,
			actions: r.actions,
			difficultes: r.difficulties,
			enseignements: r.lessons,
			collectivite: r.org_name ?? 'Anonymisé',
			fiabilite: r.reliability,
			utilisations: r.usage_count,
			mis_a_jour: new Date(r.updated_at).toISOString()
		};
		lines.push(header.map((h) => csvCell(values[h], { separator: ',' })).join(','));
	}
	return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

export function toJson(rows: (ResourceRow & { org_name: string | null })[]) {
	return rows.map((r) => ({
		id: r.id,
		kind: r.kind,
		title: r.title,
		summary: r.summary,
		body: r.body,
		family: r.family,
		mechanism: r.mechanism,
		segments: r.segments,
		cpvCodes: r.cpv_codes,
		legalRefs: r.legal_refs,
		legalCheckedOn: r.legal_checked_on,
		licence: r.licence,
		parameters: r.parameters,
		year: r.year,
		procedure: r.procedure,
		amountBand: r.amount_band,
		context: r.context,
		actions: r.actions,
		results: r.results,
		difficulties: r.difficulties,
		lessons: r.lessons,
		organisation: r.org_name,
		reliability: r.reliability,
		usageCount: r.usage_count,
		updatedAt: new Date(r.updated_at).toISOString()
	}));
}
