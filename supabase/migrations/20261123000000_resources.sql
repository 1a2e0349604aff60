-- Shared resources: clause models and REX (retours d'expérience), searchable in French, moderated by network
-- animators, reusable in a SPASER.
--
-- One table `resources` holds both kinds (kind = 'clause' | 'rex'): they share visibility, review, versions,
-- search, favourites, usage and copies; REX-only columns are null for clauses.
--
-- Visibility (enforced by RLS, never by the application):
--   private  members of the owning collectivité only;
--   network  + members of the networks where the item was VALIDATED by an animator, and the animators of every
--            network it was submitted to (pending, changes requested or validated), who review it;
--   public   everyone, anonymous visitors included.
-- A validated item that is edited goes back to review (pending) in every network, and a version is written for
-- every edit of its content. Reliability badge: 'national' (set by a platform admin on a public item),
-- 'reseau' (validated by at least one network), 'collectivite' otherwise.
--
-- The network columns the policy reads (shared_network_ids, validated_network_ids) are kept in sync from
-- resource_shares by a security-definer trigger, so the policy is plain array arithmetic against the caller's
-- organisations and networks, computed once per statement (initplans), not a subquery per row.

create extension if not exists unaccent;

-- French full-text search with accents ignored: a configuration copied from 'french' whose words go through
-- unaccent before the French stemmer. Identical on PGlite (PG 18), Postgres 15 and Supabase.
do $$
begin
  if not exists (select 1 from pg_ts_config c join pg_namespace n on n.oid = c.cfgnamespace
                 where n.nspname = 'public' and c.cfgname = 'fr_unaccent') then
    create text search configuration public.fr_unaccent (copy = pg_catalog.french);
    alter text search configuration public.fr_unaccent
      alter mapping for hword, hword_part, word with unaccent, french_stem;
  end if;
end
$$;

-- ---------------------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------------------
create table public.resources (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('clause', 'rex')),
  org_id uuid not null references public.organisations (id) on delete cascade,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  title text not null check (length(btrim(title)) between 3 and 300),
  summary text not null default '' check (length(summary) <= 2000),
  body text not null default '' check (length(body) <= 50000),
  family text not null check (family in ('sociale', 'environnementale', 'economique', 'gouvernance')),
  mechanism text check (mechanism in ('specification_technique', 'condition_execution', 'critere_attribution',
    'sous_critere', 'variante', 'label', 'marche_reserve', 'clause_insertion', 'plan_progres', 'penalite', 'autre')),
  segments text[] not null default '{}',
  cpv_codes text[] not null default '{}' check (cpv_codes <@ array[]::text[] or array_to_string(cpv_codes, ',') ~ '^([0-9]{8}-[0-9])(,[0-9]{8}-[0-9])*$'),
  legal_refs text not null default '' check (length(legal_refs) <= 2000),
  parameters jsonb not null default '{}' check (jsonb_typeof(parameters) = 'object'),
  legal_checked_on date,
  licence text not null default 'Licence Ouverte / Etalab 2.0' check (length(licence) <= 300),
  visibility text not null default 'private' check (visibility in ('private', 'network', 'public')),
  national_reference boolean not null default false,
  shared_network_ids uuid[] not null default '{}',
  validated_network_ids uuid[] not null default '{}',
  reliability text generated always as (
    case when national_reference then 'national' when cardinality(validated_network_ids) > 0 then 'reseau' else 'collectivite' end
  ) stored,
  source_id uuid references public.resources (id) on delete set null,
  usage_count integer not null default 0,
  version integer not null default 1,
  -- REX only
  year integer check (year between 2000 and 2100),
  procedure text check (length(procedure) <= 200),
  amount_band text check (amount_band in ('lt_40k', '40k_215k', '215k_1m', '1m_5m', 'gt_5m')),
  context text not null default '' check (length(context) <= 20000),
  actions text not null default '' check (length(actions) <= 20000),
  results jsonb not null default '[]' check (jsonb_typeof(results) = 'array'),
  difficulties text not null default '' check (length(difficulties) <= 20000),
  lessons text not null default '' check (length(lessons) <= 20000),
  linked_clause_ids uuid[] not null default '{}',
  anonymised boolean not null default false,
  contact_name text check (length(contact_name) <= 200),
  contact_email text check (contact_email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  -- search
  attachments_text text not null default '',
  search tsvector,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint resources_rex_fields check (kind = 'rex' or (year is null and amount_band is null and cardinality(linked_clause_ids) = 0))
);
create index resources_search_idx on public.resources using gin (search);
create index resources_segments_idx on public.resources using gin (segments);
create index resources_org_idx on public.resources (org_id);
create index resources_updated_idx on public.resources (updated_at desc);
create index resources_validated_idx on public.resources using gin (validated_network_ids);
create index resources_source_idx on public.resources (source_id);
create trigger resources_touch before update on public.resources for each row execute function app.touch_updated_at();
alter table public.resources enable row level security;

-- Each edit of the content writes one version (a full snapshot of the content fields).
create table public.resource_versions (
  id uuid primary key default gen_random_uuid(),
  resource_id uuid not null references public.resources (id) on delete cascade,
  version integer not null,
  snapshot jsonb not null,
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (resource_id, version)
);
alter table public.resource_versions enable row level security;

-- Submission of an item to a network's review, and its current decision.
create table public.resource_shares (
  resource_id uuid not null references public.resources (id) on delete cascade,
  network_id uuid not null references public.networks (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'changes_requested', 'validated')),
  comment text check (length(comment) <= 5000),
  submitted_by uuid default auth.uid() references public.users (id) on delete set null,
  submitted_at timestamptz not null default now(),
  decided_by uuid references public.users (id) on delete set null,
  decided_at timestamptz,
  primary key (resource_id, network_id)
);
create index resource_shares_network_idx on public.resource_shares (network_id, status);
alter table public.resource_shares enable row level security;

