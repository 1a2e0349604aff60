// Biennial SPASER bilan: for a SPASER and a period, each target with the value reached per year, the gap to the
// target, the trend and the benchmark position, plus a narrative per axis. Rendered as DOCX and PDF, and saved as
// a SPASER version (kind 'bilan') that the collectivité can publish from its versions page.
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { BAND_TEXT, statTx, type Band } from '../benchmark/service';
import { readLiveDoc } from '../spaser/live';
import { createVersion } from '../spaser/versions';
import { isUuid } from '$lib/server/kit/ids';

const UNIT_LABELS: Record<string, string> = {
	count: '',
	percent: '%',
	eur: '€ HT',
	hours: 'h',
	days: 'j',
	ratio: '',
	milestone: ''
};

export interface BilanTargetRow {
	axisId: string;
	axisTitle: string;
	nodeNumber: string;
	nodeTitle: string;
	label: string;
	code: string | null;
	unit: string;
	direction: string;
	years: { year: number; value: number | null; target: number | null; gap: number | null }[];
	finalTarget: { year: number; value: number } | null;
	trend: 'hausse' | 'baisse' | 'stable' | 'inconnue';
	benchmark: {
		year: number;
		median: number;
		n: number;
		band: Band | null;
		scopeLabel: string;
		publishedAt: string | null;
	} | null;
}

export interface BilanData {
	documentId: string;
	title: string;
	orgId: string;
	orgName: string;
	yearFrom: number;
	yearTo: number;
	axes: { id: string; number: string; title: string }[];
	rows: BilanTargetRow[];
	narratives: Record<string, string>;
	generatedAt: string;
}

const nf = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 1 });
export function fmt(value: number | null, unit: string): string {
	if (value === null || value === undefined) return '—';
	if (unit === 'milestone') return value ? 'oui' : 'non';
	const u = UNIT_LABELS[unit] ?? '';
	return u ? `${nf.format(value)}\u00a0${u}` : nf.format(value);
}
export const TREND_LABELS = {
	hausse: 'En hausse',
	baisse: 'En baisse',
	stable: 'Stable',
	inconnue: 'Données insuffisantes'
} as const;

/** The bilan page's preview: the data, or the reason it cannot be built (shown on the page, not as an error page). */
export async function previewBilan(
	db: Database,
	actor: Actor,
	input: { documentId: string; orgId: string; yearFrom: number; yearTo: number }
) {
	return buildBilanData(db, actor, input).catch((e) => ({ error: String((e as Error).message) }));
}

export async function buildBilanData(
	db: Database,
	actor: Actor,
	input: { documentId: string; orgId: string; yearFrom: number; yearTo: number; narratives?: Record<string, string> }
): Promise<BilanData> {
	const { documentId, orgId, yearFrom, yearTo } = input;
	if (!(yearFrom >= 2000 && yearTo <= 2100 && yearTo >= yearFrom && yearTo - yearFrom <= 5))
		throw new AppError('invalid', 'Choisissez une période de 1 à 6 années (par exemple 2024-2025).', 400, {
			field: 'yearFrom'
		});
	return guard(
		withUser(db, actor, async (tx) => {
			const [doc] = await tx.query<{ title: string; access: string | null; org_name: string | null }>(
				`select s.title, app.spaser_access(s.id) as access, o.name as org_name
				   from public.spaser_documents s
				   left join public.spaser_document_orgs d on d.document_id = s.id and d.org_id = $2
				   left join public.organisations o on o.id = d.org_id
				  where s.id = $1`,
				[documentId, orgId]
			);
			if (!doc?.access || !doc.org_name) throw notFound('Ce SPASER');
			const [member] = await tx.query<{ ok: boolean }>('select app.is_org_member($1) as ok', [orgId]);
			if (!member?.ok) throw notFound('Ce SPASER');
			return collect(tx, { ...input, title: doc.title, orgName: doc.org_name });
		})
	);
}

