// Anonymised benchmarks. Every figure about other collectivités comes from app.benchmark_stat (security definer,
// the only door); the caller's own values and SPASER targets are read through row-level security.
import { z } from 'zod';
import { benchmarkQuerySchema, KINDS, SIZES } from '../../schemas/indicators';
import { withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, notFound } from '../errors';
import { catalogueTx, guard, type IndicatorDef } from '../indicators/service';

export interface BenchmarkStat {
	status: 'ok' | 'refused';
	reason: string | null;
	n: number | null;
	k: number | null;
	median: number | null;
	p25: number | null;
	p75: number | null;
	p10: number | null;
	p90: number | null;
	mean: number | null;
	myValue: number | null;
	myRank: number | null;
}

export interface PeerScope {
	scope: string;
	label: string;
	k: number;
}

export interface TargetPoint {
	year: number;
	value: number;
	label: string;
	spaser: string;
}

export interface BenchmarkView {
	indicator: IndicatorDef;
	year: number;
	scope: string;
	kind: string;
	size: string;
	stat: BenchmarkStat;
	explanation: string | null;
	myValue: number | null;
	target: TargetPoint | null;
	nextTarget: TargetPoint | null;
	trajectory: { year: number; mine: number | null; target: number | null; median: number | null; p25: number | null; p75: number | null }[];
}

export const REFUSAL_TEXT: Record<string, (s: { n: number | null; k: number | null }) => string> = {
	too_few: (s) =>
		`Pas assez de contributeurs : ${s.n ?? 0} collectivité(s) ont saisi une valeur pour ce groupe et cette année, il en faut au moins ${s.k}. Élargissez le groupe (tous types, toutes tailles) ou invitez vos pairs à saisir leurs valeurs.`,
	dominance: () =>
		'Statistique non publiée : une seule collectivité représente plus de 85 % du total du groupe, sa valeur serait reconnaissable.',
	differencing: (s) =>
		`Statistique non publiée : ce groupe ne diffère d'un autre groupe publiable que de moins de ${s.k} collectivités ; comparer les deux révélerait leurs valeurs. Choisissez un groupe plus large ou plus différent.`,
	custom_indicator: () => 'Les indicateurs propres à une collectivité ne sont jamais comparés.',
	not_allowed: () => "Vous ne faites pas partie de ce groupe de pairs : choisissez l'un de vos réseaux ou votre région."
};

function toStat(raw: Record<string, unknown>): BenchmarkStat {
	const num = (k: string) => (raw[k] === null || raw[k] === undefined ? null : Number(raw[k]));
	return {
		status: raw.status === 'ok' ? 'ok' : 'refused',
		reason: (raw.reason as string) ?? null,
		n: num('n'),
		k: num('k'),
		median: num('median'),
		p25: num('p25'),
		p75: num('p75'),
		p10: num('p10'),
		p90: num('p90'),
		mean: num('mean'),
		myValue: num('my_value'),
		myRank: num('my_rank')
	};
}

export async function statTx(tx: Tx, q: { indicator: string; year: number; scope: string; kind?: string; size?: string; org?: string | null }): Promise<BenchmarkStat> {
	const [row] = await tx.query<{ s: Record<string, unknown> }>('select app.benchmark_stat($1, $2, $3, $4, $5, $6) as s', [
		q.indicator,
		q.year,
		q.scope,
		q.kind ?? '*',
		q.size ?? '*',
		q.org ?? null
	]);
	return toStat(row.s);
}

/** One anonymised statistic (API and pages): the same rules whoever asks. */
export async function benchmarkStatistic(db: Database, actor: Actor, input: Record<string, unknown>): Promise<BenchmarkStat> {
	const parsed = benchmarkQuerySchema.safeParse(input);
	if (!parsed.success) throw new AppError('invalid', parsed.error.issues[0]?.message ?? 'Requête invalide.', 400);
	return guard(withUser(db, actor, (tx) => statTx(tx, parsed.data)));
}

/** The peer groups a collectivité may compare itself with: its networks (approved) and its region. */
export async function peerScopes(db: Database, actor: Actor, orgId: string): Promise<PeerScope[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query<{ scope: string; label: string; k: number }>(
				`select 'n:' || n.id as scope, 'Réseau : ' || n.name as label, app.benchmark_k('n:' || n.id) as k
				   from public.network_memberships nm join public.networks n on n.id = nm.network_id
				  where nm.org_id = $1 and nm.status = 'approved' and app.is_org_member($1)
				 union all
				 select 'r:' || o.region_code, 'Région (code ' || o.region_code || ')', 5
				   from public.organisations o where o.id = $1 and o.region_code is not null and app.is_org_member($1)
				 order by 1`,
				[orgId]
			);
			return rows.map((r) => ({ ...r, k: Number(r.k) }));
		})
	);
}

