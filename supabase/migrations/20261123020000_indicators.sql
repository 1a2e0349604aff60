-- Indicators: a versioned catalogue (canonical indicators with national reference lines; custom indicators of a
-- collectivité, never benchmarked), yearly values per collectivité, DECP contract imports, and anonymised
-- benchmarks.
--
-- Privacy model (enforced here, not in the application):
--   * Raw values (indicator_values), imported contracts and import runs are readable ONLY by the members of
--     their collectivité. Nobody else reads them: not other collectivités, not the network's animators (they see
--     the same anonymised statistics as members), not platform admins through the API roles.
--   * app.benchmark_stat() (security definer) is the only way to read anything computed over other
--     collectivités. It publishes a statistic only for a cell of a fixed lattice of peer groups
--     (network or region) × (collectivité type or all) × (size class or all), only when at least k distinct
--     collectivités contribute (k per network, default 5, never below 3; 5 for regions), when no contributor
--     holds more than 85 % of the sum of values, and when the cell's contributor set differs from the contributor
--     set of EVERY other cell of the lattice (all networks and regions, whoever asks) either not at all or by at
--     least k collectivités (no differencing by toggling a filter or switching scope); cells below their own k are
--     never published, so they do not count. Figures are rounded;
--     P10/P90 are published only from 10 contributors.

