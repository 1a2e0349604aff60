-- SPASER documents: co-authored schemas (one Y.Doc each), their relational projection, versions and comments.

create table public.spaser_documents (
  id uuid primary key default gen_random_uuid(),
  slug text not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  title text not null check (length(btrim(title)) between 2 and 300),
  period_start integer check (period_start between 2000 and 2100),
  period_end integer check (period_end between 2000 and 2100),
  status text not null default 'brouillon' check (status in ('brouillon', 'en_consultation', 'adopte', 'archive')),
  adopted_on date,
  deliberation_ref text check (length(deliberation_ref) <= 300),
  -- Animators of the networks of the owning collectivités may read it (read-only).
  shared_with_networks boolean not null default false,
  template_key text,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  projected_at timestamptz,
  constraint spaser_documents_period check (period_start is null or period_end is null or period_end >= period_start)
);
create trigger spaser_documents_touch before update on public.spaser_documents for each row execute function app.touch_updated_at();
alter table public.spaser_documents enable row level security;

-- Owners: one collectivité, or several for a joint SPASER (« schéma élaboré conjointement »).
create table public.spaser_document_orgs (
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  org_id uuid not null references public.organisations (id) on delete cascade,
  is_lead boolean not null default false,
  added_at timestamptz not null default now(),
  primary key (document_id, org_id)
);
create index spaser_document_orgs_org_idx on public.spaser_document_orgs (org_id);
create unique index spaser_document_orgs_lead_key on public.spaser_document_orgs (document_id) where is_lead;
alter table public.spaser_document_orgs enable row level security;

-- 'write' for admins/editors of an owning collectivité, 'read' for its viewers and, when shared, for the
-- animators of a network the owning collectivité belongs to; null otherwise.
create or replace function app.spaser_access(p_doc uuid) returns text
  language sql stable security definer set search_path = ''
  as $$
    select case
      when exists (select 1 from public.spaser_document_orgs d
                   join public.organisation_members m on m.org_id = d.org_id and m.user_id = auth.uid()
                   where d.document_id = p_doc and m.role in ('admin', 'editor')) then 'write'
      when exists (select 1 from public.spaser_document_orgs d
                   join public.organisation_members m on m.org_id = d.org_id and m.user_id = auth.uid()
                   where d.document_id = p_doc) then 'read'
      when exists (select 1 from public.spaser_documents s
                   join public.spaser_document_orgs d on d.document_id = s.id
                   join public.network_memberships nm on nm.org_id = d.org_id and nm.status = 'approved'
                   join public.network_animators a on a.network_id = nm.network_id and a.user_id = auth.uid()
                   where s.id = p_doc and s.shared_with_networks) then 'read'
    end
  $$;
revoke all on function app.spaser_access(uuid) from public;
grant execute on function app.spaser_access(uuid) to authenticated, service_role;

