// Indicators benchmark: `npm run bench -- benchmark` (or `npx tsx bench/benchmark.ts`).
//
//   World: 2 000 collectivités (13 regions, 10 types, 5 size classes), 20 networks of 100 approved members,
//   40 canonical indicators (the catalogue plus 18 bench ones), 6 years: 480 000 values.
//   1. Publication (docs/benchmark-privacy.md): app.benchmark_publish_now, the consolidated snapshot of every
//      validated collectivité's rounded values and the statistics of every lattice cell (networks and regions ×
//      types × sizes) with the k, dominance and differencing checks — what the nightly job runs.
//   2. Anonymised statistic: app.benchmark_stat (reads the latest publication; my value and band) as a member,
//      through withUser: p50/p95 of N calls on random indicator / year / peer group. Peer measured in the same
//      run: the raw aggregate over the same group (percentiles and mean, no anonymisation checks) as the owner.
//   3. DECP import of 10 000 contracts (JSON 2024, one buyer) through the real importDecp (parse, validate, chunked
//      insert under RLS). Peer: parsing and validating the same file without the database.
//   Both on PGlite (in memory) and on a throwaway PostgreSQL 15.
//
// Last line: RESULT stat_p95_ms_pg=… stat_p95_ms_pglite=… decp_10k_import_s=… publish_s_pg=… publish_s_pglite=…
// Env: BENCH_STAT_RUNS (default 60).
import { performance } from 'node:perf_hooks';
import { asService, withUser, type Actor, type Database } from '../src/lib/server/db';
import { migrate } from '../src/lib/server/db/migrate';
import { openPglite } from '../src/lib/server/db/pglite';
import { openPostgres } from '../src/lib/server/db/postgres';
import { importDecp } from '../src/lib/server/decp/service';
import { readDecp } from '../src/lib/server/decp/parse';
import { percentile, round, table } from './lib/stats.js';
import { createDatabase, startTempPostgres } from '../scripts/lib/pg-temp.js';

const RUNS = Number(process.env.BENCH_STAT_RUNS ?? 60);
const ORGS = 2000;
const NETWORKS = 20;
const YEARS = [2020, 2021, 2022, 2023, 2024, 2025];
const KINDS = [
	'commune',
	'communaute_communes',
	'communaute_agglomeration',
	'communaute_urbaine',
	'metropole',
	'departement',
	'region',
	'etablissement_public',
	'centre_hospitalier',
	'autre'
];
const REGIONS = ['11', '24', '27', '28', '32', '44', '52', '53', '75', '76', '84', '93', '94'];
let seed = 7;
const rand = () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];

async function buildWorld(
	db: Database
): Promise<{ actor: Actor; orgId: string; networkId: string; region: string; indicators: string[] }> {
	return asService(db, 'bench setup', async (tx) => {
		const [u] = await tx.query<{ id: string }>(
			`insert into public.users (email, display_name, email_verified_at) values ('bench@bench.example.test', 'Bench', now()) returning id`
		);
		await tx.query(
			`insert into public.networks (slug, name) select 'reseau-' || g, 'Réseau ' || g from generate_series(1, ${NETWORKS}) g`
		);
		await tx.query(
			`insert into public.organisations (slug, name, kind, region_code, population, siren)
			 select 'org-' || g, 'Collectivité ' || g, (array[${KINDS.map((k) => `'${k}'`).join(',')}])[1 + (g * 7) % ${KINDS.length}],
			        (array[${REGIONS.map((r) => `'${r}'`).join(',')}])[1 + (g * 3) % ${REGIONS.length}],
			        (abs(hashtext('p' || g)) % 400000) + 500, case when g = 1 then '999900079' end
			   from generate_series(1, ${ORGS}) g`
		);
		await tx.query(
			`insert into public.network_memberships (network_id, org_id, status)
			 select n.id, o.id, 'approved' from public.organisations o
			   join public.networks n on n.slug = 'reseau-' || (1 + (substr(o.slug, 5)::int % ${NETWORKS}))`
		);
		const [org] = await tx.query<{ id: string; region_code: string }>(
			`select id, region_code from public.organisations where slug = 'org-1'`
		);
		await tx.query(`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'admin')`, [
			org.id,
			u.id
		]);
		const [net] = await tx.query<{ network_id: string }>(
			`select network_id from public.network_memberships where org_id = $1`,
			[org.id]
		);
		await tx.query(
			`insert into public.indicator_definitions (code, label, domain, unit)
			 select 'CAN-BENCH-' || lpad(g::text, 2, '0'), 'Indicateur de bench ' || g, 'autre', case when g % 2 = 0 then 'percent' else 'eur' end
			   from generate_series(1, 18) g`
		);
		const defs = await tx.query<{ id: string }>(
			`select id from public.indicator_definitions where org_id is null order by code limit 40`
		);
		await tx.query(
			`insert into public.indicator_values (org_id, indicator_id, year, value)
			 select o.id, d.id, y, round((abs(hashtext(o.id::text || d.id::text || y)) % 10000) / 100.0, 1)
			   from public.organisations o cross join (select id from public.indicator_definitions where org_id is null order by code limit 40) d
			   cross join unnest($1::int[]) y`,
			[YEARS]
		);
		await tx.query('analyze');
		return {
			actor: { id: u.id },
			orgId: org.id,
			networkId: net.network_id,
			region: org.region_code,
			indicators: defs.map((d) => d.id)
		};
	});
}