-- ---------------------------------------------------------------------------------------------------------
-- Catalogue
-- ---------------------------------------------------------------------------------------------------------
create table public.indicator_definitions (
  id uuid primary key default gen_random_uuid(),
  -- null: canonical (platform catalogue); otherwise a custom indicator of that collectivité.
  org_id uuid references public.organisations (id) on delete cascade,
  code text not null check (code ~ '^[A-Z0-9][A-Z0-9-]{1,39}$'),
  version integer not null default 1 check (version >= 1),
  is_current boolean not null default true,
  label text not null check (length(btrim(label)) between 3 and 300),
  domain text not null check (domain in ('social', 'environnement', 'alimentation', 'economie', 'gouvernance', 'autre')),
  unit text not null check (unit in ('count', 'percent', 'eur', 'hours', 'days', 'ratio', 'milestone')),
  numerator text not null default '' check (length(numerator) <= 1000),
  denominator text not null default '' check (length(denominator) <= 1000),
  -- {"threshold_eur_ht": 40000, "threshold_op": ">=", "procedures": [...], "categories": [...], "scope": "..."}
  perimeter jsonb not null default '{}' check (jsonb_typeof(perimeter) = 'object'),
  counting_unit text not null default 'marche' check (counting_unit in ('marche', 'lot', 'consultation', 'contrat', 'procedure', 'aucune')),
  basis text not null default 'count' check (basis in ('count', 'value', 'quantity', 'milestone')),
  period text not null default 'civile' check (period in ('civile', 'scolaire')),
  direction text not null default 'higher' check (direction in ('higher', 'lower', 'none')),
  definition text not null default '' check (length(definition) <= 4000),
  decp_computable boolean not null default false,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create unique index indicator_definitions_canonical_key on public.indicator_definitions (code, version) where org_id is null;
create unique index indicator_definitions_custom_key on public.indicator_definitions (org_id, code, version) where org_id is not null;
create unique index indicator_definitions_current_key on public.indicator_definitions (coalesce(org_id, '00000000-0000-0000-0000-000000000000'::uuid), code) where is_current;
alter table public.indicator_definitions enable row level security;

-- National reference lines (targets or observed national figures), with their source and year.
create table public.indicator_reference_lines (
  id uuid primary key default gen_random_uuid(),
  indicator_code text not null,
  year integer not null check (year between 2000 and 2100),
  value numeric not null,
  kind text not null check (kind in ('cible', 'constat')),
  label text not null check (length(label) between 2 and 300),
  source text not null check (length(source) between 2 and 500),
  source_year integer not null check (source_year between 2000 and 2100),
  unique (indicator_code, year, kind, label)
);
alter table public.indicator_reference_lines enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Values
-- ---------------------------------------------------------------------------------------------------------
create table public.indicator_values (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  indicator_id uuid not null references public.indicator_definitions (id) on delete restrict,
  year integer not null check (year between 2000 and 2100),
  value numeric not null check (value > -1e15 and value < 1e15),
  numerator numeric,
  denominator numeric check (denominator is null or denominator >= 0),
  perimeter text not null default '' check (length(perimeter) <= 1000),
  source text not null default 'saisie' check (source in ('saisie', 'import_csv', 'import_xlsx', 'decp', 'api')),
  comment text not null default '' check (length(comment) <= 2000),
  updated_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (org_id, indicator_id, year)
);
create index indicator_values_stat_idx on public.indicator_values (indicator_id, year) include (org_id, value);
create trigger indicator_values_touch before update on public.indicator_values for each row execute function app.touch_updated_at();
alter table public.indicator_values enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- DECP imports
-- ---------------------------------------------------------------------------------------------------------
create table public.decp_import_runs (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  file_name text not null check (length(file_name) <= 300),
  format text not null check (format in ('json_2024', 'json_2019', 'xml_2024')),
  sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  total integer not null default 0,
  accepted integer not null default 0,
  inserted integer not null default 0,
  unchanged integer not null default 0,
  rejected integer not null default 0,
  flagged integer not null default 0,
  -- [{ "index": 3, "id": "2024-12", "reason": "…" }] (at most 1000 kept)
  rejections jsonb not null default '[]',
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index decp_import_runs_org_idx on public.decp_import_runs (org_id, created_at desc);
alter table public.decp_import_runs enable row level security;

-- One row per contract and modification (0 = the initial notification). DECP data are never edited, only
-- appended, so a re-import of the same (buyer, id, modification) changes nothing.
create table public.decp_contracts (
  org_id uuid not null references public.organisations (id) on delete cascade,
  buyer_siret text not null check (buyer_siret ~ '^[0-9]{14}$'),
  contract_id text not null check (length(contract_id) between 1 and 64),
  modification_id integer not null default 0 check (modification_id >= 0),
  -- deferred: the run is recorded with its final counts after its contracts, in the same transaction
  import_run_id uuid references public.decp_import_runs (id) on delete set null deferrable initially deferred,
  format text not null check (format in ('json_2024', 'json_2019', 'xml_2024')),
  object text not null default '',
  nature text not null default '',
  procedure text not null default '',
  cpv text not null default '',
  notified_on date not null,
  year integer not null,
  amount numeric,
  amount_flagged boolean not null default false,
  duration_months integer,
  offers integer,
  innovative boolean,
  social text[],
  environmental text[],
  -- 'PME' / 'ETI' / 'GE' when the flow gives the holder's category, null when unknown.
  holder_category text,
  holders jsonb not null default '[]',
  created_at timestamptz not null default now(),
  primary key (org_id, buyer_siret, contract_id, modification_id)
);
create index decp_contracts_year_idx on public.decp_contracts (org_id, year);
alter table public.decp_contracts enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Benchmark settings per network and bilans
-- ---------------------------------------------------------------------------------------------------------
create table public.benchmark_settings (
  network_id uuid primary key references public.networks (id) on delete cascade,
  k integer not null default 5 check (k between 3 and 50),
  updated_at timestamptz not null default now()
);
create trigger benchmark_settings_touch before update on public.benchmark_settings for each row execute function app.touch_updated_at();
alter table public.benchmark_settings enable row level security;

-- A generated bilan: its period, the narrative per axis and the figures as computed, tied to the SPASER version
-- (kind 'bilan') saved with it.
create table public.indicator_bilans (
  id uuid primary key default gen_random_uuid(),
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  version_id uuid references public.spaser_versions (id) on delete set null,
  org_id uuid not null references public.organisations (id) on delete cascade,
  year_from integer not null check (year_from between 2000 and 2100),
  year_to integer not null check (year_to between 2000 and 2100),
  narratives jsonb not null default '{}' check (jsonb_typeof(narratives) = 'object'),
  data jsonb not null,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  check (year_to >= year_from)
);
create index indicator_bilans_doc_idx on public.indicator_bilans (document_id, created_at desc);
alter table public.indicator_bilans enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Grants and policies
-- ---------------------------------------------------------------------------------------------------------
revoke all on public.indicator_definitions, public.indicator_reference_lines, public.indicator_values,
  public.decp_import_runs, public.decp_contracts, public.benchmark_settings, public.indicator_bilans from anon, authenticated;
grant all on public.indicator_definitions, public.indicator_reference_lines, public.indicator_values,
  public.decp_import_runs, public.decp_contracts, public.benchmark_settings, public.indicator_bilans to service_role;
grant select, insert, update, delete on public.indicator_definitions to authenticated;
grant select on public.indicator_reference_lines to authenticated;
grant select, insert, update, delete on public.indicator_values to authenticated;
grant select, insert on public.decp_import_runs to authenticated;
grant select, insert on public.decp_contracts to authenticated;
grant select, insert, update on public.benchmark_settings to authenticated;
grant select, insert on public.indicator_bilans to authenticated;

-- Canonical rows: everyone signed in reads them; only the platform (service role) writes them. Custom rows:
-- the collectivité's members read, its admins and editors write.
create policy indicator_definitions_select on public.indicator_definitions for select to authenticated
  using (org_id is null or app.is_org_member(org_id));
create policy indicator_definitions_insert on public.indicator_definitions for insert to authenticated
  with check (org_id is not null and app.has_org_role(org_id, array['admin', 'editor']));
create policy indicator_definitions_update on public.indicator_definitions for update to authenticated
  using (org_id is not null and app.has_org_role(org_id, array['admin', 'editor']))
  with check (org_id is not null and app.has_org_role(org_id, array['admin', 'editor']));
create policy indicator_definitions_delete on public.indicator_definitions for delete to authenticated
  using (org_id is not null and app.has_org_role(org_id, array['admin', 'editor']));

create policy indicator_reference_lines_select on public.indicator_reference_lines for select to authenticated using (true);

-- A value belongs to its collectivité, and only to it. The indicator must be canonical or one of its own.
create policy indicator_values_select on public.indicator_values for select to authenticated
  using (app.is_org_member(org_id));
create policy indicator_values_insert on public.indicator_values for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor'])
              and exists (select 1 from public.indicator_definitions d where d.id = indicator_id
                          and (d.org_id is null or d.org_id = indicator_values.org_id)));
create policy indicator_values_update on public.indicator_values for update to authenticated
  using (app.has_org_role(org_id, array['admin', 'editor']))
  with check (app.has_org_role(org_id, array['admin', 'editor'])
              and exists (select 1 from public.indicator_definitions d where d.id = indicator_id
                          and (d.org_id is null or d.org_id = indicator_values.org_id)));
create policy indicator_values_delete on public.indicator_values for delete to authenticated
  using (app.has_org_role(org_id, array['admin', 'editor']));

create policy decp_import_runs_select on public.decp_import_runs for select to authenticated using (app.is_org_member(org_id));
create policy decp_import_runs_insert on public.decp_import_runs for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor']) and created_by = auth.uid());
create policy decp_contracts_select on public.decp_contracts for select to authenticated using (app.is_org_member(org_id));
create policy decp_contracts_insert on public.decp_contracts for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor']));

-- k is not a secret; the network's animators (and platform admins) set it.
create policy benchmark_settings_select on public.benchmark_settings for select to authenticated using (true);
create policy benchmark_settings_insert on public.benchmark_settings for insert to authenticated
  with check (app.is_network_animator(network_id) or app.is_platform_admin());
create policy benchmark_settings_update on public.benchmark_settings for update to authenticated
  using (app.is_network_animator(network_id) or app.is_platform_admin())
  with check (app.is_network_animator(network_id) or app.is_platform_admin());

create policy indicator_bilans_select on public.indicator_bilans for select to authenticated
  using (app.is_org_member(org_id) and app.spaser_access(document_id) is not null);
create policy indicator_bilans_insert on public.indicator_bilans for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor']) and app.spaser_access(document_id) = 'write'
              and created_by = auth.uid()
              and exists (select 1 from public.spaser_document_orgs d where d.document_id = indicator_bilans.document_id
                          and d.org_id = indicator_bilans.org_id));

