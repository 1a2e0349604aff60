-- Benchmark privacy (docs/benchmark-privacy.md): statistics are read from a consolidated publication, never from
-- live values; only validated collectivités count; contributions are rounded to the publication grain before any
-- computation; a member's position is a band against the published (rounded) quartiles; every refusal for
-- statistical secrecy has one reason and no count.
--
--   * A collectivité is VALIDATED when an animator admitted it to a network (approved membership) or a platform
--     admin validated its identity (organisations.validated_at, writable by platform admins only).
--   * app.benchmark_publish_now() (service role: nightly job, demo start-up) and app.benchmark_publish()
--     (animators and platform admins, at most one manual publication per hour) take a consolidated snapshot:
--     benchmark_contributions (each validated collectivité's value, ROUNDED to the grain of app.benchmark_round(_, _, 0),
--     with its type, size class and scopes at that moment) and benchmark_cells (the published statistics of every
--     lattice cell that passes k, dominance and differencing). Older snapshots are deleted.
--   * app.benchmark_stat() reads the latest publication only.

-- ---------------------------------------------------------------------------------------------------------
-- Validation of a collectivité's identity
-- ---------------------------------------------------------------------------------------------------------
alter table public.organisations
  add column validated_at timestamptz,
  add column validated_by uuid references public.users (id) on delete set null;

