// Searching shared resources: full-text search with facets and snippets, and the export of a search.
import type { Actor, Database } from '../db';
import { withUser } from '../db';
import type { ResourceKind } from '$lib/resources/labels';
import type { SearchParams } from './input';
import { COLS, fromAuthors, type ResourceRow } from './model';

export interface SearchHit {
	id: string;
	kind: ResourceKind;
	title: string;
	summary: string;
	family: string;
	mechanism: string | null;
	segments: string[];
	reliability: string;
	visibility: string;
	year: number | null;
	usage_count: number;
	updated_at: string;
	org_name: string | null;
	/** HTML-escaped snippet with <mark> around matched words. */
	snippet: string;
	rank: number;
}

export interface Facets {
	kind: Record<string, number>;
	family: Record<string, number>;
	mechanism: Record<string, number>;
	segment: Record<string, number>;
	cpv: Record<string, number>;
	network: { id: string; name: string; count: number }[];
	reliability: Record<string, number>;
	year: Record<string, number>;
}

export interface SearchResult {
	total: number;
	items: SearchHit[];
	facets: Facets;
	page: number;
	pageSize: number;
}

const escapeHtml = (s: string) =>
	s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const SEL_START = '\u2063\u2062';

const SEL_STOP = '\u2062\u2063';

export function snippetHtml(raw: string): string {
	return escapeHtml(raw).split(SEL_START).join('<mark>').split(SEL_STOP).join('</mark>');
}

/**
 * The networks that validated an item, as the reader may learn them: none for an anonymised item outside its
 * collectivité (the list of networks would point at the author), for the network filter and facet alike.
 */
const VISIBLE_VALIDATED_NETWORKS = `(case when r.anonymised and not r.id = any ((select app.my_resource_ids())::uuid[])
	                                        then '{}'::uuid[] else r.validated_network_ids end)`;

/** The WHERE clause (and its parameters) shared by search, facets and export. */
export function searchWhere(p: Partial<SearchParams>, params: unknown[] = [], textMatch: 'fts' | 'ilike' = 'fts') {
	const where: string[] = [];
	const add = (v: unknown) => {
		params.push(v);
		return `$${params.length}`;
	};
	let query: string | null = null;
	if (p.q && textMatch === 'fts') {
		query = `(select websearch_to_tsquery('public.fr_unaccent', ${add(p.q)}))`;
		where.push(`r.search @@ ${query}`);
	} else if (p.q) {
		// The naive peer of the benchmark: every word as a substring of the texts (no stemming, no index).
		for (const w of p.q.split(/\s+/).filter(Boolean))
			where.push(
				`concat_ws(' ', r.title, r.summary, r.body, r.context, r.actions, r.lessons, r.attachments_text) ilike '%' || ${add(w)} || '%'`
			);
	}
	if (p.kind) where.push(`r.kind = ${add(p.kind)}`);
	if (p.family) where.push(`r.family = ${add(p.family)}`);
	if (p.mechanism) where.push(`r.mechanism = ${add(p.mechanism)}`);
	if (p.segment) {
		// A top-level segment also matches its sub-segments.
		const s = add(p.segment);
		where.push(`exists (select 1 from unnest(r.segments) seg where seg = ${s} or seg like ${s} || '.%')`);
	}
	if (p.cpv) where.push(`exists (select 1 from unnest(r.cpv_codes) c where c like ${add(p.cpv)} || '%')`);
	if (p.network) where.push(`${VISIBLE_VALIDATED_NETWORKS} @> array[${add(p.network)}::uuid]`);
	if (p.reliability) where.push(`r.reliability = ${add(p.reliability)}`);
	if (p.year) where.push(`r.year = ${add(p.year)}`);
	if (p.mine) where.push(`r.id = any ((select app.my_resource_ids())::uuid[])`);
	return { where: where.length ? where.join(' and ') : 'true', params, query };
}

export const PAGE_SIZE = 20;