-- ---------------------------------------------------------------------------------------------------------
-- Anonymised statistics
-- ---------------------------------------------------------------------------------------------------------

-- Size classes by population (null population: 'nc', not communicated).
create or replace function app.size_class(p_population integer) returns text
  language sql immutable
  as $$ select case
      when p_population is null then 'nc'
      when p_population < 5000 then 'xs'
      when p_population < 20000 then 's'
      when p_population < 100000 then 'm'
      when p_population < 300000 then 'l'
      else 'xl' end $$;

-- Rounding of published figures: shares to the unit (the half unit from 10 contributors), amounts and hours to
-- two significant digits, days to the unit, counts and ratios to two significant digits.
create or replace function app.benchmark_round(p_value numeric, p_unit text, p_n integer) returns numeric
  language sql immutable
  as $$ select case
      when p_value is null then null
      when p_unit = 'percent' then case when p_n >= 10 then round(p_value * 2) / 2 else round(p_value) end
      when p_unit = 'days' then round(p_value)
      when p_unit = 'milestone' then round(p_value, 2)
      when p_value = 0 then 0
      else round(p_value, (1 - floor(log(abs(p_value))))::integer) end $$;

-- The scopes of the lattice each collectivité belongs to: the networks it is an approved member of ('n:<uuid>')
-- and its region ('r:<code>'). A lattice cell is a scope × (type or '*') × (size class or '*').
create or replace function app.benchmark_scopes() returns table (org_id uuid, scope text)
  language sql stable security definer set search_path = ''
  as $$
    select nm.org_id, 'n:' || nm.network_id::text from public.network_memberships nm where nm.status = 'approved'
    union all
    select o.id, 'r:' || o.region_code from public.organisations o where o.region_code is not null
  $$;
