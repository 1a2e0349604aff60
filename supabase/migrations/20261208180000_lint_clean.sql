-- SPASER Commun — `supabase db lint` (plpgsql_check) clean.
-- app.benchmark_publish_now builds its lattice in temporary tables created at run time, which a static checker
-- cannot see: the same function again, unchanged but for the declarations of those tables' shapes (pragmas that
-- plpgsql_check reads and PostgreSQL evaluates as a constant string).

create or replace function app.benchmark_publish_now(p_trigger text, p_by uuid default null) returns uuid
  language plpgsql volatile security definer set search_path = ''
  as $$
  declare
    v_pub uuid;
  begin
    -- Shapes of the temporary tables created below, for the static checker only (plpgsql_check, run by
    -- `supabase db lint`): a bare string, so it does nothing at run time and needs no extension.
    perform 'PRAGMA:TABLE: bm_cand (indicator_id uuid, year integer, scope text, kind text, size text, n integer, total numeric, biggest numeric, q double precision[], mean numeric, id integer, prio text, k integer)';
    perform 'PRAGMA:TABLE: bm_sig (indicator_id uuid, year integer, sig text)';
    perform 'PRAGMA:TABLE: bm_rep (sig text, indicator_id uuid, year integer)';
    perform 'PRAGMA:TABLE: bm_member (sig text, id integer, org_id uuid)';
    perform 'PRAGMA:TABLE: bm_bad (sig text, scope text, kind text, size text)';
    perform pg_advisory_xact_lock(727002);
    insert into public.benchmark_publications (trigger, published_by) values (p_trigger, p_by) returning id into v_pub;

    insert into public.benchmark_contributions (publication_id, indicator_id, year, org_id, value, kind, size, scopes)
    select v_pub, v.indicator_id, v.year, v.org_id, app.benchmark_round(v.value, d.unit, 0), o.kind, app.size_class(o.population), sc.scopes
      from public.indicator_values v
      join public.indicator_definitions d on d.id = v.indicator_id and d.org_id is null
      join public.organisations o on o.id = v.org_id and o.archived_at is null
      join (select s.org_id, array_agg(distinct s.scope order by s.scope) as scopes from app.benchmark_scopes() s group by s.org_id) sc
        on sc.org_id = v.org_id;

    drop table if exists pg_temp.bm_cand, pg_temp.bm_sig, pg_temp.bm_rep, pg_temp.bm_member, pg_temp.bm_bad;
    create temporary table bm_cand on commit drop as
    with m as (
      select c.indicator_id, c.year, s.scope, c.kind, c.size, c.org_id, c.value
        from public.benchmark_contributions c cross join unnest(c.scopes) as s (scope)
       where c.publication_id = v_pub
    )
    select m.indicator_id, m.year, m.scope, coalesce(m.kind, '*') as kind, coalesce(m.size, '*') as size,
           count(*)::int as n, sum(abs(m.value)) as total, max(abs(m.value)) as biggest,
           percentile_cont(array[0.1, 0.25, 0.5, 0.75, 0.9]) within group (order by m.value) as q,
           avg(m.value) as mean
      from m
     group by grouping sets ((m.indicator_id, m.year, m.scope), (m.indicator_id, m.year, m.scope, m.kind),
                             (m.indicator_id, m.year, m.scope, m.size), (m.indicator_id, m.year, m.scope, m.kind, m.size));
    delete from pg_temp.bm_cand c where c.n < app.benchmark_k(c.scope);
    alter table pg_temp.bm_cand add column id serial, add column prio text, add column k integer;
    update pg_temp.bm_cand c set k = app.benchmark_k(c.scope),
      prio = (case when c.kind = '*' and c.size = '*' then '0' when c.kind = '*' or c.size = '*' then '1' else '2' end)
             || (case when c.scope like 'n:%' then '0' else '1' end) || lpad((999999 - c.n)::text, 6, '0')
             || c.scope || c.kind || c.size;

    -- Differencing depends only on WHO contributes (each collectivité's type, size and scopes are fixed within a
    -- publication), not on the values: it is decided once per distinct contributor set (signature), on one
    -- representative indicator and year. For each candidate cell of the representative, its members; for every
    -- pair of candidate cells sharing a contributor, the size of their intersection (cells sharing nobody differ
    -- by at least 2k); a cell is differenced when a higher-priority candidate is at distance 1..k − 1.
    create temporary table bm_sig on commit drop as
      select b.indicator_id, b.year, md5(string_agg(b.org_id::text, ',' order by b.org_id)) as sig
        from public.benchmark_contributions b where b.publication_id = v_pub
       group by b.indicator_id, b.year;
    create temporary table bm_rep on commit drop as
      select distinct on (s.sig) s.sig, s.indicator_id, s.year from pg_temp.bm_sig s order by s.sig, s.indicator_id, s.year;
    create index on pg_temp.bm_cand (indicator_id, year, scope, kind, size);
    create temporary table bm_member on commit drop as
      select r.sig, c.id, b.org_id
        from pg_temp.bm_rep r
        join public.benchmark_contributions b on b.publication_id = v_pub and b.indicator_id = r.indicator_id and b.year = r.year
        cross join unnest(b.scopes) as s (scope)
        cross join lateral (values ('*', '*'), (b.kind, '*'), ('*', b.size), (b.kind, b.size)) as g (kind, size)
        join pg_temp.bm_cand c on c.indicator_id = r.indicator_id and c.year = r.year and c.scope = s.scope
                              and c.kind = g.kind and c.size = g.size;
    create temporary table bm_bad on commit drop as
      select distinct r.sig, c.scope, c.kind, c.size
        from (select a.id as a, b.id as b, count(*)::int as common
                from pg_temp.bm_member a join pg_temp.bm_member b on b.sig = a.sig and b.org_id = a.org_id and b.id <> a.id
               group by a.id, b.id) p
        join pg_temp.bm_cand c on c.id = p.a
        join pg_temp.bm_cand o on o.id = p.b
        join pg_temp.bm_rep r on r.indicator_id = c.indicator_id and r.year = c.year
       where o.prio < c.prio and c.n + o.n - 2 * p.common between 1 and c.k - 1;

    insert into public.benchmark_cells (publication_id, indicator_id, year, scope, kind, size, n, median, p25, p75, p10, p90, mean)
    select v_pub, c.indicator_id, c.year, c.scope, c.kind, c.size, c.n,
           app.benchmark_round(c.q[3]::numeric, d.unit, c.n), app.benchmark_round(c.q[2]::numeric, d.unit, c.n),
           app.benchmark_round(c.q[4]::numeric, d.unit, c.n),
           case when c.n >= 10 then app.benchmark_round(c.q[1]::numeric, d.unit, c.n) end,
           case when c.n >= 10 then app.benchmark_round(c.q[5]::numeric, d.unit, c.n) end,
           app.benchmark_round(c.mean, d.unit, c.n)
      from pg_temp.bm_cand c
      join public.indicator_definitions d on d.id = c.indicator_id
      join pg_temp.bm_sig s on s.indicator_id = c.indicator_id and s.year = c.year
     where not (c.total > 0 and c.biggest > 0.85 * c.total)
       and not exists (select 1 from pg_temp.bm_bad x where x.sig = s.sig and x.scope = c.scope and x.kind = c.kind and x.size = c.size);

    update public.benchmark_publications p
       set contributors = (select count(distinct b.org_id) from public.benchmark_contributions b where b.publication_id = v_pub),
           cells = (select count(*) from public.benchmark_cells x where x.publication_id = v_pub)
     where p.id = v_pub;
    -- Only the latest snapshot is kept: nothing older can be compared with it.
    delete from public.benchmark_cells where publication_id <> v_pub;
    delete from public.benchmark_contributions where publication_id <> v_pub;
    return v_pub;
  end
  $$;
revoke all on function app.benchmark_publish_now(text, uuid) from public;
grant execute on function app.benchmark_publish_now(text, uuid) to service_role;
