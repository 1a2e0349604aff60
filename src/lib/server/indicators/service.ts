// Indicator catalogue and a collectivité's yearly values. Everything runs as the user (row-level security: a value
// is readable only by its collectivité's members and written by its admins and editors).
import { z } from 'zod';
import { customIndicatorSchema, valueInputSchema, type ValueInput } from './input';
import { fieldErrors } from '$lib/server/kit/input';
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, notFound, guard } from '$lib/server/kit/errors';
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

export async function requireWriter(tx: Tx, orgId: string) {
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

export async function upsertTx(
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