async function collect(
	tx: Tx,
	q: {
		documentId: string;
		orgId: string;
		yearFrom: number;
		yearTo: number;
		narratives?: Record<string, string>;
		title: string;
		orgName: string;
	}
): Promise<BilanData> {
	const nodes = await tx.query<{
		node_id: string;
		parent_id: string | null;
		depth: number;
		number: string;
		title: string;
		position: number;
	}>(
		'select node_id, parent_id, depth, number, title, position from public.spaser_nodes where document_id = $1 order by position',
		[q.documentId]
	);
	const byId = new Map(nodes.map((n) => [n.node_id, n]));
	const rootOf = (id: string) => {
		let n = byId.get(id);
		while (n?.parent_id && byId.has(n.parent_id)) n = byId.get(n.parent_id);
		return n;
	};
	const axes = nodes.filter((n) => n.depth === 1).map((n) => ({ id: n.node_id, number: n.number, title: n.title }));
	const targets = await tx.query<{
		node_id: string;
		indicator_code: string | null;
		label: string;
		unit: string;
		value: string | null;
		year: number | null;
		milestones: { year: number; value: number }[];
	}>(
		`select t.node_id, t.indicator_code, t.label, t.unit, t.value::text as value, t.year, t.milestones
		   from public.spaser_targets t join public.spaser_nodes n on n.document_id = t.document_id and n.node_id = t.node_id
		  where t.document_id = $1 order by n.position, t.target_id`,
		[q.documentId]
	);
	const defs = await tx.query<{ id: string; code: string; unit: string; direction: string }>(
		`select id, code, unit, direction from public.indicator_definitions where is_current and (org_id is null or org_id = $1)`,
		[q.orgId]
	);
	const values = await tx.query<{ indicator_id: string; year: number; value: string }>(
		'select indicator_id, year, value::text as value from public.indicator_values where org_id = $1',
		[q.orgId]
	);
	const [scope] = await tx.query<{ scope: string; label: string }>(
		`select 'n:' || n.id as scope, n.name as label from public.network_memberships nm join public.networks n on n.id = nm.network_id
		  where nm.org_id = $1 and nm.status = 'approved' order by n.name limit 1`,
		[q.orgId]
	);
	const rows: BilanTargetRow[] = [];
	for (const t of targets) {
		const def = defs.find((d) => d.code === t.indicator_code);
		const root = rootOf(t.node_id);
		const node = byId.get(t.node_id);
		const unit = def?.unit ?? (t.unit === '%' ? 'percent' : 'count');
		const direction = def?.direction ?? 'higher';
		const points = new Map<number, number>();
		for (const m of t.milestones ?? []) points.set(m.year, m.value);
		if (t.year !== null && t.value !== null) points.set(t.year, Number(t.value));
		const targetFor = (y: number) => points.get(y) ?? null;
		const years = [];
		for (let y = q.yearFrom; y <= q.yearTo; y++) {
			const v = def ? values.find((x) => x.indicator_id === def.id && x.year === y) : undefined;
			const value = v ? Number(v.value) : null;
			const target = targetFor(y);
			years.push({
				year: y,
				value,
				target,
				gap: value !== null && target !== null ? Math.round((value - target) * 10) / 10 : null
			});
		}
		const known = def
			? values.filter((x) => x.indicator_id === def.id && x.year <= q.yearTo).sort((a, b) => a.year - b.year)
			: [];
		let trend: BilanTargetRow['trend'] = 'inconnue';
		if (known.length >= 2) {
			const d = Number(known.at(-1)!.value) - Number(known.at(-2)!.value);
			trend = Math.abs(d) < 1e-9 ? 'stable' : d > 0 ? 'hausse' : 'baisse';
		}
		let benchmark: BilanTargetRow['benchmark'] = null;
		if (def && scope) {
			for (let y = q.yearTo; y >= q.yearFrom && !benchmark; y--) {
				const s = await statTx(tx, { indicator: def.id, year: y, scope: scope.scope, org: q.orgId });
				if (s.status === 'ok' && s.median !== null)
					benchmark = {
						year: y,
						median: s.median,
						n: s.n ?? 0,
						band: s.myBand,
						scopeLabel: scope.label,
						publishedAt: s.publishedAt
					};
			}
		}
		const future = [...points.entries()].sort((a, b) => a[0] - b[0]);
		rows.push({
			axisId: root?.node_id ?? '',
			axisTitle: root ? `${root.number}. ${root.title}` : '',
			nodeNumber: node?.number ?? '',
			nodeTitle: node?.title ?? '',
			label: t.label,
			code: t.indicator_code,
			unit,
			direction,
			years,
			finalTarget: future.length ? { year: future.at(-1)![0], value: future.at(-1)![1] } : null,
			trend,
			benchmark
		});
	}
	const narratives: Record<string, string> = {};
	for (const a of axes) {
		const text = (q.narratives?.[a.id] ?? '').trim();
		if (text.length > 10000)
			throw new AppError('invalid', 'Le commentaire d’un axe est limité à 10 000 caractères.', 400, {
				field: `narrative_${a.id}`
			});
		narratives[a.id] = text;
	}
	return {
		documentId: q.documentId,
		title: q.title,
		orgId: q.orgId,
		orgName: q.orgName,
		yearFrom: q.yearFrom,
		yearTo: q.yearTo,
		axes,
		rows,
		narratives,
		generatedAt: new Date().toISOString()
	};
}