-- Only a platform admin sets or clears the validation (the collectivité's own admins may update the rest of the row).
create or replace function app.organisations_validation_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user <> 'authenticated' then return new; end if;
    if tg_op = 'INSERT' then
      if (new.validated_at is not null or new.validated_by is not null) and not app.is_platform_admin() then
        raise exception 'validation_reserved' using errcode = '42501';
      end if;
      return new;
    end if;
    if (new.validated_at, new.validated_by) is distinct from (old.validated_at, old.validated_by) then
      if not app.is_platform_admin() then raise exception 'validation_reserved' using errcode = '42501'; end if;
      if new.validated_at is not null then new.validated_by := auth.uid(); else new.validated_by := null; end if;
    end if;
    return new;
  end
  $$;
create trigger organisations_validation_guard before insert or update on public.organisations
  for each row execute function app.organisations_validation_guard();

create or replace function app.audit_organisation_validation() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if new.validated_at is distinct from old.validated_at then
      perform app.audit(case when new.validated_at is null then 'collectivite.validation.retrait' else 'collectivite.validation' end,
                        'organisations', new.id::text, new.id, null, '{}'::jsonb);
    end if;
    return null;
  end
  $$;
create trigger audit_organisation_validation after update on public.organisations
  for each row execute function app.audit_organisation_validation();

-- Validated: admitted to a network by its animator, or validated by a platform admin; never archived.
create or replace function app.is_validated_org(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (
      select 1 from public.organisations o
       where o.id = p_org and o.archived_at is null
         and (o.validated_at is not null
              or exists (select 1 from public.network_memberships nm where nm.org_id = o.id and nm.status = 'approved'))) $$;
revoke all on function app.is_validated_org(uuid) from public;
grant execute on function app.is_validated_org(uuid) to authenticated, service_role;

-- A region's statistics are for the members of VALIDATED collectivités of that region (and platform admins);
-- a network's for the members of its approved collectivités, its animators and platform admins.
create or replace function app.benchmark_may_query(p_scope text) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select case
      when p_scope ~ '^n:[0-9a-f-]{36}$' then app.is_network_member(substr(p_scope, 3)::uuid)
                                            or app.is_network_animator(substr(p_scope, 3)::uuid) or app.is_platform_admin()
      when p_scope ~ '^r:[0-9]{2}$' then app.is_platform_admin() or exists (
        select 1 from public.organisation_members m join public.organisations o on o.id = m.org_id
         where m.user_id = auth.uid() and o.region_code = substr(p_scope, 3) and app.is_validated_org(o.id))
      else false end $$;

-- ---------------------------------------------------------------------------------------------------------
-- Publications
-- ---------------------------------------------------------------------------------------------------------
create table public.benchmark_publications (
  id uuid primary key default gen_random_uuid(),
  published_at timestamptz not null default now(),
  trigger text not null check (trigger in ('nightly', 'manual', 'demo')),
  published_by uuid references public.users (id) on delete set null,
  contributors integer not null default 0,
  cells integer not null default 0
);
create index benchmark_publications_at_idx on public.benchmark_publications (published_at desc);
alter table public.benchmark_publications enable row level security;

-- Each validated collectivité's value as counted in a publication: rounded to the publication grain, with its
-- type, size class and scopes at that moment. Read only by app.benchmark_stat (a member's own row).
create table public.benchmark_contributions (
  publication_id uuid not null references public.benchmark_publications (id) on delete cascade,
  indicator_id uuid not null references public.indicator_definitions (id) on delete cascade,
  year integer not null,
  org_id uuid not null references public.organisations (id) on delete cascade,
  value numeric not null,
  kind text not null,
  size text not null,
  scopes text[] not null,
  primary key (publication_id, indicator_id, year, org_id)
);
create index benchmark_contributions_org_idx on public.benchmark_contributions (org_id);
alter table public.benchmark_contributions enable row level security;

-- The published statistics (rounded) of every lattice cell that passed the secrecy rules; a cell absent from a
-- publication is refused (« pas assez de collectivités comparables »).
create table public.benchmark_cells (
  publication_id uuid not null references public.benchmark_publications (id) on delete cascade,
  indicator_id uuid not null references public.indicator_definitions (id) on delete cascade,
  year integer not null,
  scope text not null,
  kind text not null,
  size text not null,
  n integer not null,
  median numeric, p25 numeric, p75 numeric, p10 numeric, p90 numeric, mean numeric,
  primary key (publication_id, indicator_id, year, scope, kind, size)
);
alter table public.benchmark_cells enable row level security;

revoke all on public.benchmark_publications, public.benchmark_contributions, public.benchmark_cells from anon, authenticated;
grant all on public.benchmark_publications, public.benchmark_contributions, public.benchmark_cells to service_role;
-- When the statistics were consolidated is public to every signed-in person; what they contain is not.
grant select (id, published_at, trigger) on public.benchmark_publications to authenticated;
create policy benchmark_publications_select on public.benchmark_publications for select to authenticated using (true);

-- The scopes of every VALIDATED collectivité: the networks it is an approved member of, and its region.
create or replace function app.benchmark_scopes() returns table (org_id uuid, scope text)
  language sql stable security definer set search_path = ''
  as $$
    select nm.org_id, 'n:' || nm.network_id::text from public.network_memberships nm where nm.status = 'approved'
    union all
    select o.id, 'r:' || o.region_code from public.organisations o
     where o.region_code is not null and o.archived_at is null and app.is_validated_org(o.id)
  $$;

-- Takes a consolidated snapshot of every canonical indicator and year, and publishes the statistics of every
-- lattice cell (scope × type or '*' × size class or '*') that has at least k contributors, no contributor above
-- 85 % of the sum, and no other candidate cell of higher priority whose contributor set differs from its own by
-- 1 to k − 1 collectivités (priority: fewer filters first, networks before regions, larger groups first), so that
-- no two published cells can be differenced. Service role only; returns the publication id.
create or replace function app.benchmark_publish_now(p_trigger text, p_by uuid default null) returns uuid
  language plpgsql volatile security definer set search_path = ''
  as $$
  declare
    v_pub uuid;
  begin
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

-- « Publier » for an animator (of any network) or a platform admin: at most one manual publication per hour.
create or replace function app.benchmark_publish() returns uuid
  language plpgsql volatile security definer set search_path = ''
  as $$
  declare
    v_pub uuid;
  begin
    if auth.uid() is null or not (app.is_platform_admin()
        or exists (select 1 from public.network_animators a where a.user_id = auth.uid())) then
      raise exception 'not_allowed' using errcode = '42501';
    end if;
    perform pg_advisory_xact_lock(727002);
    if exists (select 1 from public.benchmark_publications p where p.trigger = 'manual' and p.published_at > now() - interval '1 hour') then
      raise exception 'too_soon' using errcode = 'P0001';
    end if;
    v_pub := app.benchmark_publish_now('manual', auth.uid());
    perform app.audit('indicateur.publication', 'benchmark_publications', v_pub::text, null, null, '{}'::jsonb);
    return v_pub;
  end
  $$;
revoke all on function app.benchmark_publish() from public;
grant execute on function app.benchmark_publish() to authenticated;

-- The only door to statistics over other collectivités, now read from the latest publication. Returns
--   {"status": "ok", "published_at": …, "n": …, "k": …, "median": …, "p25": …, "p75": …, "p10": …, "p90": …, "mean": …,
--    "my_value": <my value as counted, rounded>, "my_band": "q1" | "q2" | "q3" | "q4" | null}
-- or {"status": "refused", "reason": "not_allowed" | "custom_indicator" | "not_published" | "too_few", "k": …}
-- ("too_few" for every secrecy rule — k, dominance, differencing —, never with a count).
-- The band compares the caller's own counted value with the PUBLISHED (rounded) quartiles: it tells nothing
-- that the published figures and one's own value do not already tell.
drop function app.benchmark_stat(uuid, integer, text, text, text, uuid);
create or replace function app.benchmark_stat(p_indicator uuid, p_year integer, p_scope text, p_kind text default '*',
                                              p_size text default '*', p_org uuid default null) returns jsonb
  language plpgsql stable security definer set search_path = ''
  as $$
  declare
    v_def record;
    v_k integer;
    v_pub record;
    v_cell record;
    v_my numeric;
    v_band text;
  begin
    if auth.uid() is null then raise exception 'not_allowed' using errcode = '42501'; end if;
    p_kind := coalesce(nullif(p_kind, ''), '*');
    p_size := coalesce(nullif(p_size, ''), '*');
    if not app.benchmark_may_query(p_scope) then
      return jsonb_build_object('status', 'refused', 'reason', 'not_allowed');
    end if;
    if p_kind <> '*' and p_kind not in ('commune', 'communaute_communes', 'communaute_agglomeration', 'communaute_urbaine',
        'metropole', 'departement', 'region', 'etablissement_public', 'centre_hospitalier', 'autre') then
      return jsonb_build_object('status', 'refused', 'reason', 'not_allowed');
    end if;
    if p_size not in ('*', 'xs', 's', 'm', 'l', 'xl', 'nc') then
      return jsonb_build_object('status', 'refused', 'reason', 'not_allowed');
    end if;
    select d.id, d.org_id into v_def from public.indicator_definitions d where d.id = p_indicator;
    if v_def.id is null then return jsonb_build_object('status', 'refused', 'reason', 'not_allowed'); end if;
    if v_def.org_id is not null then return jsonb_build_object('status', 'refused', 'reason', 'custom_indicator'); end if;
    v_k := app.benchmark_k(p_scope);
    select p.id, p.published_at into v_pub from public.benchmark_publications p order by p.published_at desc, p.id limit 1;
    if v_pub.id is null then return jsonb_build_object('status', 'refused', 'reason', 'not_published', 'k', v_k); end if;
    select * into v_cell from public.benchmark_cells c
     where c.publication_id = v_pub.id and c.indicator_id = p_indicator and c.year = p_year
       and c.scope = p_scope and c.kind = p_kind and c.size = p_size;
    if v_cell.n is null then
      return jsonb_build_object('status', 'refused', 'reason', 'too_few', 'k', v_k, 'published_at', v_pub.published_at);
    end if;
    if p_org is not null and app.is_org_member(p_org) then
      select b.value into v_my from public.benchmark_contributions b
       where b.publication_id = v_pub.id and b.indicator_id = p_indicator and b.year = p_year and b.org_id = p_org
         and p_scope = any (b.scopes) and (p_kind = '*' or b.kind = p_kind) and (p_size = '*' or b.size = p_size);
      if v_my is not null then
        v_band := case when v_my < v_cell.p25 then 'q1' when v_my < v_cell.median then 'q2'
                       when v_my <= v_cell.p75 then 'q3' else 'q4' end;
      end if;
    end if;
    return jsonb_build_object(
      'status', 'ok', 'published_at', v_pub.published_at, 'n', v_cell.n, 'k', v_k,
      'median', v_cell.median, 'p25', v_cell.p25, 'p75', v_cell.p75, 'p10', v_cell.p10, 'p90', v_cell.p90, 'mean', v_cell.mean,
      'my_value', v_my, 'my_band', v_band);
  end
  $$;
revoke all on function app.benchmark_stat(uuid, integer, text, text, text, uuid) from public;
grant execute on function app.benchmark_stat(uuid, integer, text, text, text, uuid) to authenticated, service_role;