function decpFile(n: number): Uint8Array {
	const P = ['Procédure adaptée', "Appel d'offres ouvert", 'Procédure avec négociation'];
	const marche = Array.from({ length: n }, (_, i) => ({
		id: `B${String(i).padStart(7, '0')}`,
		acheteur: { id: '99990007900011' },
		nature: 'Marché',
		objet: `Marché de bench n° ${i}`,
		codeCPV: '45000000',
		techniques: { technique: ['Sans objet'] },
		modalitesExecution: { modaliteExecution: ['Sans objet'] },
		marcheInnovant: i % 37 === 0,
		ccag: 'Travaux',
		offresRecues: 1 + (i % 7),
		attributionAvance: false,
		typeGroupementOperateurs: 'Pas de groupement',
		procedure: P[i % 3],
		lieuExecution: { code: '31', typeCode: 'Code département' },
		dureeMois: 12,
		dateNotification: `${2024 + (i % 2)}-0${1 + (i % 9)}-1${i % 10}`,
		datePublicationDonnees: '2025-01-15',
		montant: 40000 + ((i * 7919) % 900000),
		typesPrix: { typePrix: ['Définitif ferme'] },
		formePrix: 'Forfaitaire',
		sousTraitanceDeclaree: false,
		titulaires: [{ titulaire: { typeIdentifiant: 'SIRET', id: String(70000000000000 + i) } }],
		considerationsSociales: {
			considerationSociale: i % 4 === 0 ? ['Clause sociale'] : ['Pas de considération sociale']
		},
		considerationsEnvironnementales: {
			considerationEnvironnementale:
				i % 3 === 0 ? ['Critère environnemental'] : ['Pas de considération environnementale']
		},
		modifications:
			i % 50 === 0
				? [
						{
							modification: {
								id: 1,
								montant: 50000,
								dateNotificationModification: '2025-03-01',
								datePublicationDonneesModification: '2025-03-02'
							}
						}
					]
				: []
	}));
	return new TextEncoder().encode(JSON.stringify({ marches: { marche } }));
}

