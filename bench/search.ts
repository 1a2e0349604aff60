// Shared-resources search benchmark: `npm run bench -- search` (or `npx tsx bench/search.ts`).
//
// 10 000 clause models and 5 000 REX generated from French domain sentences (40 collectivités, 3 networks; 40 %
// public, 40 % validated in a network, 20 % private), on a throwaway PostgreSQL 15 and on PGlite. A member of one
// collectivité runs a mix of faceted searches (words + 0–2 facets, first page of 20 with snippets, total and every
// facet count) through the real service (RLS, one transaction each): full-text search (GIN index, French
// stemming, unaccent) versus its naive peer on the same data, the same filters and the same facets, where each word
// is a plain ILIKE '%word%' scan of the texts. p50/p95 per engine; ratio = p95 full-text / p95 ILIKE (below 1:
// the full-text search is faster).
//
// Last line: RESULT p95_ms_pg=… p95_ms_pglite=… ratio_vs_ilike_pg=… (plus p50s and the PGlite ratio)
// Env: BENCH_SEARCH_RUNS (queries per method and engine, default 60), BENCH_SEARCH_CLAUSES / BENCH_SEARCH_REX.
import { randomUUID } from 'node:crypto';
import { asService, type Actor, type Database } from '../src/lib/server/db';
import { migrate } from '../src/lib/server/db/migrate';
import { openPostgres } from '../src/lib/server/db/postgres';
import { openPglite } from '../src/lib/server/db/pglite';
import { searchResources } from '../src/lib/server/resources/search';
import { FAMILIES, MECHANISMS, SEGMENT_CODES } from '../src/lib/resources/labels';
import { searchParamsSchema } from '../src/lib/server/resources/input';
import { percentile, round, table } from './lib/stats.js';
import { createDatabase, startTempPostgres } from '../scripts/lib/pg-temp.js';

const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 60);
const CLAUSES = Number(process.env.BENCH_SEARCH_CLAUSES ?? 10_000);
const REX = Number(process.env.BENCH_SEARCH_REX ?? 5_000);
const ORGS = 40;
const NETWORKS = 3;

let seed = 7;
const rand = () => {
	seed = (seed + 0x6d2b79f5) | 0;
	let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
	t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];

const SENTENCES = [
	"Le titulaire réserve une part des heures de travail à des personnes éloignées de l'emploi.",
	"Les emballages à usage unique sont proscrits lorsqu'une solution réemployable existe.",
	"Le titulaire garantit l'égalité de traitement entre les femmes et les hommes.",
	"Les produits d'entretien respectent les critères de l'Écolabel européen ou équivalent.",
	'Une part minimale du mobilier livré provient du réemploi ou de la réutilisation.',
	"Le critère coût du cycle de vie intègre la consommation d'énergie et les émissions de CO2.",
	'Les denrées livrées comprennent des produits durables et de qualité, dont des produits biologiques.',
	"Le marché est réservé aux structures d'insertion par l'activité économique.",
	'Un plan de progrès fixe des objectifs, des indicateurs et des actions revus chaque année.',
	"En cas de manquement, une pénalité est appliquée par heure d'insertion non réalisée.",
	'Les déchets de chantier sont tracés par des bordereaux de suivi.',
	'Le bois utilisé provient de forêts gérées durablement, certifiées FSC ou PEFC.',
	"Les contenus numériques respectent le référentiel général d'amélioration de l'accessibilité.",
	'Les véhicules proposés ont des émissions de polluants réduites et une motorisation électrique.',
	'Le titulaire répercute à ses sous-traitants les obligations sociales du marché.',
	"Le facilitateur de la clause sociale valide l'éligibilité des publics.",
	'Une rencontre de sourcing a permis de présenter le besoin aux entreprises du territoire.',
	'Les livraisons sont mutualisées pour limiter les émissions de gaz à effet de serre.',
	"La variante autorise des matériaux biosourcés pour l'isolation des bâtiments.",
	"Le nettoyage à l'eau seule réduit fortement l'usage de produits chimiques.",
	"Une avance majorée facilite l'accès des petites et moyennes entreprises.",
	'Le diagnostic des produits, équipements, matériaux et déchets précède la démolition.',
	'Les équipements électriques usagés sont repris par une filière agréée.',
	'Le sous-critère responsabilité sociétale apprécie la formation du personnel affecté.',
	"Le titulaire transmet chaque trimestre l'état des heures d'insertion réalisées.",
	'La restauration collective réduit le gaspillage alimentaire et les contenants en plastique.'
];
const TITLES = [
	'Clause d’insertion',
	'Critère environnemental',
	'Réduction des emballages',
	'Égalité professionnelle',
	'Réemploi du mobilier',
	'Coût du cycle de vie',
	'Alimentation durable',
	'Marché réservé',
	'Plan de progrès',
	'Pénalité sociale',
	'Déchets de chantier',
	'Bois certifié',
	'Accessibilité numérique',
	'Véhicules propres',
	'Sous-traitance responsable',
	'Nettoyage écologique'
];
const QUERIES = [
	'insertion',
	'emballages réemployables',
	'égalité femmes',
	'ecolabel',
	'mobilier reemploi',
	'cycle de vie energie',
	'produits biologiques',
	'structures insertion',
	'plan de progrès',
	'pénalité heures',
	'déchets chantier',
	'bois certifié',
	'accessibilité numérique',
	'véhicules électriques',
	'sous-traitants',
	'facilitateur',
	'sourcing entreprises',
	'matériaux biosourcés',
	'nettoyage eau',
	'gaspillage alimentaire'
];
const CPV = [
	'45000000-7',
	'90910000-9',
	'39100000-3',
	'30190000-7',
	'34100000-8',
	'15000000-8',
	'72000000-5',
	'77310000-6'
];