export async function searchResources(
	db: Database,
	actor: Actor | null,
	p: SearchParams,
	opts: { pageSize?: number; textMatch?: 'fts' | 'ilike' } = {}
): Promise<SearchResult> {
	const pageSize = opts.pageSize ?? PAGE_SIZE;
	return withUser(db, actor, async (tx) => {
		// Plan each search with its actual words and filters (their selectivity decides between the GIN index and a
		// scan); a cached generic plan cannot know whether "clause" matches 1 or 10 000 items.
		await tx.query(`select set_config('plan_cache_mode', 'force_custom_plan', true)`);
		const { where, params, query } = searchWhere(p, [], opts.textMatch);
		const order = (alias: string) =>
			p.sort === 'usage'
				? `${alias}.usage_count desc, ${alias}.updated_at desc, ${alias}.id`
				: p.sort === 'recent' || !query
					? `${alias}.updated_at desc, ${alias}.id`
					: `${alias}.rank desc, ${alias}.updated_at desc, ${alias}.id`;
		const rank = query ? `ts_rank_cd(r.search, ${query})` : '0::real';
		const offset = (p.page - 1) * pageSize;
		// One scan: the visible matches (RLS applies) are materialised once, then counted, paged and faceted.
		const [f] = await tx.query<{ total: number; facets: Facets; page: { id: string; rank: number }[] | null }>(
			`with hits as materialized (
			   select r.id, r.kind, r.family, r.mechanism, r.segments, r.cpv_codes, ${VISIBLE_VALIDATED_NETWORKS} as validated_network_ids, r.reliability, r.year,
			          r.usage_count, r.updated_at, ${rank} as rank
			     from public.resources r where ${where})
			 select (select count(*)::int from hits) as total,
			        (select jsonb_agg(jsonb_build_object('id', h.id, 'rank', h.rank) order by ${order('h')})
			           from (select * from hits h order by ${order('h')} limit ${pageSize} offset ${offset}) h) as page,
			        jsonb_build_object(
			          'kind', coalesce((select jsonb_object_agg(k, n) from (select kind k, count(*) n from hits group by 1) s), '{}'),
			          'family', coalesce((select jsonb_object_agg(k, n) from (select family k, count(*) n from hits group by 1) s), '{}'),
			          'mechanism', coalesce((select jsonb_object_agg(k, n) from (select mechanism k, count(*) n from hits where mechanism is not null group by 1) s), '{}'),
			          'segment', coalesce((select jsonb_object_agg(k, n) from (select seg k, count(*) n from hits, unnest(segments) seg group by 1) s), '{}'),
			          'cpv', coalesce((select jsonb_object_agg(k, n) from (select d.k, count(*) n from hits h, lateral (select distinct left(c, 2) k from unnest(h.cpv_codes) c) d group by 1) s), '{}'),
			          'network', coalesce((select jsonb_agg(jsonb_build_object('id', k, 'name', nw.name, 'count', n) order by nw.name)
			                               from (select k, count(*) n from hits, unnest(validated_network_ids) k group by 1) s
			                               join public.networks nw on nw.id = s.k), '[]'),
			          'reliability', coalesce((select jsonb_object_agg(k, n) from (select reliability k, count(*) n from hits group by 1) s), '{}'),
			          'year', coalesce((select jsonb_object_agg(k, n) from (select year k, count(*) n from hits where year is not null group by 1) s), '{}')
			        ) as facets`,
			params
		);
		const page = f.page ?? [];
		let items: SearchHit[] = [];
		if (page.length) {
			// The page's rows, with their snippets (ts_headline is costly: only for these few rows).
			const headParams: unknown[] = [page.map((x) => x.id)];
			const q = query && p.q ? `(select websearch_to_tsquery('public.fr_unaccent', $2))` : null;
			if (q) headParams.push(p.q);
			const headline = q
				? `ts_headline('public.fr_unaccent', left(concat_ws(' — ', nullif(r.summary, ''), r.body, nullif(r.context, ''), nullif(r.actions, ''), nullif(r.lessons, '')), 20000), ${q},
				     'StartSel=${SEL_START}, StopSel=${SEL_STOP}, MaxFragments=2, MaxWords=28, MinWords=12, FragmentDelimiter=" … "')`
				: `left(coalesce(nullif(r.summary, ''), r.body, r.context), 240)`;
			const rows = await tx.query<SearchHit>(
				`select r.id, r.kind, r.title, r.summary, r.family, r.mechanism, r.segments, r.reliability, r.visibility, r.year,
				        r.usage_count, r.updated_at, a.org_name, ${headline} as snippet
				   from ${fromAuthors('$1::uuid[]')}
				  where r.id = any ($1::uuid[])`,
				headParams
			);
			const byId = new Map(rows.map((r) => [r.id, r]));
			items = page.flatMap((x) => {
				const r = byId.get(x.id);
				return r ? [{ ...r, rank: x.rank }] : [];
			});
		}
		return {
			total: f.total,
			facets: f.facets,
			page: p.page,
			pageSize,
			items: items.map((it) => ({
				...it,
				snippet: query ? snippetHtml(it.snippet) : escapeHtml(it.snippet)
			}))
		};
	});
}

/** Every visible item matching the filters (export), capped. */
export async function exportResources(db: Database, actor: Actor | null, p: Partial<SearchParams>, limit = 5000) {
	return withUser(db, actor, async (tx) => {
		const { where, params } = searchWhere(p);
		return tx.query<ResourceRow & { org_name: string | null }>(
			`with sel as materialized (select r.id, r.kind, r.title from public.resources r where ${where} order by r.kind, r.title limit ${limit})
			 select ${COLS}, a.org_name from ${fromAuthors('(select array_agg(id) from sel)')}
			  where r.id in (select id from sel) order by r.kind, r.title`,
			params
		);
	});
}
