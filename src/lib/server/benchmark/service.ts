// Anonymised benchmarks (docs/benchmark-privacy.md). Every figure about other collectivités comes from
// app.benchmark_stat (security definer, the only door), which reads the latest consolidated publication — never live
// values; the caller's own live values and SPASER targets are read through row-level security.
import { z } from 'zod';
import { benchmarkQuerySchema, KINDS } from '../indicators/input';
import { SIZES } from '$lib/indicators/labels';
import { asService, withUser, type Actor, type Database, type Tx } from '../db';
import { AppError, guard, notFound, toAppError } from '$lib/server/kit/errors';
import { catalogueTx, type IndicatorDef } from '../indicators/service';
import { BAND_TEXT, NOT_ENOUGH_PEERS, type Band } from '../../benchmark';

export { BAND_TEXT, NOT_ENOUGH_PEERS, type Band };

export interface BenchmarkStat {
	status: 'ok' | 'refused';
	reason: string | null;
	/** When the statistics were consolidated (ISO date), null before the first publication. */
	publishedAt: string | null;
	n: number | null;
	k: number | null;
	median: number | null;
	p25: number | null;
	p75: number | null;
	p10: number | null;
	p90: number | null;
	mean: number | null;
	/** My value as counted in the publication (rounded to the publication grain). */
	myValue: number | null;
	myBand: Band | null;
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
	/** My live value (what I entered, maybe after the publication). */
	myValue: number | null;
	target: TargetPoint | null;
	nextTarget: TargetPoint | null;
	trajectory: {
		year: number;
		mine: number | null;
		target: number | null;
		median: number | null;
		p25: number | null;
		p75: number | null;
	}[];
}

export const REFUSAL_TEXT: Record<string, string> = {
	too_few: NOT_ENOUGH_PEERS,
	not_published:
		"Aucune statistique consolidée n'a encore été publiée : elles le sont chaque nuit, ou quand un animateur de réseau les publie.",
	custom_indicator: 'Les indicateurs propres à une collectivité ne sont jamais comparés.',
	not_allowed: "Vous ne faites pas partie de ce groupe de pairs : choisissez l'un de vos réseaux ou votre région."
};

function toStat(raw: Record<string, unknown>): BenchmarkStat {
	const num = (k: string) => (raw[k] === null || raw[k] === undefined ? null : Number(raw[k]));
	const band = raw.my_band as string | null | undefined;
	return {
		status: raw.status === 'ok' ? 'ok' : 'refused',
		reason: (raw.reason as string) ?? null,
		publishedAt: raw.published_at ? new Date(raw.published_at as string).toISOString() : null,
		n: raw.status === 'ok' ? num('n') : null,
		k: num('k'),
		median: num('median'),
		p25: num('p25'),
		p75: num('p75'),
		p10: num('p10'),
		p90: num('p90'),
		mean: num('mean'),
		myValue: num('my_value'),
		myBand: band === 'q1' || band === 'q2' || band === 'q3' || band === 'q4' ? band : null
	};
}

export async function statTx(
	tx: Tx,
	q: { indicator: string; year: number; scope: string; kind?: string; size?: string; org?: string | null }
): Promise<BenchmarkStat> {
	const [row] = await tx.query<{ s: Record<string, unknown> }>(
		'select app.benchmark_stat($1, $2, $3, $4, $5, $6) as s',
		[q.indicator, q.year, q.scope, q.kind ?? '*', q.size ?? '*', q.org ?? null]
	);
	return toStat(row.s);
}

/** One anonymised statistic (API and pages): the same rules whoever asks. */
export async function benchmarkStatistic(
	db: Database,
	actor: Actor,
	input: Record<string, unknown>
): Promise<BenchmarkStat> {
	const parsed = benchmarkQuerySchema.safeParse(input);
	if (!parsed.success) throw new AppError('invalid', parsed.error.issues[0]?.message ?? 'Requête invalide.', 400);
	return guard(withUser(db, actor, (tx) => statTx(tx, parsed.data)));
}