async function seedWorld(db: Database): Promise<Actor> {
	const orgs: string[] = [];
	const networks: string[] = [];
	let actor: Actor | null = null;
	await asService(db, 'bench setup', async (tx) => {
		for (let n = 0; n < NETWORKS; n++) {
			const id = randomUUID();
			networks.push(id);
			await tx.query(`insert into public.networks (id, slug, name) values ($1, $2, $3)`, [
				id,
				`reseau-${n}`,
				`Réseau ${n}`
			]);
		}
		for (let o = 0; o < ORGS; o++) {
			const id = randomUUID();
			orgs.push(id);
			await tx.query(`insert into public.organisations (id, slug, name, kind) values ($1, $2, $3, 'commune')`, [
				id,
				`commune-${o}`,
				`Commune ${o}`
			]);
			await tx.query(
				`insert into public.network_memberships (network_id, org_id, status) values ($1, $2, 'approved')`,
				[networks[o % NETWORKS], id]
			);
			if (o === 0) {
				const [u] = await tx.query<{ id: string }>(
					`insert into public.users (email, display_name) values ('bench@search.example.test', 'Bench') returning id`
				);
				await tx.query(`insert into public.organisation_members (org_id, user_id, role) values ($1, $2, 'editor')`, [
					id,
					u.id
				]);
				actor = { id: u.id };
			}
		}
		const families = Object.keys(FAMILIES);
		const mechanisms = Object.keys(MECHANISMS);
		const total = CLAUSES + REX;
		const CHUNK = 500;
		for (let start = 0; start < total; start += CHUNK) {
			const rows = [];
			const shares = [];
			for (let i = start; i < Math.min(total, start + CHUNK); i++) {
				const isRex = i >= CLAUSES;
				const org = orgs[Math.floor(rand() * ORGS)];
				const body = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => pick(SENTENCES)).join(' ');
				const roll = rand();
				const visibility = roll < 0.4 ? 'public' : roll < 0.8 ? 'network' : 'private';
				const id = randomUUID();
				rows.push({
					id,
					kind: isRex ? 'rex' : 'clause',
					org_id: org,
					title: `${pick(TITLES)} n° ${i}`,
					summary: pick(SENTENCES),
					body: isRex ? '' : body,
					context: isRex ? body : '',
					actions: isRex ? pick(SENTENCES) : '',
					family: pick(families),
					mechanism: pick(mechanisms),
					segments: [pick(SEGMENT_CODES), pick(SEGMENT_CODES)],
					cpv_codes: [pick(CPV)],
					year: isRex ? 2018 + Math.floor(rand() * 8) : null,
					visibility,
					usage_count: Math.floor(rand() * 30)
				});
				if (visibility === 'network')
					shares.push({ resource_id: id, network_id: networks[orgs.indexOf(org) % NETWORKS] });
			}
			await tx.query(
				`insert into public.resources (id, kind, org_id, title, summary, body, context, actions, family, mechanism, segments, cpv_codes, year, visibility, usage_count)
				 select id, kind, org_id, title, summary, body, context, actions, family, mechanism, segments, cpv_codes, year, visibility, usage_count
				   from jsonb_to_recordset($1::text::jsonb) as x(id uuid, kind text, org_id uuid, title text, summary text, body text, context text,
				        actions text, family text, mechanism text, segments text[], cpv_codes text[], year int, visibility text, usage_count int)`,
				[JSON.stringify(rows)]
			);
			if (shares.length)
				await tx.query(
					`insert into public.resource_shares (resource_id, network_id, status)
					 select resource_id, network_id, 'validated' from jsonb_to_recordset($1::text::jsonb) as x(resource_id uuid, network_id uuid)`,
					[JSON.stringify(shares)]
				);
		}
	});
	await db.query('analyze');
	return actor!;
}

