// DECP import into a collectivité's space (through row-level security: admins and editors import, members read),
// and the indicators computed from its contracts.
import { createHash, randomUUID } from 'node:crypto';
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import {
	computeIndicators,
	DECP_TO_CATALOGUE,
	type ContractState,
	type DecpIndicators,
	type Threshold
} from './compute';
import { sniffDataFile } from '../files/sniff';
import { IN_THREAD_DECP_BYTES, readDecpChecked } from '../files/decp-read';
import { runFileTask } from '../files/worker-pool';
import type { DecpFormat, DecpParseResult, DecpRejection, DecpRow } from './parse';

export const MAX_DECP_BYTES = 50 * 1024 * 1024;
const CHUNK = 1000;

export interface ImportRun {
	id: string;
	org_id: string;
	file_name: string;
	format: DecpFormat;
	total: number;
	accepted: number;
	inserted: number;
	unchanged: number;
	rejected: number;
	flagged: number;
	rejections: DecpRejection[];
	created_at: Date;
}

const RUN_COLUMNS =
	'id, org_id, file_name, format, total, accepted, inserted, unchanged, rejected, flagged, rejections, created_at';

async function requireWriter(tx: Tx, orgId: string) {
	const [row] = await tx.query<{ role: string | null }>('select app.org_role($1) as role', [orgId]);
	if (!row?.role) throw notFound('Cette collectivité');
	if (row.role === 'viewer')
		throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité peuvent importer des données.');
}

async function insertRows(tx: Tx, orgId: string, runId: string, format: DecpFormat, rows: DecpRow[]): Promise<number> {
	let inserted = 0;
	for (let i = 0; i < rows.length; i += CHUNK) {
		const chunk = rows.slice(i, i + CHUNK).map((r) => ({
			b: r.buyerSiret,
			c: r.contractId,
			m: r.modificationId,
			o: r.object,
			n: r.nature,
			p: r.procedure,
			cpv: r.cpv,
			d: r.notifiedOn,
			y: r.year,
			a: r.amount,
			af: r.amountFlagged,
			dm: r.durationMonths,
			of: r.offers,
			inn: r.innovative,
			s: r.social,
			e: r.environmental,
			hc: r.holderCategory,
			h: r.holders
		}));
		const res = await tx.query<{ n: number }>(
			`with ins as (
			   insert into public.decp_contracts (org_id, buyer_siret, contract_id, modification_id, import_run_id, format, object, nature,
			          procedure, cpv, notified_on, year, amount, amount_flagged, duration_months, offers, innovative, social, environmental,
			          holder_category, holders)
			   select $1, r.b, r.c, r.m, $2, $3, r.o, r.n, r.p, r.cpv, r.d::date, r.y, r.a, r.af, r.dm, r."of", r.inn,
			          case when r.s is null or jsonb_typeof(r.s) <> 'array' then null else array(select jsonb_array_elements_text(r.s)) end,
			          case when r.e is null or jsonb_typeof(r.e) <> 'array' then null else array(select jsonb_array_elements_text(r.e)) end,
			          r.hc, coalesce(r.h, '[]')
			     from jsonb_to_recordset($4::text::jsonb) as r (b text, c text, m integer, o text, n text, p text, cpv text, d text, y integer,
			          a numeric, af boolean, dm integer, "of" integer, inn boolean, s jsonb, e jsonb, hc text, h jsonb)
			   on conflict do nothing
			   returning 1)
			 select count(*)::int as n from ins`,
			[orgId, runId, format, JSON.stringify(chunk)]
		);
		inserted += Number(res[0]?.n ?? 0);
	}
	return inserted;
}