revoke all on function app.benchmark_scopes() from public;

-- The k of a scope: the network's setting (default 5, never below 3), 5 for a region.
create or replace function app.benchmark_k(p_scope text) returns integer
  language sql stable security definer set search_path = ''
  as $$ select greatest(3, coalesce(
      (select s.k from public.benchmark_settings s
        where p_scope like 'n:%' and s.network_id::text = substr(p_scope, 3)), 5)) $$;
revoke all on function app.benchmark_k(text) from public;
grant execute on function app.benchmark_k(text) to authenticated, service_role;

-- The caller may query a scope: member of a collectivité approved in the network, or its animator; for a region,
-- member of a collectivité of that region. Platform admins may query any scope.
create or replace function app.benchmark_may_query(p_scope text) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select case
      when p_scope ~ '^n:[0-9a-f-]{36}$' then app.is_network_member(substr(p_scope, 3)::uuid)
                                            or app.is_network_animator(substr(p_scope, 3)::uuid) or app.is_platform_admin()
      when p_scope ~ '^r:[0-9]{2}$' then app.is_platform_admin() or exists (
        select 1 from public.organisation_members m join public.organisations o on o.id = m.org_id
         where m.user_id = auth.uid() and o.region_code = substr(p_scope, 3))
      else false end $$;
revoke all on function app.benchmark_may_query(text) from public;