function queryMix() {
	return Array.from({ length: RUNS }, () => {
		const p: Record<string, unknown> = { q: pick(QUERIES) };
		const facets = Math.floor(rand() * 3);
		for (let f = 0; f < facets; f++) {
			const which = pick(['family', 'segment', 'kind', 'cpv']);
			if (which === 'family') p.family = pick(Object.keys(FAMILIES));
			if (which === 'segment') p.segment = pick(SEGMENT_CODES).split('.')[0];
			if (which === 'kind') p.kind = pick(['clause', 'rex']);
			if (which === 'cpv') p.cpv = pick(CPV).slice(0, 2);
		}
		if (rand() < 0.2) p.sort = 'usage';
		return searchParamsSchema.parse(p);
	});
}

async function measure(db: Database, actor: Actor, textMatch: 'fts' | 'ilike', mix: ReturnType<typeof queryMix>) {
	for (const p of mix.slice(0, 5)) await searchResources(db, actor, p, { textMatch }); // warm-up
	const times: number[] = [];
	let hits = 0;
	for (const p of mix) {
		const t0 = performance.now();
		const res = await searchResources(db, actor, p, { textMatch });
		times.push(performance.now() - t0);
		hits += res.total;
	}
	return { p50: percentile(times, 50), p95: percentile(times, 95), hits };
}

async function runEngine(name: string, db: Database) {
	seed = 7; // the same data and the same queries on every engine
	const t0 = performance.now();
	const actor = await seedWorld(db);
	const [{ n }] = await db.query<{ n: number }>('select count(*)::int as n from public.resources');
	console.log(`${name}: ${n} resources generated in ${round((performance.now() - t0) / 1000)} s`);
	const mix = queryMix();
	const fts = await measure(db, actor, 'fts', mix);
	const ilike = await measure(db, actor, 'ilike', mix);
	return { fts, ilike };
}

async function main() {
	const results: Record<string, Awaited<ReturnType<typeof runEngine>>> = {};
	const pg = await startTempPostgres();
	try {
		const url = await createDatabase(pg.url, 'bench_search');
		const db = openPostgres(url, { max: 4 });
		await migrate(db);
		results.pg = await runEngine('PostgreSQL 15', db);
		await db.close();
	} finally {
		await pg.stop();
	}
	const lite = await openPglite();
	await migrate(lite);
	results.pglite = await runEngine('PGlite', lite);
	await lite.close();

	console.log(
		'\n' +
			table(
				['engine', 'method', 'p50 ms', 'p95 ms', 'results (sum)'],
				Object.entries(results).flatMap(([engine, r]) => [
					[engine, 'full-text + facets', round(r.fts.p50), round(r.fts.p95), r.fts.hits],
					[engine, 'ILIKE + facets', round(r.ilike.p50), round(r.ilike.p95), r.ilike.hits]
				])
			)
	);
	const ratio = (r: (typeof results)[string]) => round(r.fts.p95 / r.ilike.p95, 3);
	console.log(
		`RESULT p95_ms_pg=${round(results.pg.fts.p95)} p95_ms_pglite=${round(results.pglite.fts.p95)} ratio_vs_ilike_pg=${ratio(results.pg)}` +
			` p50_ms_pg=${round(results.pg.fts.p50)} p50_ms_pglite=${round(results.pglite.fts.p50)} ratio_vs_ilike_pglite=${ratio(results.pglite)}` +
			` p95_ilike_ms_pg=${round(results.pg.ilike.p95)} p95_ilike_ms_pglite=${round(results.pglite.ilike.p95)}`
	);
}

main().catch((e) => {
	console.error(e);
	process.exit(1);
});