/** Imports a DECP file for a collectivité. Only records of its SIRET(s) are kept; re-importing changes nothing. */
export async function importDecp(
	db: Database,
	actor: Actor,
	orgId: string,
	file: { name: string; bytes: Uint8Array }
): Promise<ImportRun> {
	if (!file.bytes.byteLength)
		throw new AppError('invalid', 'Le fichier est vide : choisissez un fichier DECP (JSON ou XML).', 400, {
			field: 'file'
		});
	if (file.bytes.byteLength > MAX_DECP_BYTES)
		throw new AppError('invalid', 'Le fichier dépasse 50 Mo : découpez-le par année avant de l’importer.', 400, {
			field: 'file'
		});
	// The type comes from the bytes: only JSON or XML text, never a program, a PDF, an archive or a web page, whatever the name says.
	sniffDataFile(file.bytes, file.name, ['json', 'xml']);
	// The right and the SIRET first (nobody makes the server read a file for a collectivité where they may not
	// write); then the file is read in a worker thread (bounded heap and time, XML shape checked first), outside
	// any transaction; then the rows are stored, the right checked again in that transaction.
	const buyers = await guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const [org] = await tx.query<{ siren: string | null; siret: string | null }>(
				'select siren, siret from public.organisations where id = $1',
				[orgId]
			);
			if (!org) throw notFound('Cette collectivité');
			const found = [org.siret, org.siren].filter((x): x is string => !!x);
			if (!found.length)
				throw new AppError(
					'invalid',
					'Renseignez d’abord le SIREN de votre collectivité (Paramètres) : il sert à retrouver vos marchés dans le fichier.',
					400,
					{ field: 'file' }
				);
			return found;
		})
	);
	const parsed =
		file.bytes.byteLength <= IN_THREAD_DECP_BYTES
			? readDecpChecked(file.bytes, buyers)
			: await runFileTask<DecpParseResult>(actor.id, { kind: 'decp', bytes: file.bytes, buyers });
	if (parsed.error || !parsed.format)
		throw new AppError('invalid', parsed.error ?? 'Fichier illisible.', 400, { field: 'file' });
	return guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const sha = createHash('sha256').update(file.bytes).digest('hex');
			const name = file.name.replace(/[\r\n]/g, ' ').slice(0, 300) || 'decp';
			const runId = randomUUID();
			const inserted = await insertRows(tx, orgId, runId, parsed.format!, parsed.rows);
			const [out] = await tx.query<ImportRun>(
				`insert into public.decp_import_runs (id, org_id, file_name, format, sha256, created_by, total, accepted, inserted, unchanged,
				        rejected, flagged, rejections)
				 values ($1, $2, $3, $4, $5, auth.uid(), $6, $7, $8, $9, $10, $11, $12::text::jsonb) returning ${RUN_COLUMNS}`,
				[
					runId,
					orgId,
					name,
					parsed.format!,
					sha,
					parsed.total,
					parsed.accepted,
					inserted,
					parsed.rows.length - inserted,
					parsed.rejections.length,
					parsed.flagged,
					JSON.stringify(parsed.rejections.slice(0, 1000))
				]
			);
			return out;
		})
	);
}

export async function listImportRuns(db: Database, actor: Actor, orgId: string): Promise<ImportRun[]> {
	if (!isUuid(orgId)) throw notFound('Cette collectivité');
	return guard(
		withUser(db, actor, async (tx) => {
			// Like the values: someone outside the collectivité learns nothing, not even that its list is empty.
			const [m] = await tx.query<{ ok: boolean }>('select app.is_org_member($1) as ok', [orgId]);
			if (!m?.ok) throw notFound('Cette collectivité');
			return tx.query<ImportRun>(
				`select ${RUN_COLUMNS} from public.decp_import_runs where org_id = $1 order by created_at desc limit 50`,
				[orgId]
			);
		})
	);
}

export async function getImportRun(db: Database, actor: Actor, runId: string): Promise<ImportRun> {
	const [run] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<ImportRun>(`select ${RUN_COLUMNS} from public.decp_import_runs where id = $1`, [runId])
		)
	);
	if (!run) throw notFound('Cet import');
	return run;
}