-- The only door to statistics over other collectivités. Returns one JSON object:
--   {"status": "ok", "n": …, "median": …, "p25": …, "p75": …, "p10": …, "p90": …, "mean": …, "k": …,
--    "my_value": …, "my_rank": …}
-- or {"status": "refused", "reason": "not_allowed" | "custom_indicator" | "too_few" | "dominance" | "differencing",
--     "n": <count, only with too_few>, "k": …}.
-- p_org (optional) is the caller's collectivité, for its own value and percentile rank (rounded to 5 points).
create or replace function app.benchmark_stat(p_indicator uuid, p_year integer, p_scope text, p_kind text default '*',
                                              p_size text default '*', p_org uuid default null) returns jsonb
  language plpgsql stable security definer set search_path = ''
  as $$
  declare
    v_def record;
    v_k integer;
    v_n integer;
    v_sum numeric;
    v_max numeric;
    v_diff boolean;
    v_orgs uuid[];
    v_vals numeric[];
    v_stats record;
    v_my numeric;
    v_rank numeric;
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
    select d.id, d.org_id, d.unit into v_def from public.indicator_definitions d where d.id = p_indicator;
    if v_def.id is null then return jsonb_build_object('status', 'refused', 'reason', 'not_allowed'); end if;
    if v_def.org_id is not null then return jsonb_build_object('status', 'refused', 'reason', 'custom_indicator'); end if;
    v_k := app.benchmark_k(p_scope);

    -- One statement: every contributor of this indicator and year with its type, size class and lattice scopes;
    -- the requested cell's contributors; and whether another lattice cell that could itself be published (at least
    -- its own k contributors) has a contributor set differing from this one by 1..k-1 collectivités
    -- (|A Δ B| = |A| + |B| − 2|A ∩ B|, grouping sets over scope × type × size), whoever may query it.
    with contrib as materialized (
      select v.org_id, v.value, o.kind, app.size_class(o.population) as size, sc.scope
        from public.indicator_values v
        join public.organisations o on o.id = v.org_id and o.archived_at is null
        join app.benchmark_scopes() sc on sc.org_id = v.org_id
       where v.indicator_id = p_indicator and v.year = p_year
    ), cell as (
      select coalesce(array_agg(c.org_id), '{}') as orgs, coalesce(array_agg(c.value), '{}') as vals, count(*)::int as n,
             sum(abs(c.value)) as total, max(abs(c.value)) as biggest
        from contrib c
       where c.scope = p_scope and (p_kind = '*' or c.kind = p_kind) and (p_size = '*' or c.size = p_size)
    ), groups as (
      select x.scope, coalesce(x.kind, '*') as kind, coalesce(x.size, '*') as size, count(*)::int as n,
             count(*) filter (where x.inside)::int as common
        from (select c.scope, c.kind, c.size, c.org_id = any (cell.orgs) as inside from contrib c cross join cell) x
       group by grouping sets ((x.scope), (x.scope, x.kind), (x.scope, x.size), (x.scope, x.kind, x.size))
    )
    select cell.orgs, cell.vals, cell.n, cell.total, cell.biggest,
           exists (select 1 from groups g
                    left join public.benchmark_settings bs on g.scope = 'n:' || bs.network_id::text
                   where not (g.scope = p_scope and g.kind = p_kind and g.size = p_size)
                     and g.n >= greatest(3, coalesce(bs.k, 5))
                     and cell.n + g.n - 2 * g.common between 1 and v_k - 1)
      into v_orgs, v_vals, v_n, v_sum, v_max, v_diff
      from cell;
    if v_n < v_k then
      return jsonb_build_object('status', 'refused', 'reason', 'too_few', 'n', v_n, 'k', v_k);
    end if;
    if v_sum > 0 and v_max > 0.85 * v_sum then
      return jsonb_build_object('status', 'refused', 'reason', 'dominance', 'k', v_k);
    end if;
    if v_diff then
      return jsonb_build_object('status', 'refused', 'reason', 'differencing', 'k', v_k);
    end if;

    select percentile_cont(0.5) within group (order by t.x)::numeric as median,
           percentile_cont(0.25) within group (order by t.x)::numeric as p25,
           percentile_cont(0.75) within group (order by t.x)::numeric as p75,
           percentile_cont(0.1) within group (order by t.x)::numeric as p10,
           percentile_cont(0.9) within group (order by t.x)::numeric as p90,
           avg(t.x) as mean
      into v_stats from unnest(v_vals) as t (x);

    if p_org is not null and app.is_org_member(p_org) then
      select t.x into v_my from unnest(v_orgs, v_vals) as t (o, x) where t.o = p_org;
      if v_my is not null then
        -- share of contributors strictly below, plus half of the ties (mid-rank), in 5-point steps
        select round(100.0 * (count(*) filter (where t.x < v_my) + 0.5 * (count(*) filter (where t.x = v_my))) / v_n / 5) * 5
          into v_rank from unnest(v_vals) as t (x);
      end if;
    end if;

    return jsonb_build_object(
      'status', 'ok', 'n', v_n, 'k', v_k,
      'median', app.benchmark_round(v_stats.median, v_def.unit, v_n),
      'p25', app.benchmark_round(v_stats.p25, v_def.unit, v_n),
      'p75', app.benchmark_round(v_stats.p75, v_def.unit, v_n),
      'p10', case when v_n >= 10 then app.benchmark_round(v_stats.p10, v_def.unit, v_n) end,
      'p90', case when v_n >= 10 then app.benchmark_round(v_stats.p90, v_def.unit, v_n) end,
      'mean', app.benchmark_round(v_stats.mean, v_def.unit, v_n),
      'my_value', v_my,
      'my_rank', v_rank);
  end
  $$;