async function measure(engine: string, db: Database) {
	const t0 = performance.now();
	await migrate(db);
	const w = await buildWorld(db);
	const setupS = (performance.now() - t0) / 1000;
	const pub0 = performance.now();
	const [pub] = await asService(db, 'bench: publication', async (tx) => {
		const [{ id }] = await tx.query<{ id: string }>(`select app.benchmark_publish_now('nightly') as id`);
		return tx.query<{ cells: number }>('select cells from public.benchmark_publications where id = $1', [id]);
	});
	const publishS = (performance.now() - pub0) / 1000;
	const scopes = [`n:${w.networkId}`, `r:${w.region}`];
	const anon: number[] = [];
	const raw: number[] = [];
	let published = 0;
	const queries = Array.from({ length: RUNS }, () => ({
		indicator: pick(w.indicators),
		year: pick(YEARS),
		scope: pick(scopes),
		kind: rand() < 0.7 ? '*' : 'commune',
		size: rand() < 0.7 ? '*' : 'm'
	}));
	for (const q of [...queries.slice(0, 3), ...queries]) {
		const a = performance.now();
		const [r] = await withUser(db, w.actor, (tx) =>
			tx.query<{ s: { status: string } }>('select app.benchmark_stat($1, $2, $3, $4, $5, $6) as s', [
				q.indicator,
				q.year,
				q.scope,
				q.kind,
				q.size,
				w.orgId
			])
		);
		anon.push(performance.now() - a);
		if (r.s.status === 'ok') published++;
		const b = performance.now();
		await asService(db, 'bench peer: raw aggregate', (tx) =>
			tx.query(
				`select count(*), percentile_cont(array[0.1, 0.25, 0.5, 0.75, 0.9]) within group (order by v.value), avg(v.value)
				   from public.indicator_values v join public.organisations o on o.id = v.org_id
				  where v.indicator_id = $1 and v.year = $2
				    and (($3 like 'n:%' and exists (select 1 from public.network_memberships nm where nm.org_id = o.id and nm.status = 'approved' and 'n:' || nm.network_id = $3))
				         or ($3 like 'r:%' and 'r:' || o.region_code = $3))
				    and ($4 = '*' or o.kind = $4) and ($5 = '*' or app.size_class(o.population) = $5)`,
				[q.indicator, q.year, q.scope, q.kind, q.size]
			)
		);
		raw.push(performance.now() - b);
	}
	anon.splice(0, 3);
	raw.splice(0, 3);
	const file = decpFile(10_000);
	const p0 = performance.now();
	const parsed = readDecp(file, { buyers: ['999900079'] });
	const parseS = (performance.now() - p0) / 1000;
	const i0 = performance.now();
	const run = await importDecp(db, w.actor, w.orgId, { name: 'bench.json', bytes: file });
	const importS = (performance.now() - i0) / 1000;
	const i1 = performance.now();
	const again = await importDecp(db, w.actor, w.orgId, { name: 'bench.json', bytes: file });
	const reimportS = (performance.now() - i1) / 1000;
	if (run.accepted !== 10_000 || parsed.accepted !== 10_000 || again.inserted !== 0)
		throw new Error(`unexpected import counts ${JSON.stringify({ run, again: again.inserted })}`);
	return {
		engine,
		setupS,
		publishS,
		cells: Number(pub.cells),
		statP50: percentile(anon, 50),
		statP95: percentile(anon, 95),
		rawP50: percentile(raw, 50),
		rawP95: percentile(raw, 95),
		published,
		importS,
		reimportS,
		parseS
	};
}

async function main() {
	const results = [];
	const lite = await openPglite({});
	try {
		results.push(await measure('pglite', lite));
	} finally {
		await lite.close();
	}
	const pg = await startTempPostgres({ fsync: false });
	try {
		const url = await createDatabase(pg.url, 'bench_indicators');
		const db = openPostgres(url, { max: 4 });
		try {
			results.push(await measure('postgres15', db));
		} finally {
			await db.close();
		}
	} finally {
		await pg.stop();
	}
	console.log(
		`World: ${ORGS} collectivités × 40 indicators × ${YEARS.length} years = ${ORGS * 40 * YEARS.length} values; ${RUNS} statistics per engine.`
	);
	console.log(
		table(
			[
				'engine',
				'setup s',
				'publish s',
				'cells',
				'stat p50 ms',
				'stat p95 ms',
				'raw p50 ms',
				'raw p95 ms',
				'p95 ratio',
				'published',
				'DECP 10k s',
				're-import s',
				'parse only s',
				'import/parse'
			],
			results.map((r) => [
				r.engine,
				round(r.setupS, 1),
				round(r.publishS, 1),
				r.cells,
				round(r.statP50, 1),
				round(r.statP95, 1),
				round(r.rawP50, 1),
				round(r.rawP95, 1),
				`${round(r.statP95 / r.rawP95, 1)}×`,
				`${r.published}/${RUNS}`,
				round(r.importS, 2),
				round(r.reimportS, 2),
				round(r.parseS, 2),
				`${round(r.importS / r.parseS, 1)}×`
			])
		)
	);
	const pgr = results.find((r) => r.engine === 'postgres15')!;
	const lr = results.find((r) => r.engine === 'pglite')!;
	console.log(
		`RESULT stat_p95_ms_pg=${round(pgr.statP95, 1)} stat_p95_ms_pglite=${round(lr.statP95, 1)} decp_10k_import_s=${round(pgr.importS, 2)} publish_s_pg=${round(pgr.publishS, 1)} publish_s_pglite=${round(lr.publishS, 1)}`
	);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