/** The peer groups a collectivité may compare itself with: its networks (approved) and, once validated, its region. */
export async function peerScopes(db: Database, actor: Actor, orgId: string): Promise<PeerScope[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query<{ scope: string; label: string; k: number }>(
				`select 'n:' || n.id as scope, 'Réseau : ' || n.name as label, app.benchmark_k('n:' || n.id) as k
				   from public.network_memberships nm join public.networks n on n.id = nm.network_id
				  where nm.org_id = $1 and nm.status = 'approved' and app.is_org_member($1)
				 union all
				 select 'r:' || o.region_code, 'Région (code ' || o.region_code || ')', 5
				   from public.organisations o where o.id = $1 and o.region_code is not null and app.is_org_member($1) and app.is_validated_org($1)
				 order by 1`,
				[orgId]
			);
			return rows.map((r) => ({ ...r, k: Number(r.k) }));
		})
	);
}

async function targetsTx(tx: Tx, orgId: string, code: string): Promise<TargetPoint[]> {
	const rows = await tx.query<{
		value: string | null;
		year: number | null;
		milestones: { year: number; value: number }[];
		label: string;
		title: string;
	}>(
		`select t.value::text as value, t.year, t.milestones, t.label, s.title
		   from public.spaser_targets t
		   join public.spaser_documents s on s.id = t.document_id
		   join public.spaser_document_orgs d on d.document_id = s.id and d.org_id = $1
		  where t.indicator_code = $2 and s.status <> 'archive'`,
		[orgId, code]
	);
	const out: TargetPoint[] = [];
	for (const r of rows) {
		if (r.year !== null && r.value !== null)
			out.push({ year: r.year, value: Number(r.value), label: r.label, spaser: r.title });
		for (const m of r.milestones ?? [])
			if (Number.isFinite(m.year) && Number.isFinite(m.value))
				out.push({ year: m.year, value: m.value, label: r.label, spaser: r.title });
	}
	return out.sort((a, b) => a.year - b.year);
}

export async function spaserTargets(db: Database, actor: Actor, orgId: string, code: string): Promise<TargetPoint[]> {
	return guard(withUser(db, actor, (tx) => targetsTx(tx, orgId, code)));
}

export const benchmarkViewInput = benchmarkQuerySchema.extend({ org: z.uuid() });

/** Everything the /benchmark page shows for one indicator, year and peer group. */
export async function benchmarkView(
	db: Database,
	actor: Actor,
	input: z.input<typeof benchmarkViewInput>
): Promise<BenchmarkView> {
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
				const s =
					mine.some((r) => r.year === y) || y === q.year
						? y === q.year
							? stat
							: await statTx(tx, { ...q, year: y })
						: null;
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
				explanation:
					stat.status === 'refused' ? (REFUSAL_TEXT[stat.reason ?? 'not_allowed'] ?? NOT_ENOUGH_PEERS) : null,
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
		throw new AppError('invalid', 'Le nombre minimal de contributeurs doit être un entier entre 3 et 50.', 400, {
			field: 'k'
		});
	await guard(
		withUser(db, actor, async (tx) => {
			const [ok] = await tx.query<{ ok: boolean }>(
				'select app.is_network_animator($1) or app.is_platform_admin() as ok',
				[networkId]
			);
			if (!ok?.ok) throw notFound('Ce réseau');
			await tx.query(
				`insert into public.benchmark_settings (network_id, k) values ($1, $2) on conflict (network_id) do update set k = excluded.k`,
				[networkId, k]
			);
		})
	);
}

export interface Publication {
	id: string;
	publishedAt: string;
	trigger: string;
}

/** The latest consolidated publication (its date is public to every signed-in person), or null. */
export async function latestPublication(db: Database, actor: Actor): Promise<Publication | null> {
	const [row] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string; published_at: Date | string; trigger: string }>(
				'select id, published_at, trigger from public.benchmark_publications order by published_at desc, id limit 1'
			)
		)
	);
	return row ? { id: row.id, publishedAt: new Date(row.published_at).toISOString(), trigger: row.trigger } : null;
}