revoke all on function app.benchmark_stat(uuid, integer, text, text, text, uuid) from public;
grant execute on function app.benchmark_stat(uuid, integer, text, text, text, uuid) to authenticated, service_role;
grant execute on function app.size_class(integer), app.benchmark_round(numeric, text, integer) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Catalogue data, version 1 (codes shared with src/lib/spaser/indicators.ts)
-- ---------------------------------------------------------------------------------------------------------
insert into public.indicator_definitions (code, label, domain, unit, numerator, denominator, perimeter, counting_unit, basis,
                                          period, direction, definition, decp_computable)
values
  ('CAN-ENV-01', 'Part des marchés notifiés comportant au moins une considération environnementale', 'environnement', 'percent',
   'Marchés notifiés dans l''année avec au moins une considération environnementale (clause ou critère)', 'Marchés notifiés dans l''année',
   '{"threshold_eur_ht": 40000, "threshold_op": ">="}', 'marche', 'count', 'civile', 'higher',
   'Nombre de marchés notifiés dans l''année avec au moins une considération environnementale (spécification, critère ou condition d''exécution), rapporté au nombre total de marchés notifiés dans le périmètre.', true),
  ('CAN-ENV-02', 'Part des marchés notifiés comportant un critère d''attribution environnemental', 'environnement', 'percent',
   'Marchés notifiés avec un critère environnemental', 'Marchés notifiés dans l''année', '{"threshold_eur_ht": 40000, "threshold_op": ">="}',
   'marche', 'count', 'civile', 'higher',
   'Marchés notifiés dont l''analyse des offres comprend un critère ou sous-critère environnemental, rapportés au total des marchés notifiés.', true),
  ('CAN-ENV-03', 'Montant des achats de biens issus du réemploi, de la réutilisation ou intégrant des matières recyclées', 'environnement', 'eur',
   'Montant HT des achats concernés', '', '{"categories": ["17 familles AGEC"]}', 'contrat', 'value', 'civile', 'higher',
   'Montant HT des achats de biens des familles concernées par la loi AGEC qui sont issus du réemploi ou de la réutilisation, ou qui intègrent des matières recyclées.', false),
  ('CAN-ENV-04', 'Part des marchés de travaux intégrant des matériaux biosourcés ou bas carbone', 'environnement', 'percent',
   'Marchés de travaux avec matériaux biosourcés ou bas carbone', 'Marchés de travaux notifiés', '{"categories": ["travaux"]}', 'marche', 'count', 'civile', 'higher',
   'Marchés de travaux notifiés exigeant ou valorisant des matériaux biosourcés ou bas carbone, rapportés aux marchés de travaux notifiés.', false),
  ('CAN-ENV-05', 'Consultations intégrant une analyse du cycle de vie ou un coût global', 'environnement', 'count',
   'Consultations avec ACV, coût global ou coût carbone', '', '{"scope": "hors marchés sans formalités"}', 'consultation', 'count', 'civile', 'higher',
   'Nombre de consultations lancées dans l''année dont l''analyse repose sur une analyse du cycle de vie, un coût global ou un coût carbone.', false),
  ('CAN-ENV-06', 'Part de véhicules à faibles émissions dans les renouvellements du parc', 'environnement', 'percent',
   'Véhicules à faibles émissions acquis ou loués', 'Véhicules renouvelés dans l''année', '{}', 'aucune', 'quantity', 'civile', 'higher',
   'Véhicules à faibles émissions acquis ou loués dans l''année rapportés au nombre total de véhicules renouvelés.', false),
  ('CAN-ENV-07', 'Part des marchés numériques comportant des exigences de sobriété ou de reconditionnement', 'environnement', 'percent',
   'Marchés numériques avec exigences de sobriété', 'Marchés numériques notifiés', '{"categories": ["numérique"]}', 'marche', 'count', 'civile', 'higher',
   'Marchés de matériels et services numériques notifiés avec des exigences de durabilité, de réparabilité, de reconditionnement ou de sobriété, rapportés aux marchés numériques notifiés.', false),
  ('CAN-ALIM-01', 'Part des produits durables et de qualité dans les achats de restauration collective (EGalim)', 'alimentation', 'percent',
   'Valeur HT des denrées durables et de qualité', 'Valeur HT totale des denrées', '{"scope": "restauration collective"}', 'aucune', 'value', 'civile', 'higher',
   'Valeur HT des achats de denrées durables et de qualité (dont SIQO) rapportée à la valeur HT totale des achats de denrées.', false),
  ('CAN-ALIM-02', 'Part des produits issus de l''agriculture biologique dans les achats de restauration collective', 'alimentation', 'percent',
   'Valeur HT des denrées biologiques', 'Valeur HT totale des denrées', '{"scope": "restauration collective"}', 'aucune', 'value', 'civile', 'higher',
   'Valeur HT des denrées biologiques ou en conversion rapportée à la valeur HT totale des achats de denrées.', false),
  ('CAN-SOC-01', 'Part des marchés notifiés comportant au moins une considération sociale', 'social', 'percent',
   'Marchés notifiés avec au moins une considération sociale (clause, critère, marché réservé)', 'Marchés notifiés dans l''année',
   '{"threshold_eur_ht": 40000, "threshold_op": ">="}', 'marche', 'count', 'civile', 'higher',
   'Nombre de marchés notifiés dans l''année avec au moins une considération sociale (clause d''insertion, critère social, marché réservé…), rapporté au nombre total de marchés notifiés dans le périmètre.', true),
  ('CAN-SOC-02', 'Heures d''insertion réalisées dans les marchés', 'social', 'hours',
   'Heures d''insertion réalisées', '', '{}', 'aucune', 'quantity', 'civile', 'higher',
   'Heures de travail réalisées par des personnes éloignées de l''emploi au titre des clauses d''insertion, sur l''année civile.', false),
  ('CAN-SOC-07', 'Part des marchés réservés (SIAE, EA/ESAT, ESS)', 'social', 'percent',
   'Marchés réservés notifiés', 'Marchés notifiés dans l''année', '{"threshold_eur_ht": 40000, "threshold_op": ">="}', 'marche', 'count', 'civile', 'higher',
   'Marchés ou lots réservés aux structures d''insertion, aux entreprises adaptées et ESAT, ou aux entreprises de l''ESS, rapportés aux marchés notifiés.', true),
  ('CAN-SOC-08', 'Achats auprès des structures de l''économie sociale et solidaire', 'social', 'eur',
   'Montant HT payé à des entreprises de l''ESS', '', '{}', 'aucune', 'value', 'civile', 'higher',
   'Montant HT payé dans l''année à des entreprises de l''ESS (titulaires ou sous-traitants déclarés).', false),
  ('CAN-SOC-10', 'Part des marchés comportant une clause en faveur de l''égalité femmes-hommes', 'social', 'percent',
   'Marchés avec clause ou critère égalité', 'Marchés notifiés', '{}', 'marche', 'count', 'civile', 'higher',
   'Marchés notifiés avec une clause ou un critère relatif à l''égalité professionnelle, rapportés au total des marchés notifiés.', false),
  ('CAN-ECO-01', 'Part des marchés attribués à des TPE/PME', 'economie', 'percent',
   'Marchés notifiés à des TPE/PME', 'Marchés notifiés dont la catégorie du titulaire est connue', '{}', 'marche', 'count', 'civile', 'higher',
   'Marchés (ou lots) notifiés à des TPE/PME rapportés au nombre total de marchés notifiés.', true),
  ('CAN-ECO-02', 'Part des achats réalisés auprès d’entreprises du territoire', 'economie', 'percent',
   'Montant HT notifié à des titulaires du territoire', 'Montant HT total notifié', '{}', 'marche', 'value', 'civile', 'higher',
   'Montant HT notifié à des titulaires établis sur le territoire défini par la collectivité, rapporté au montant total notifié.', false),
  ('CAN-ECO-04', 'Nombre moyen d''offres reçues par marché', 'economie', 'ratio',
   'Offres reçues', 'Marchés notifiés', '{}', 'marche', 'count', 'civile', 'higher',
   'Nombre moyen d''offres reçues par marché notifié dans l''année (offres irrégulières ou inacceptables comprises).', true),
  ('CAN-ECO-06', 'Part des marchés innovants', 'economie', 'percent',
   'Marchés déclarés innovants', 'Marchés notifiés', '{}', 'marche', 'count', 'civile', 'higher',
   'Marchés notifiés déclarés innovants (article R. 2172-3 du code de la commande publique), rapportés aux marchés notifiés.', true),
  ('CAN-ECO-07', 'Délai global de paiement moyen', 'economie', 'days',
   'Somme des délais de paiement', 'Demandes de paiement', '{}', 'aucune', 'quantity', 'civile', 'lower',
   'Délai moyen entre la réception de la demande de paiement et le paiement effectif.', false),
  ('CAN-GOV-01', 'Agents formés ou sensibilisés aux achats responsables', 'gouvernance', 'count',
   'Agents formés ou sensibilisés', '', '{}', 'aucune', 'quantity', 'civile', 'higher',
   'Nombre d''agents (acheteurs, prescripteurs, élus) ayant suivi une formation ou une session de sensibilisation dans l''année.', false),
  ('CAN-GOV-02', 'Part des marchés stratégiques ayant fait l''objet d''un sourcing', 'gouvernance', 'percent',
   'Marchés stratégiques sourcés', 'Marchés stratégiques', '{}', 'marche', 'count', 'civile', 'higher',
   'Marchés identifiés comme stratégiques ayant fait l''objet d''un sourcing préalable, rapportés aux marchés stratégiques.', false),
  ('CAN-GOV-04', 'Bilan biennal de mise en œuvre publié', 'gouvernance', 'milestone',
   'Bilan publié (1) ou non (0)', '', '{}', 'aucune', 'milestone', 'civile', 'none',
   'Publication du bilan de mise en œuvre du schéma (indicateurs, cibles et écarts), au moins tous les deux ans.', false);