async function targetsTx(tx: Tx, orgId: string, code: string): Promise<TargetPoint[]> {
	const rows = await tx.query<{ value: string | null; year: number | null; milestones: { year: number; value: number }[]; label: string; title: string }>(
		`select t.value::text as value, t.year, t.milestones, t.label, s.title
		   from public.spaser_targets t
		   join public.spaser_documents s on s.id = t.document_id
		   join public.spaser_document_orgs d on d.document_id = s.id and d.org_id = $1
		  where t.indicator_code = $2 and s.status <> 'archive'`,
		[orgId, code]
	);
	const out: TargetPoint[] = [];
	for (const r of rows) {
		if (r.year !== null && r.value !== null) out.push({ year: r.year, value: Number(r.value), label: r.label, spaser: r.title });
		for (const m of r.milestones ?? []) if (Number.isFinite(m.year) && Number.isFinite(m.value)) out.push({ year: m.year, value: m.value, label: r.label, spaser: r.title });
	}
	return out.sort((a, b) => a.year - b.year);
}

export async function spaserTargets(db: Database, actor: Actor, orgId: string, code: string): Promise<TargetPoint[]> {
	return guard(withUser(db, actor, (tx) => targetsTx(tx, orgId, code)));
}

export const benchmarkViewInput = benchmarkQuerySchema.extend({ org: z.uuid() });

/** Everything the /benchmark page shows for one indicator, year and peer group. */
export async function benchmarkView(db: Database, actor: Actor, input: z.input<typeof benchmarkViewInput>): Promise<BenchmarkView> {
	const q = benchmarkViewInput.parse(input);
	return guard(
		withUser(db, actor, async (tx) => {
			const [m] = await tx.query<{ ok: boolean }>('select app.is_org_member($1) as ok', [q.org]);
			if (!m?.ok) throw notFound('Cette collectivité');
			const catalogue = await catalogueTx(tx, q.org);
			const indicator = catalogue.find((d) => d.id === q.indicator);
			if (!indicator) throw notFound('Cet indicateur');
			const stat = await statTx(tx, q);
			const mine = await tx.query<{ year: number; value: string }>(
				'select year, value::text as value from public.indicator_values where org_id = $1 and indicator_id = $2 order by year',
				[q.org, q.indicator]
			);
			const targets = await targetsTx(tx, q.org, indicator.code);
			const years = new Set<number>([...mine.map((r) => r.year), ...targets.map((t) => t.year), q.year]);
			const trajectory = [];
			for (const y of [...years].sort((a, b) => a - b)) {
				const s = mine.some((r) => r.year === y) || y === q.year ? (y === q.year ? stat : await statTx(tx, { ...q, year: y })) : null;
				trajectory.push({
					year: y,
					mine: (() => {
						const r = mine.find((x) => x.year === y);
						return r ? Number(r.value) : null;
					})(),
					target: targets.filter((t) => t.year === y).at(-1)?.value ?? null,
					median: s?.status === 'ok' ? s.median : null,
					p25: s?.status === 'ok' ? s.p25 : null,
					p75: s?.status === 'ok' ? s.p75 : null
				});
			}
			const myRow = mine.find((r) => r.year === q.year);
			return {
				indicator,
				year: q.year,
				scope: q.scope,
				kind: q.kind,
				size: q.size,
				stat,
				explanation: stat.status === 'refused' ? (REFUSAL_TEXT[stat.reason ?? 'not_allowed'] ?? REFUSAL_TEXT.not_allowed)(stat) : null,
				myValue: myRow ? Number(myRow.value) : null,
				target: targets.filter((t) => t.year === q.year).at(-1) ?? null,
				nextTarget: targets.find((t) => t.year > q.year) ?? null,
				trajectory
			};
		})
	);
}

export { KINDS, SIZES };

export interface NetworkSecrecy {
	networkId: string;
	name: string;
	k: number;
}

/** The networks the caller animates, with their k (animators set it; default 5). */
export async function animatedNetworkSettings(db: Database, actor: Actor): Promise<NetworkSecrecy[]> {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<NetworkSecrecy>(
				`select n.id as "networkId", n.name, coalesce(s.k, 5) as k
				   from public.networks n join public.network_animators a on a.network_id = n.id and a.user_id = auth.uid()
				   left join public.benchmark_settings s on s.network_id = n.id
				  order by n.name`
			)
		)
	);
}

/** Sets a network's k (minimum number of contributors), 3 to 50, as one of its animators or a platform admin. */
export async function setNetworkK(db: Database, actor: Actor, networkId: string, k: number): Promise<void> {
	if (!Number.isInteger(k) || k < 3 || k > 50)
		throw new AppError('invalid', 'Le nombre minimal de contributeurs doit être un entier entre 3 et 50.', 400, { field: 'k' });
	await guard(
		withUser(db, actor, async (tx) => {
			const [ok] = await tx.query<{ ok: boolean }>('select app.is_network_animator($1) or app.is_platform_admin() as ok', [networkId]);
			if (!ok?.ok) throw notFound('Ce réseau');
			await tx.query(
				`insert into public.benchmark_settings (network_id, k) values ($1, $2) on conflict (network_id) do update set k = excluded.k`,
				[networkId, k]
			);
		})
	);
}