export function gapText(row: BilanTargetRow, gap: number | null): string {
	if (gap === null) return '—';
	const sign = gap > 0 ? '+' : gap < 0 ? '−' : '';
	const good = row.direction === 'lower' ? gap <= 0 : gap >= 0;
	return `${sign}${fmt(Math.abs(gap), row.unit)} (${good ? 'atteint' : 'non atteint'})`;
}

export function benchText(row: BilanTargetRow): string {
	const b = row.benchmark;
	if (!b) return 'Comparaison non publiée : pas assez de collectivités comparables.';
	const band = b.band && b.band in BAND_TEXT ? `, votre position : ${BAND_TEXT[b.band]}` : '';
	return `${b.year} : médiane du réseau ${fmt(b.median, row.unit)} (${b.n} collectivités)${band}.`;
}

/** Lines of text shared by the DOCX and the PDF (same content in both). */
export function bilanSections(data: BilanData) {
	return data.axes
		.map((axis) => ({
			axis,
			narrative: data.narratives[axis.id] ?? '',
			rows: data.rows.filter((r) => r.axisId === axis.id)
		}))
		.filter((s) => s.rows.length || s.narrative);
}

/** Saves the bilan: a SPASER version (kind 'bilan', publishable like any version) and its figures and narratives. */
export async function saveBilan(
	db: Database,
	actor: Actor,
	data: BilanData
): Promise<{ bilanId: string; versionId: string }> {
	const [access] = await withUser(db, actor, (tx) =>
		tx.query<{ access: string | null; role: string | null }>(
			'select app.spaser_access($1) as access, app.org_role($2) as role',
			[data.documentId, data.orgId]
		)
	);
	if (access?.access !== 'write' || !access.role || access.role === 'viewer')
		throw forbidden(
			'Seuls les administrateurs et rédacteurs des collectivités du SPASER peuvent enregistrer un bilan.'
		);
	const doc = await readLiveDoc(db, data.documentId);
	const version = await createVersion(db, actor, data.documentId, doc, {
		kind: 'bilan',
		name: `Bilan ${data.yearFrom}-${data.yearTo}`
	});
	const [row] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string }>(
				`insert into public.indicator_bilans (document_id, version_id, org_id, year_from, year_to, narratives, data)
				 values ($1, $2, $3, $4, $5, $6::text::jsonb, $7::text::jsonb) returning id`,
				[
					data.documentId,
					version.id,
					data.orgId,
					data.yearFrom,
					data.yearTo,
					JSON.stringify(data.narratives),
					JSON.stringify(data)
				]
			)
		)
	);
	return { bilanId: row.id, versionId: version.id };
}

export interface SavedBilan {
	id: string;
	version_id: string | null;
	year_from: number;
	year_to: number;
	created_at: Date;
	published_at: Date | null;
	data: BilanData;
}

export async function listBilans(db: Database, actor: Actor, documentId: string, orgId: string): Promise<SavedBilan[]> {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<SavedBilan>(
				`select b.id, b.version_id, b.year_from, b.year_to, b.created_at, v.published_at, b.data
				   from public.indicator_bilans b left join public.spaser_versions v on v.id = b.version_id
				  where b.document_id = $1 and b.org_id = $2 order by b.created_at desc`,
				[documentId, orgId]
			)
		)
	);
}

export async function getBilan(db: Database, actor: Actor, bilanId: string): Promise<SavedBilan> {
	if (!isUuid(bilanId)) throw notFound('Ce bilan');
	const [row] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<SavedBilan>(
				`select b.id, b.version_id, b.year_from, b.year_to, b.created_at, v.published_at, b.data
				   from public.indicator_bilans b left join public.spaser_versions v on v.id = b.version_id where b.id = $1`,
				[bilanId]
			)
		)
	);
	if (!row) throw notFound('Ce bilan');
	return row;
}