insert into public.indicator_reference_lines (indicator_code, year, value, kind, label, source, source_year) values
  ('CAN-ENV-01', 2025, 100, 'cible', 'Objectif PNAD 2022-2025', 'Plan national pour des achats durables 2022-2025', 2022),
  ('CAN-SOC-01', 2025, 30, 'cible', 'Objectif PNAD 2022-2025', 'Plan national pour des achats durables 2022-2025', 2022),
  ('CAN-ALIM-01', 2022, 50, 'cible', 'Objectif EGalim (produits durables et de qualité)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-01', 2023, 50, 'cible', 'Objectif EGalim (produits durables et de qualité)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-01', 2024, 50, 'cible', 'Objectif EGalim (produits durables et de qualité)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-01', 2025, 50, 'cible', 'Objectif EGalim (produits durables et de qualité)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-02', 2022, 20, 'cible', 'Objectif EGalim (dont bio)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-02', 2023, 20, 'cible', 'Objectif EGalim (dont bio)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-02', 2024, 20, 'cible', 'Objectif EGalim (dont bio)', 'Loi EGalim, art. 24', 2018),
  ('CAN-ALIM-02', 2025, 20, 'cible', 'Objectif EGalim (dont bio)', 'Loi EGalim, art. 24', 2018),
  ('CAN-SOC-01', 2022, 22.3, 'constat', 'Recensement OECP (marchés ≥ 90 000 € HT)', 'OECP, recensement 2022', 2023),
  ('CAN-SOC-01', 2023, 18.7, 'constat', 'Recensement OECP (marchés ≥ 90 000 € HT)', 'OECP, recensement 2023', 2024),
  ('CAN-ENV-01', 2022, 29.2, 'constat', 'Recensement OECP (marchés ≥ 90 000 € HT)', 'OECP, recensement 2022', 2023),
  ('CAN-ECO-01', 2022, 60.8, 'constat', 'Recensement OECP (part des PME en nombre)', 'OECP, recensement 2022', 2023),
  ('CAN-ECO-01', 2023, 59.9, 'constat', 'Recensement OECP (part des PME en nombre)', 'OECP, recensement 2023', 2024),
  ('CAN-ALIM-01', 2022, 27.5, 'constat', 'Bilan statistique EGalim (national)', 'Bilan statistique EGalim 2022', 2023),
  ('CAN-ALIM-02', 2022, 13, 'constat', 'Bilan statistique EGalim (national)', 'Bilan statistique EGalim 2022', 2023);