/** The latest state of each contract of the collectivité (readable by its members only). */
export async function loadContracts(db: Database, actor: Actor, orgId: string): Promise<ContractState[]> {
	const rows = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{
				buyer_siret: string;
				contract_id: string;
				object: string;
				procedure: string;
				notified_on: string;
				year: number;
				amount: string | null;
				amount_flagged: boolean;
				offers: number | null;
				innovative: boolean | null;
				social: string[] | null;
				environmental: string[] | null;
				holder_category: string | null;
				modifications: number;
			}>(
				`select distinct on (buyer_siret, contract_id) buyer_siret, contract_id, object, procedure, to_char(notified_on, 'YYYY-MM-DD') as notified_on,
				        year, amount::text as amount, amount_flagged, offers, innovative, social, environmental, holder_category,
				        (count(*) over (partition by buyer_siret, contract_id) - 1)::int as modifications
				   from public.decp_contracts where org_id = $1
				  order by buyer_siret, contract_id, modification_id desc`,
				[orgId]
			)
		)
	);
	return rows.map((r) => ({
		key: `${r.buyer_siret}|${r.contract_id}`,
		contractId: r.contract_id,
		buyerSiret: r.buyer_siret,
		object: r.object,
		procedure: r.procedure,
		notifiedOn: r.notified_on,
		year: r.year,
		amount: r.amount === null ? null : Number(r.amount),
		amountFlagged: r.amount_flagged,
		offers: r.offers,
		innovative: r.innovative,
		social: r.social,
		environmental: r.environmental,
		holderCategory: r.holder_category,
		modifications: r.modifications
	}));
}

export interface DecpOverview {
	years: number[];
	year: number | null;
	threshold: Threshold;
	indicators: DecpIndicators | null;
	contracts: ContractState[];
}

export async function decpOverview(
	db: Database,
	actor: Actor,
	orgId: string,
	opts: { year?: number | null; threshold?: Threshold } = {}
): Promise<DecpOverview> {
	const contracts = await loadContracts(db, actor, orgId);
	const years = [...new Set(contracts.map((c) => c.year))].sort((a, b) => b - a);
	const year = opts.year && years.includes(opts.year) ? opts.year : (years[0] ?? null);
	const threshold = opts.threshold ?? 'all';
	return {
		years,
		year,
		threshold,
		indicators: year === null ? null : computeIndicators(contracts, year, threshold),
		contracts
	};
}

/** Saves the year's DECP-computed figures (≥ 40 000 € HT) as the collectivité's values, source « DECP ». */
export async function applyDecpToValues(
	db: Database,
	actor: Actor,
	orgId: string,
	year: number
): Promise<{ code: string; value: number }[]> {
	// The right to write comes first: a viewer is refused the same way whether or not contracts of that year exist.
	await guard(withUser(db, actor, (tx) => requireWriter(tx, orgId)));
	const contracts = await loadContracts(db, actor, orgId);
	const r = computeIndicators(contracts, year, 'ge40k');
	if (!r.total)
		throw new AppError('invalid', `Aucun marché d’au moins 40 000 € HT notifié en ${year} n’a été importé.`, 400);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireWriter(tx, orgId);
			const saved: { code: string; value: number }[] = [];
			for (const m of DECP_TO_CATALOGUE) {
				const value = m.from(r);
				if (value === null) continue;
				const [def] = await tx.query<{ id: string }>(
					'select id from public.indicator_definitions where org_id is null and code = $1 and is_current',
					[m.code]
				);
				if (!def) continue;
				await tx.query(
					`insert into public.indicator_values (org_id, indicator_id, year, value, perimeter, source, comment, updated_by)
					 values ($1, $2, $3, $4, $5, 'decp', 'Calculé à partir des données essentielles (DECP) importées.', auth.uid())
					 on conflict (org_id, indicator_id, year) do update set value = excluded.value, perimeter = excluded.perimeter,
					   source = 'decp', comment = excluded.comment, updated_by = auth.uid()`,
					[orgId, def.id, year, value, m.describe(r)]
				);
				saved.push({ code: m.code, value });
			}
			return saved;
		})
	);
}