-- Review history (submissions, decisions with their comments, returns to review after an edit).
create table public.resource_review_events (
  id uuid primary key default gen_random_uuid(),
  resource_id uuid not null references public.resources (id) on delete cascade,
  network_id uuid not null references public.networks (id) on delete cascade,
  action text not null check (action in ('submitted', 'validated', 'changes_requested', 'resubmitted', 'withdrawn')),
  comment text,
  actor_id uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index resource_review_events_idx on public.resource_review_events (resource_id, created_at);
alter table public.resource_review_events enable row level security;

-- Attachments of REX (and clauses): stored in Postgres, type detected from the content by the server.
create table public.resource_attachments (
  id uuid primary key default gen_random_uuid(),
  resource_id uuid not null references public.resources (id) on delete cascade,
  filename text not null check (length(btrim(filename)) between 1 and 255),
  mime text not null check (mime in ('application/pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')),
  byte_size integer not null check (byte_size between 1 and 10485760),
  data bytea not null check (octet_length(data) <= 10485760),
  text_content text not null default '',
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create index resource_attachments_resource_idx on public.resource_attachments (resource_id);
alter table public.resource_attachments enable row level security;

-- « J'utilise cette clause » and its short feedback (one per person and item).
create table public.resource_usages (
  resource_id uuid not null references public.resources (id) on delete cascade,
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  org_id uuid not null references public.organisations (id) on delete cascade,
  worked text not null default '' check (length(worked) <= 2000),
  not_worked text not null default '' check (length(not_worked) <= 2000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (resource_id, user_id)
);
alter table public.resource_usages enable row level security;

create table public.resource_favourites (
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  resource_id uuid not null references public.resources (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (user_id, resource_id)
);
create index resource_favourites_resource_idx on public.resource_favourites (resource_id);
alter table public.resource_favourites enable row level security;

-- « Utiliser dans mon SPASER »: the clause was inserted into (copied into the node's body) or linked from a
-- SPASER node. Linked clauses are references kept here (the node's projection is unchanged); inserted clauses
-- are also recorded here, for the usage history.
create table public.resource_spaser_links (
  id uuid primary key default gen_random_uuid(),
  resource_id uuid not null references public.resources (id) on delete cascade,
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  node_id uuid not null,
  mode text not null check (mode in ('inserted', 'linked')),
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now()
);
create unique index resource_spaser_links_linked_key on public.resource_spaser_links (resource_id, document_id, node_id) where mode = 'linked';
create index resource_spaser_links_doc_idx on public.resource_spaser_links (document_id, node_id);
alter table public.resource_spaser_links enable row level security;

-- Insertion-hours calculator rules, per network (defaults when a network has none).
create table public.resource_calc_settings (
  network_id uuid primary key references public.networks (id) on delete cascade,
  hours_per_10k numeric(6, 2) not null default 10 check (hours_per_10k > 0 and hours_per_10k <= 200),
  min_hours_per_year integer not null default 150 check (min_hours_per_year between 0 and 100000),
  threshold_eur_ht numeric(14, 2) not null default 90000 check (threshold_eur_ht >= 0),
  segment_factors jsonb not null default '{}' check (jsonb_typeof(segment_factors) = 'object'),
  updated_by uuid default auth.uid() references public.users (id) on delete set null,
  updated_at timestamptz not null default now()
);
alter table public.resource_calc_settings enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Helpers (security definer: they read memberships without going through their RLS)
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.my_org_ids() returns uuid[]
  language sql stable security definer set search_path = ''
  as $$ select coalesce(array_agg(m.org_id), '{}') from public.organisation_members m where m.user_id = auth.uid() $$;

create or replace function app.my_editor_org_ids() returns uuid[]
  language sql stable security definer set search_path = ''
  as $$ select coalesce(array_agg(m.org_id), '{}') from public.organisation_members m
        where m.user_id = auth.uid() and m.role in ('admin', 'editor') $$;

-- Networks where one of the caller's collectivités is an approved member.
create or replace function app.my_network_ids() returns uuid[]
  language sql stable security definer set search_path = ''
  as $$ select coalesce(array_agg(distinct nm.network_id), '{}') from public.network_memberships nm
        join public.organisation_members m on m.org_id = nm.org_id and m.user_id = auth.uid()
        where nm.status = 'approved' $$;

create or replace function app.my_animated_network_ids() returns uuid[]
  language sql stable security definer set search_path = ''
  as $$ select coalesce(array_agg(a.network_id), '{}') from public.network_animators a where a.user_id = auth.uid() $$;

create or replace function app.resource_org(p_resource uuid) returns uuid
  language sql stable security definer set search_path = ''
  as $$ select r.org_id from public.resources r where r.id = p_resource $$;

create or replace function app.org_in_network(p_org uuid, p_network uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.network_memberships nm
                       where nm.org_id = p_org and nm.network_id = p_network and nm.status = 'approved') $$;

revoke all on function app.my_org_ids(), app.my_editor_org_ids(), app.my_network_ids(), app.my_animated_network_ids(),
  app.resource_org(uuid), app.org_in_network(uuid, uuid) from public;
grant execute on function app.my_org_ids(), app.my_editor_org_ids(), app.my_network_ids(), app.my_animated_network_ids(),
  app.resource_org(uuid), app.org_in_network(uuid, uuid) to anon, authenticated, service_role;

-- The caller may see this item: the rule of resources_select, for policies on resources itself (a policy may
-- not query its own table) and for names shown with an item.
create or replace function app.resource_visible(p_resource uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$
    select exists (select 1 from public.resources r
     where r.id = p_resource
       and (r.visibility = 'public'
            or r.org_id = any (app.my_org_ids())
            or (r.visibility = 'network' and r.validated_network_ids && app.my_network_ids())
            or (r.visibility <> 'private' and r.shared_network_ids && app.my_animated_network_ids())))
  $$;
revoke all on function app.resource_visible(uuid) from public;
grant execute on function app.resource_visible(uuid) to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.resources_search() returns trigger
  language plpgsql
  as $$
  begin
    new.search :=
      setweight(to_tsvector('public.fr_unaccent', coalesce(new.title, '')), 'A') ||
      setweight(to_tsvector('public.fr_unaccent', coalesce(new.summary, '')), 'B') ||
      setweight(to_tsvector('public.fr_unaccent', concat_ws(' ', new.body, new.legal_refs, new.context, new.actions,
        new.difficulties, new.lessons, new.procedure, new.results::text)), 'C') ||
      setweight(to_tsvector('public.fr_unaccent', coalesce(new.attachments_text, '')), 'D');
    return new;
  end
  $$;
create trigger resources_search before insert or update on public.resources for each row execute function app.resources_search();

-- What an API role may change, and how.
create or replace function app.resources_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user in ('authenticated', 'anon') then
      if tg_op = 'INSERT' then
        new.created_by := auth.uid();
        new.national_reference := false;
        new.shared_network_ids := '{}';
        new.validated_network_ids := '{}';
        new.usage_count := 0;
        new.version := 1;
        new.attachments_text := '';
        return new;
      end if;
      if new.org_id is distinct from old.org_id or new.kind is distinct from old.kind
         or new.created_by is distinct from old.created_by or new.source_id is distinct from old.source_id then
        raise exception 'resource_immutable' using errcode = '42501';
      end if;
      if new.national_reference is distinct from old.national_reference
         and not (app.is_platform_admin() and new.visibility = 'public') then
        raise exception 'national_reference_platform_only' using errcode = '42501';
      end if;
      -- A platform admin who is not an editor of the owning collectivité only sets the national badge.
      if not app.has_org_role(old.org_id, array['admin', 'editor'])
         and (to_jsonb(new) - 'national_reference' - 'updated_at' - 'reliability' - 'search')
             is distinct from (to_jsonb(old) - 'national_reference' - 'updated_at' - 'reliability' - 'search') then
        raise exception 'resource_immutable' using errcode = '42501';
      end if;
    end if;
    return new;
  end
  $$;
create trigger resources_guard before insert or update on public.resources for each row execute function app.resources_guard();

create or replace function app.resource_snapshot(r public.resources) returns jsonb
  language sql immutable
  as $$ select to_jsonb(r) - 'search' - 'attachments_text' - 'shared_network_ids' - 'validated_network_ids'
               - 'reliability' - 'usage_count' - 'national_reference' - 'visibility' - 'created_at' - 'updated_at' - 'version'
               - 'created_by' - 'org_id' - 'source_id' - 'id' - 'kind' $$;

-- Content edits: bump the version, write it, and send the item back to review in every network.
create or replace function app.resources_content_changed() returns trigger
  language plpgsql
  as $$
  begin
    if app.resource_snapshot(new) is distinct from app.resource_snapshot(old) then
      new.version := old.version + 1;
    end if;
    return new;
  end
  $$;
create trigger resources_content_changed before update on public.resources for each row execute function app.resources_content_changed();

create or replace function app.resources_after_write() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if tg_op = 'INSERT' or new.version <> old.version then
      insert into public.resource_versions (resource_id, version, snapshot, created_by)
      values (new.id, new.version, app.resource_snapshot(new), auth.uid())
      on conflict (resource_id, version) do nothing;
    end if;
    if tg_op = 'UPDATE' and new.version <> old.version then
      insert into public.resource_review_events (resource_id, network_id, action, actor_id)
      select s.resource_id, s.network_id, 'resubmitted', auth.uid()
        from public.resource_shares s where s.resource_id = new.id and s.status <> 'pending';
      update public.resource_shares set status = 'pending', submitted_at = now(), submitted_by = auth.uid(),
                                        decided_by = null, decided_at = null
       where resource_id = new.id and status <> 'pending';
    end if;
    -- Back to private: withdrawn from every network.
    if tg_op = 'UPDATE' and new.visibility = 'private' and old.visibility <> 'private' then
      insert into public.resource_review_events (resource_id, network_id, action, actor_id)
      select s.resource_id, s.network_id, 'withdrawn', auth.uid() from public.resource_shares s where s.resource_id = new.id;
      delete from public.resource_shares where resource_id = new.id;
    end if;
    return null;
  end
  $$;
create trigger resources_after_write after insert or update on public.resources for each row execute function app.resources_after_write();

-- Shares: a submission is always pending and signed by its author; only an animator's decision changes it, and
-- a request for changes always says what to change.
create or replace function app.resource_shares_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user in ('authenticated', 'anon') then
      if tg_op = 'INSERT' then
        new.status := 'pending';
        new.comment := null;
        new.submitted_by := auth.uid();
        new.submitted_at := now();
        new.decided_by := null;
        new.decided_at := null;
        return new;
      end if;
      if new.resource_id is distinct from old.resource_id or new.network_id is distinct from old.network_id
         or new.submitted_by is distinct from old.submitted_by or new.submitted_at is distinct from old.submitted_at then
        raise exception 'resource_immutable' using errcode = '42501';
      end if;
      if new.status is distinct from old.status or new.comment is distinct from old.comment then
        if new.status not in ('validated', 'changes_requested') then
          raise exception 'transition_not_allowed';
        end if;
        if new.status = 'changes_requested' and length(btrim(coalesce(new.comment, ''))) = 0 then
          raise exception 'comment_required';
        end if;
        new.decided_by := auth.uid();
        new.decided_at := now();
      end if;
    end if;
    return new;
  end
  $$;
create trigger resource_shares_guard before insert or update on public.resource_shares for each row execute function app.resource_shares_guard();

create or replace function app.resource_shares_sync() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  declare
    v_resource uuid := coalesce(new.resource_id, old.resource_id);
  begin
    update public.resources r
       set shared_network_ids = coalesce((select array_agg(s.network_id order by s.network_id) from public.resource_shares s
                                           where s.resource_id = v_resource), '{}'),
           validated_network_ids = coalesce((select array_agg(s.network_id order by s.network_id) from public.resource_shares s
                                              where s.resource_id = v_resource and s.status = 'validated'), '{}')
     where r.id = v_resource;
    if tg_op = 'INSERT' then
      insert into public.resource_review_events (resource_id, network_id, action, actor_id)
      values (new.resource_id, new.network_id, 'submitted', auth.uid());
    elsif tg_op = 'UPDATE' and new.status is distinct from old.status and new.status <> 'pending' then
      insert into public.resource_review_events (resource_id, network_id, action, comment, actor_id)
      values (new.resource_id, new.network_id, new.status, new.comment, auth.uid());
    elsif tg_op = 'DELETE' and current_user in ('authenticated') then
      insert into public.resource_review_events (resource_id, network_id, action, actor_id)
      select old.resource_id, old.network_id, 'withdrawn', auth.uid()
       where exists (select 1 from public.resources r where r.id = old.resource_id);
    end if;
    return null;
  end
  $$;
create trigger resource_shares_sync after insert or update or delete on public.resource_shares
  for each row execute function app.resource_shares_sync();

-- Attachments' extracted text feeds the item's search vector.
create or replace function app.resource_attachments_sync() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  declare
    v_resource uuid := coalesce(new.resource_id, old.resource_id);
  begin
    update public.resources r
       set attachments_text = coalesce((select string_agg(a.filename || ' ' || a.text_content, ' ' order by a.created_at)
                                          from public.resource_attachments a where a.resource_id = v_resource), '')
     where r.id = v_resource;
    return null;
  end
  $$;
create trigger resource_attachments_sync after insert or delete on public.resource_attachments
  for each row execute function app.resource_attachments_sync();

create or replace function app.resource_usages_sync() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  declare
    v_resource uuid := coalesce(new.resource_id, old.resource_id);
  begin
    update public.resources r set usage_count = (select count(*) from public.resource_usages u where u.resource_id = v_resource)
     where r.id = v_resource;
    return null;
  end
  $$;
create trigger resource_usages_sync after insert or delete on public.resource_usages
  for each row execute function app.resource_usages_sync();

create or replace function app.resource_usages_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user = 'authenticated' and tg_op = 'UPDATE'
       and (new.resource_id is distinct from old.resource_id or new.user_id is distinct from old.user_id or new.org_id is distinct from old.org_id) then
      raise exception 'resource_immutable' using errcode = '42501';
    end if;
    new.updated_at := now();
    return new;
  end
  $$;
create trigger resource_usages_guard before update on public.resource_usages for each row execute function app.resource_usages_guard();

-- ---------------------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------------------
revoke all on public.resources, public.resource_versions, public.resource_shares, public.resource_review_events,
  public.resource_attachments, public.resource_usages, public.resource_favourites, public.resource_spaser_links,
  public.resource_calc_settings from anon, authenticated;
grant all on public.resources, public.resource_versions, public.resource_shares, public.resource_review_events,
  public.resource_attachments, public.resource_usages, public.resource_favourites, public.resource_spaser_links,
  public.resource_calc_settings to service_role;

grant select on public.resources, public.resource_versions, public.resource_attachments to anon;
grant select, delete on public.resources to authenticated;
grant insert (id, kind, org_id, title, summary, body, family, mechanism, segments, cpv_codes, legal_refs, parameters,
  legal_checked_on, licence, visibility, source_id, year, procedure, amount_band, context, actions, results,
  difficulties, lessons, linked_clause_ids, anonymised, contact_name, contact_email) on public.resources to authenticated;
grant update (title, summary, body, family, mechanism, segments, cpv_codes, legal_refs, parameters, legal_checked_on,
  licence, visibility, national_reference, year, procedure, amount_band, context, actions, results, difficulties,
  lessons, linked_clause_ids, anonymised, contact_name, contact_email) on public.resources to authenticated;
grant select on public.resource_versions, public.resource_review_events to authenticated;
grant select, insert, delete on public.resource_shares to authenticated;
grant update (status, comment) on public.resource_shares to authenticated;
grant select, delete on public.resource_attachments to authenticated;
grant insert (id, resource_id, filename, mime, byte_size, data, text_content) on public.resource_attachments to authenticated;
grant select, insert, delete on public.resource_usages to authenticated;
grant update (worked, not_worked) on public.resource_usages to authenticated;
grant select, insert, delete on public.resource_favourites to authenticated;
grant select, insert, delete on public.resource_spaser_links to authenticated;
grant select, insert on public.resource_calc_settings to authenticated;
grant update (hours_per_10k, min_hours_per_year, threshold_eur_ht, segment_factors, updated_at) on public.resource_calc_settings to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------------------
create policy resources_select_anon on public.resources for select to anon using (visibility = 'public');
create policy resources_select on public.resources for select to authenticated
  using (visibility = 'public'
         or org_id = any ((select app.my_org_ids())::uuid[])
         or (visibility = 'network' and validated_network_ids && (select app.my_network_ids()))
         or (visibility <> 'private' and shared_network_ids && (select app.my_animated_network_ids())));
create policy resources_insert on public.resources for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor'])
              and (source_id is null or app.resource_visible(source_id)));
create policy resources_update on public.resources for update to authenticated
  using (app.has_org_role(org_id, array['admin', 'editor']) or (visibility = 'public' and app.is_platform_admin()))
  with check (app.has_org_role(org_id, array['admin', 'editor']) or (visibility = 'public' and app.is_platform_admin()));
create policy resources_delete on public.resources for delete to authenticated
  using (app.has_org_role(org_id, array['admin', 'editor']));

-- Versions and attachments: whoever sees the item (its RLS decides).
create policy resource_versions_select_anon on public.resource_versions for select to anon
  using (exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_versions_select on public.resource_versions for select to authenticated
  using (exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_attachments_select_anon on public.resource_attachments for select to anon
  using (exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_attachments_select on public.resource_attachments for select to authenticated
  using (exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_attachments_insert on public.resource_attachments for insert to authenticated
  with check (app.has_org_role(app.resource_org(resource_id), array['admin', 'editor']));
create policy resource_attachments_delete on public.resource_attachments for delete to authenticated
  using (app.has_org_role(app.resource_org(resource_id), array['admin', 'editor']));

-- Shares: the owning collectivité and the network's animators.
create policy resource_shares_select on public.resource_shares for select to authenticated
  using (app.is_network_animator(network_id) or app.is_org_member(app.resource_org(resource_id)));
create policy resource_shares_insert on public.resource_shares for insert to authenticated
  with check (app.has_org_role(app.resource_org(resource_id), array['admin', 'editor'])
              and app.org_in_network(app.resource_org(resource_id), network_id));
create policy resource_shares_update on public.resource_shares for update to authenticated
  using (app.is_network_animator(network_id)) with check (app.is_network_animator(network_id));
create policy resource_shares_delete on public.resource_shares for delete to authenticated
  using (app.has_org_role(app.resource_org(resource_id), array['admin', 'editor']) or app.is_network_animator(network_id));

create policy resource_review_events_select on public.resource_review_events for select to authenticated
  using (app.is_network_animator(network_id) or app.is_org_member(app.resource_org(resource_id)));

-- Usage and feedback: visible with the item; recorded by a member of a collectivité for that collectivité.
create policy resource_usages_select on public.resource_usages for select to authenticated
  using (exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_usages_insert on public.resource_usages for insert to authenticated
  with check (user_id = auth.uid() and app.is_org_member(org_id)
              and exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_usages_update on public.resource_usages for update to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create policy resource_usages_delete on public.resource_usages for delete to authenticated using (user_id = auth.uid());

create policy resource_favourites_select on public.resource_favourites for select to authenticated using (user_id = auth.uid());
create policy resource_favourites_insert on public.resource_favourites for insert to authenticated
  with check (user_id = auth.uid() and exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_favourites_delete on public.resource_favourites for delete to authenticated using (user_id = auth.uid());

create policy resource_spaser_links_select on public.resource_spaser_links for select to authenticated
  using (app.spaser_access(document_id) is not null);
create policy resource_spaser_links_insert on public.resource_spaser_links for insert to authenticated
  with check (app.spaser_access(document_id) = 'write' and created_by = auth.uid()
              and exists (select 1 from public.resources r where r.id = resource_id));
create policy resource_spaser_links_delete on public.resource_spaser_links for delete to authenticated
  using (app.spaser_access(document_id) = 'write');

create policy resource_calc_settings_select on public.resource_calc_settings for select to authenticated using (true);
create policy resource_calc_settings_insert on public.resource_calc_settings for insert to authenticated
  with check (app.is_network_animator(network_id) or app.is_platform_admin());
create policy resource_calc_settings_update on public.resource_calc_settings for update to authenticated
  using (app.is_network_animator(network_id) or app.is_platform_admin())
  with check (app.is_network_animator(network_id) or app.is_platform_admin());

-- The collectivité name of an item the caller may see (same rule as resources_select), for cards and exports:
-- a member of another collectivité does not otherwise see that collectivité's row.
create or replace function app.resource_org_name(p_resource uuid) returns text
  language sql stable security definer set search_path = ''
  as $$
    select o.name from public.resources r join public.organisations o on o.id = r.org_id
     where r.id = p_resource and app.resource_visible(p_resource)
  $$;
revoke all on function app.resource_org_name(uuid) from public;
grant execute on function app.resource_org_name(uuid) to anon, authenticated, service_role;

-- Collectivité names of several items the caller may see, in one call (search result pages).
create or replace function app.resource_org_names(p_resources uuid[]) returns table (resource_id uuid, name text)
  language sql stable security definer set search_path = ''
  as $$
    with me as materialized (select app.my_org_ids() as orgs, app.my_network_ids() as nets, app.my_animated_network_ids() as anim)
    select r.id, o.name from me, public.resources r join public.organisations o on o.id = r.org_id
     where r.id = any (p_resources)
       and (r.visibility = 'public' or r.org_id = any (me.orgs)
            or (r.visibility = 'network' and r.validated_network_ids && me.nets)
            or (r.visibility <> 'private' and r.shared_network_ids && me.anim))
  $$;
revoke all on function app.resource_org_names(uuid[]) from public;
grant execute on function app.resource_org_names(uuid[]) to anon, authenticated, service_role;