-- The caller created this SPASER and it has no owner at all yet (between its insert and its lead's insert).
-- Read without RLS: a creator who has lost access to an owned SPASER must not see it as "ownerless".
create or replace function app.spaser_unowned_by_caller(p_doc uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.spaser_documents s
                       where s.id = p_doc and s.created_by = auth.uid()
                         and not exists (select 1 from public.spaser_document_orgs d where d.document_id = s.id)) $$;
revoke all on function app.spaser_unowned_by_caller(uuid) from public;
grant execute on function app.spaser_unowned_by_caller(uuid) to authenticated, service_role;

-- Relational projection of the Y.Doc (written by the server after changes, read through RLS).
create table public.spaser_nodes (
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  node_id uuid not null,
  parent_id uuid,
  position integer not null,
  depth integer not null check (depth between 1 and 5),
  number text not null,
  label text not null,
  level_name text not null,
  title text not null,
  body_text text not null default '',
  body_json jsonb not null default '[]',
  kind text not null,
  status text not null,
  pilot text not null default '',
  resources text[] not null default '{}',
  tools text[] not null default '{}',
  links text[] not null default '{}',
  primary key (document_id, node_id)
);
alter table public.spaser_nodes enable row level security;

create table public.spaser_targets (
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  node_id uuid not null,
  target_id text not null,
  indicator_code text,
  label text not null,
  unit text not null default '',
  value numeric,
  year integer,
  milestones jsonb not null default '[]',
  baseline_year integer,
  relative boolean not null default false,
  threshold_eur_ht numeric,
  scope text not null default '',
  primary key (document_id, node_id, target_id)
);
alter table public.spaser_targets enable row level security;

-- Versions: automatic snapshots (at most hourly while edited), named versions, imports and restores.
create table public.spaser_versions (
  id uuid primary key default gen_random_uuid(),
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  kind text not null check (kind in ('auto', 'named', 'imported', 'restored', 'bilan')),
  name text check (length(name) <= 300),
  state bytea not null,
  content jsonb not null,
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  published_at timestamptz
);
create index spaser_versions_doc_idx on public.spaser_versions (document_id, created_at desc);
alter table public.spaser_versions enable row level security;

-- Comments on a node: threads (thread_id = first comment), mentions, resolve/reopen.
create table public.spaser_comments (
  id uuid primary key default gen_random_uuid(),
  document_id uuid not null references public.spaser_documents (id) on delete cascade,
  node_id uuid not null,
  thread_id uuid references public.spaser_comments (id) on delete cascade,
  author_id uuid default auth.uid() references public.users (id) on delete set null,
  body text not null check (length(btrim(body)) between 1 and 10000),
  mentions uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  resolved_at timestamptz,
  resolved_by uuid references public.users (id) on delete set null
);
create index spaser_comments_node_idx on public.spaser_comments (document_id, node_id);
alter table public.spaser_comments enable row level security;

grant select, insert, delete on public.spaser_documents, public.spaser_document_orgs to authenticated;
-- Users change a SPASER's metadata only; slug, authorship and projection time are the server's.
grant update (title, period_start, period_end, status, adopted_on, deliberation_ref, shared_with_networks)
  on public.spaser_documents to authenticated;
grant select on public.spaser_nodes, public.spaser_targets to authenticated;
-- A version's state and content never change once written; writers name, publish and unpublish it.
grant select, insert on public.spaser_versions to authenticated;
grant update (name, published_at) on public.spaser_versions to authenticated;
-- Resolution and edit marks are set by updates only (see the guard trigger), never at insert.
grant select, delete on public.spaser_comments to authenticated;
grant insert (id, document_id, node_id, thread_id, author_id, body, mentions) on public.spaser_comments to authenticated;
grant update (body, mentions, edited_at, resolved_at, resolved_by) on public.spaser_comments to authenticated;
grant all on public.spaser_documents, public.spaser_document_orgs, public.spaser_nodes, public.spaser_targets,
  public.spaser_versions, public.spaser_comments to service_role;
revoke all on public.spaser_documents, public.spaser_document_orgs, public.spaser_nodes, public.spaser_targets,
  public.spaser_versions, public.spaser_comments from anon;

create policy spaser_documents_select on public.spaser_documents for select to authenticated
  using (app.spaser_access(id) is not null or app.spaser_unowned_by_caller(id));
-- Created by an admin or editor of some collectivité, in their own name (its owners are inserted next).
create policy spaser_documents_insert on public.spaser_documents for insert to authenticated
  with check (created_by = auth.uid()
              and exists (select 1 from public.organisation_members m where m.user_id = auth.uid() and m.role in ('admin', 'editor')));
create policy spaser_documents_update on public.spaser_documents for update to authenticated
  using (app.spaser_access(id) = 'write') with check (app.spaser_access(id) = 'write');
-- Deleting a SPASER is for admins of its lead collectivité.
create policy spaser_documents_delete on public.spaser_documents for delete to authenticated
  using (exists (select 1 from public.spaser_document_orgs d where d.document_id = spaser_documents.id and d.is_lead
                 and app.has_org_role(d.org_id, array['admin'])));

create policy spaser_document_orgs_select on public.spaser_document_orgs for select to authenticated
  using (app.spaser_access(document_id) is not null);
-- An editor of a collectivité attaches it to a SPASER they can write (or that has no owner yet and that they created).
create policy spaser_document_orgs_insert on public.spaser_document_orgs for insert to authenticated
  with check (app.has_org_role(org_id, array['admin', 'editor'])
              and (app.spaser_access(document_id) = 'write' or app.spaser_unowned_by_caller(document_id)));
-- A co-owner leaves (its admins) or is removed (admins of the lead collectivité); the lead never leaves.
create policy spaser_document_orgs_delete on public.spaser_document_orgs for delete to authenticated
  using (not is_lead and (app.has_org_role(org_id, array['admin'])
         or exists (select 1 from public.spaser_document_orgs l where l.document_id = spaser_document_orgs.document_id
                    and l.is_lead and app.has_org_role(l.org_id, array['admin']))));

create policy spaser_nodes_select on public.spaser_nodes for select to authenticated using (app.spaser_access(document_id) is not null);
create policy spaser_targets_select on public.spaser_targets for select to authenticated using (app.spaser_access(document_id) is not null);

create policy spaser_versions_select on public.spaser_versions for select to authenticated using (app.spaser_access(document_id) is not null);
create policy spaser_versions_insert on public.spaser_versions for insert to authenticated
  with check (app.spaser_access(document_id) = 'write' and created_by = auth.uid() and kind in ('named', 'restored', 'bilan'));
create policy spaser_versions_update on public.spaser_versions for update to authenticated
  using (app.spaser_access(document_id) = 'write') with check (app.spaser_access(document_id) = 'write');

create policy spaser_comments_select on public.spaser_comments for select to authenticated using (app.spaser_access(document_id) is not null);
-- A reply goes into a thread of the same SPASER and node (thread_id = the thread's first comment).
create policy spaser_comments_insert on public.spaser_comments for insert to authenticated
  with check (app.spaser_access(document_id) is not null and author_id = auth.uid()
              and (thread_id is null
                   or exists (select 1 from public.spaser_comments t where t.id = spaser_comments.thread_id and t.thread_id is null
                              and t.document_id = spaser_comments.document_id and t.node_id = spaser_comments.node_id)));
create policy spaser_comments_update on public.spaser_comments for update to authenticated
  using (app.spaser_access(document_id) is not null) with check (app.spaser_access(document_id) is not null);
-- The author deletes their comment while they can read the SPASER; the first comment of a thread that has
-- replies stays (deleting it would cascade to the replies of others).
create policy spaser_comments_delete on public.spaser_comments for delete to authenticated
  using (author_id = auth.uid() and app.spaser_access(document_id) is not null
         and not exists (select 1 from public.spaser_comments r where r.thread_id = spaser_comments.id));

-- Any reader may resolve or reopen a thread (as themself); only the author edits a comment's text.
create or replace function app.spaser_comments_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user = 'authenticated' then
      if (new.body is distinct from old.body or new.mentions is distinct from old.mentions
          or new.edited_at is distinct from old.edited_at) and old.author_id is distinct from auth.uid() then
        raise exception 'only the author can edit a comment' using errcode = '42501';
      end if;
      -- Resolving signs with the current user; reopening clears both; nobody rewrites someone else's resolution.
      if (new.resolved_at is distinct from old.resolved_at or new.resolved_by is distinct from old.resolved_by)
         and not coalesce((new.resolved_at is null and new.resolved_by is null)
                          or (new.resolved_at is not null and new.resolved_by = auth.uid()), false) then
        raise exception 'resolved_by must be the current user' using errcode = '42501';
      end if;
    end if;
    return new;
  end
  $$;
create trigger spaser_comments_guard before update on public.spaser_comments for each row execute function app.spaser_comments_guard();

-- Published adopted versions are public (art. L2111-3: the SPASER is made public). Read through this
-- security-definer function only, by collectivité and SPASER slug. Only an adopted SPASER (or an archived one,
-- which was adopted) shows; a published version of a draft stays private.
create or replace function app.published_spaser(p_org_slug text, p_doc_slug text)
  returns table (document_id uuid, title text, org_name text, period_start integer, period_end integer,
                 adopted_on date, deliberation_ref text, version_name text, published_at timestamptz, content jsonb)
  language sql stable security definer set search_path = ''
  as $$
    select s.id, s.title, o.name, s.period_start, s.period_end, s.adopted_on, s.deliberation_ref, v.name, v.published_at, v.content
      from public.organisations o
      join public.spaser_document_orgs d on d.org_id = o.id
      join public.spaser_documents s on s.id = d.document_id
      join lateral (select * from public.spaser_versions v where v.document_id = s.id and v.published_at is not null
                    order by v.published_at desc limit 1) v on true
     where o.slug = p_org_slug and s.slug = p_doc_slug and s.status in ('adopte', 'archive')
  $$;
revoke all on function app.published_spaser(text, text) from public;
grant execute on function app.published_spaser(text, text) to anon, authenticated, service_role;