/** « Publier » (an animator of a network or a platform admin; at most one manual publication per hour). */
export async function publishBenchmarks(db: Database, actor: Actor): Promise<string> {
	try {
		const [row] = await withUser(db, actor, (tx) => tx.query<{ id: string }>('select app.benchmark_publish() as id'));
		return row.id;
	} catch (e) {
		const msg = (e as { message?: string })?.message ?? '';
		if (msg.includes('too_soon'))
			throw new AppError(
				'too_soon',
				'Les statistiques ont déjà été publiées il y a moins d’une heure : réessayez plus tard.',
				409
			);
		if (msg.includes('not_allowed'))
			throw new AppError(
				'forbidden',
				'Seuls les animateurs de réseau et les administrateurs de la plateforme publient les statistiques.',
				403
			);
		throw toAppError(e);
	}
}

/** A publication by the platform itself (nightly job, demo start-up): service role, named. */
export async function publishNow(db: Database, trigger: 'nightly' | 'demo'): Promise<string> {
	const [row] = await asService(db, `benchmark: ${trigger} publication`, (tx) =>
		tx.query<{ id: string }>('select app.benchmark_publish_now($1) as id', [trigger])
	);
	return row.id;
}

export interface OrgValidationRow {
	id: string;
	slug: string;
	name: string;
	kind: string;
	regionCode: string | null;
	population: number | null;
	createdAt: string;
	validatedAt: string | null;
	/** Admitted to at least one network by its animator (validated without the platform). */
	admitted: boolean;
}

/** Every collectivité with its validation state, for platform admins (RLS: they see them all). */
export async function listOrgValidations(db: Database, actor: Actor): Promise<OrgValidationRow[]> {
	const rows = await guard(
		withUser(db, actor, (tx) =>
			tx.query<Record<string, unknown>>(
				`select o.id, o.slug, o.name, o.kind, o.region_code, o.population, o.created_at, o.validated_at,
				        exists (select 1 from public.network_memberships nm where nm.org_id = o.id and nm.status = 'approved') as admitted
				   from public.organisations o
				  where o.archived_at is null and app.is_platform_admin()
				  order by (o.validated_at is null) desc, o.created_at desc
				  limit 500`
			)
		)
	);
	return rows.map((r) => ({
		id: r.id as string,
		slug: r.slug as string,
		name: r.name as string,
		kind: r.kind as string,
		regionCode: (r.region_code as string | null) ?? null,
		population: r.population === null ? null : Number(r.population),
		createdAt: new Date(r.created_at as string).toISOString(),
		validatedAt: r.validated_at ? new Date(r.validated_at as string).toISOString() : null,
		admitted: Boolean(r.admitted)
	}));
}

/** A platform admin validates (or un-validates) a collectivité's identity; the database refuses anyone else. */
export async function setOrgValidation(db: Database, actor: Actor, orgId: string, validated: boolean): Promise<void> {
	if (!z.uuid().safeParse(orgId).success) throw notFound('Cette collectivité');
	await guard(
		withUser(db, actor, async (tx) => {
			const [ok] = await tx.query<{ ok: boolean }>('select app.is_platform_admin() as ok');
			if (!ok?.ok) throw notFound('Cette collectivité');
			const rows = await tx.query(
				`update public.organisations set validated_at = case when $2 then coalesce(validated_at, now()) end where id = $1 returning id`,
				[orgId, validated]
			);
			if (!rows.length) throw notFound('Cette collectivité');
		})
	);
}

/** The collectivité counts in statistics (admitted to a network, or validated by the platform); members only. */
export async function isValidatedOrg(db: Database, actor: Actor, orgId: string): Promise<boolean> {
	const [row] = await guard(
		withUser(db, actor, (tx) =>
			tx.query<{ ok: boolean }>('select app.is_org_member($1) and app.is_validated_org($1) as ok', [orgId])
		)
	);
	return Boolean(row?.ok);
}
