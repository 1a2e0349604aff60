-- SPASER Commun — foundation: roles, auth helpers, accounts, collectivités, networks, outbox.
-- Written the Supabase way so the same file applies on a Supabase project, on Postgres 15 and on PGlite (PG 18):
-- roles and auth.uid() are created only when they do not exist; every table has row-level security.

-- ---------------------------------------------------------------------------------------------------------
-- Roles and the auth schema (present on Supabase, created elsewhere)
-- ---------------------------------------------------------------------------------------------------------
do $$
begin
  -- Roles are cluster-wide: two databases of one cluster migrating at once may both try to create them.
  if not exists (select 1 from pg_roles where rolname = 'anon') then
    begin
      create role anon nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then
    begin
      create role authenticated nologin noinherit;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  if not exists (select 1 from pg_roles where rolname = 'service_role') then
    begin
      create role service_role nologin noinherit bypassrls;
    exception when duplicate_object or unique_violation then null;
    end;
  end if;
  -- A non-superuser owner (managed Postgres) must be able to SET ROLE to these roles.
  if not (select rolsuper from pg_roles where rolname = current_user) then
    begin
      execute format('grant anon, authenticated, service_role to %I', current_user);
    exception when others then
      raise notice 'could not grant api roles to %: %', current_user, sqlerrm;
    end;
  end if;
end
$$;

create schema if not exists auth;
grant usage on schema auth to anon, authenticated, service_role;

do $$
begin
  if not exists (
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'auth' and p.proname = 'uid'
  ) then
    create function auth.uid() returns uuid
      language sql stable
      as $f$
        select nullif(
          coalesce(
            nullif(current_setting('request.jwt.claim.sub', true), ''),
            nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
          ), '')::uuid
      $f$;
    grant execute on function auth.uid() to anon, authenticated, service_role;
  end if;
end
$$;

-- Private helpers used by policies. Not exposed through any API.
create schema if not exists app;
grant usage on schema app to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Small pure helpers
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.luhn_ok(p_digits text) returns boolean
  language sql immutable strict
  as $$
    select p_digits ~ '^[0-9]+$' and (
      select sum(case when (length(p_digits) - i) % 2 = 1
                      then (case when d * 2 > 9 then d * 2 - 9 else d * 2 end)
                      else d end) % 10 = 0
      from (select i, substr(p_digits, i, 1)::int as d
            from generate_series(1, length(p_digits)) as i) s
    )
  $$;

create or replace function app.touch_updated_at() returns trigger
  language plpgsql
  as $$
  begin
    new.updated_at := now();
    return new;
  end
  $$;

-- ---------------------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------------------
create table public.users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and length(email) <= 254),
  display_name text not null check (length(btrim(display_name)) between 1 and 120),
  email_verified_at timestamptz,
  is_platform_admin boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index users_email_key on public.users (lower(email));
create trigger users_touch before update on public.users for each row execute function app.touch_updated_at();
alter table public.users enable row level security;

-- Password hashes live apart from the profile so that no policy can ever expose them.
create table public.user_credentials (
  user_id uuid primary key references public.users (id) on delete cascade,
  password_hash text not null,
  updated_at timestamptz not null default now()
);
alter table public.user_credentials enable row level security;

-- Sessions after the lucia-auth.com guide: token "<id>.<secret>", SHA-256 of the secret stored.
create table public.sessions (
  id text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  secret_hash bytea not null,
  created_at timestamptz not null default now(),
  last_verified_at timestamptz not null default now(),
  user_agent text,
  ip text
);
create index sessions_user_idx on public.sessions (user_id);
alter table public.sessions enable row level security;

-- One-time tokens for e-mail verification and password reset (same "<id>.<secret>" shape).
create table public.auth_tokens (
  id text primary key,
  user_id uuid not null references public.users (id) on delete cascade,
  purpose text not null check (purpose in ('email_verification', 'password_reset')),
  secret_hash bytea not null,
  email text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index auth_tokens_user_idx on public.auth_tokens (user_id, purpose);
alter table public.auth_tokens enable row level security;

-- Fixed-window counters shared by every app instance (login rate limiting).
create table public.rate_limits (
  key text primary key,
  window_started_at timestamptz not null default now(),
  hits integer not null default 0,
  blocked_until timestamptz
);
alter table public.rate_limits enable row level security;

-- Personal access tokens for the JSON API: "spc_<id>_<secret>", SHA-256 of the secret stored.
create table public.api_tokens (
  id text primary key,
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 80),
  secret_hash bytea not null,
  scopes text[] not null check (scopes <@ array['read', 'write']::text[] and cardinality(scopes) > 0),
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  expires_at timestamptz,
  revoked_at timestamptz
);
create index api_tokens_user_idx on public.api_tokens (user_id);
alter table public.api_tokens enable row level security;

-- E-mail outbox: written in the same transaction as the action that sends; delivered by a worker.
create table public.email_outbox (
  id uuid primary key default gen_random_uuid(),
  to_address text not null,
  subject text not null,
  text_body text not null,
  html_body text,
  kind text not null default 'generic',
  created_at timestamptz not null default now(),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_until timestamptz,
  sent_at timestamptz,
  failed_at timestamptz,
  last_error text
);
create index email_outbox_pending_idx on public.email_outbox (next_attempt_at) where sent_at is null and failed_at is null;
alter table public.email_outbox enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Collectivités (organisations) and networks
-- ---------------------------------------------------------------------------------------------------------
create table public.organisations (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  name text not null check (length(btrim(name)) between 2 and 200),
  siren text check (siren ~ '^[0-9]{9}$' and app.luhn_ok(siren)),
  siret text check (siret ~ '^[0-9]{14}$'),
  kind text not null check (kind in (
    'commune', 'communaute_communes', 'communaute_agglomeration', 'communaute_urbaine', 'metropole',
    'departement', 'region', 'etablissement_public', 'centre_hospitalier', 'autre')),
  region_code text check (region_code ~ '^[0-9]{2}$'),
  departement_code text check (departement_code ~ '^([0-9]{2}|2A|2B|97[1-6])$'),
  population integer check (population >= 0),
  purchase_volume_eur numeric(16, 2) check (purchase_volume_eur >= 0),
  referents_count integer check (referents_count >= 0),
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  archived_at timestamptz,
  constraint organisations_siret_matches_siren check (siren is null or siret is null or left(siret, 9) = siren)
);
create trigger organisations_touch before update on public.organisations for each row execute function app.touch_updated_at();
alter table public.organisations enable row level security;

create table public.organisation_logos (
  org_id uuid primary key references public.organisations (id) on delete cascade,
  mime text not null check (mime in ('image/png', 'image/jpeg', 'image/webp')),
  data bytea not null check (octet_length(data) <= 1048576),
  updated_at timestamptz not null default now()
);
alter table public.organisation_logos enable row level security;

create table public.organisation_members (
  org_id uuid not null references public.organisations (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  role text not null check (role in ('admin', 'editor', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index organisation_members_user_idx on public.organisation_members (user_id);
alter table public.organisation_members enable row level security;

create table public.organisation_invitations (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organisations (id) on delete cascade,
  email text not null check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  role text not null check (role in ('admin', 'editor', 'viewer')),
  token_hash bytea not null unique,
  invited_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references public.users (id) on delete set null,
  revoked_at timestamptz
);
create index organisation_invitations_org_idx on public.organisation_invitations (org_id);
alter table public.organisation_invitations enable row level security;

create table public.networks (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 80),
  name text not null check (length(btrim(name)) between 2 and 200),
  description text not null default '' check (length(description) <= 5000),
  region_codes text[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger networks_touch before update on public.networks for each row execute function app.touch_updated_at();
alter table public.networks enable row level security;

create table public.network_animators (
  network_id uuid not null references public.networks (id) on delete cascade,
  user_id uuid not null references public.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (network_id, user_id)
);
create index network_animators_user_idx on public.network_animators (user_id);
alter table public.network_animators enable row level security;

create table public.network_memberships (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references public.networks (id) on delete cascade,
  org_id uuid not null references public.organisations (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'approved', 'refused', 'withdrawn', 'left', 'removed')),
  message text check (length(message) <= 2000),
  reason text check (length(reason) <= 2000),
  requested_by uuid default auth.uid() references public.users (id) on delete set null,
  requested_at timestamptz not null default now(),
  decided_by uuid references public.users (id) on delete set null,
  decided_at timestamptz
);
create unique index network_memberships_open_key on public.network_memberships (network_id, org_id)
  where status in ('pending', 'approved');
create index network_memberships_org_idx on public.network_memberships (org_id);
alter table public.network_memberships enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Policy helpers: security definer so that policies do not recurse through each other's RLS.
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.is_platform_admin() returns boolean
  language sql stable security definer set search_path = ''
  as $$ select coalesce((select u.is_platform_admin from public.users u where u.id = auth.uid()), false) $$;

create or replace function app.org_role(p_org uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select m.role from public.organisation_members m where m.org_id = p_org and m.user_id = auth.uid() $$;

create or replace function app.is_org_member(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.organisation_members m where m.org_id = p_org and m.user_id = auth.uid()) $$;

create or replace function app.has_org_role(p_org uuid, p_roles text[]) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.organisation_members m
                       where m.org_id = p_org and m.user_id = auth.uid() and m.role = any (p_roles)) $$;

create or replace function app.is_network_animator(p_network uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.network_animators a where a.network_id = p_network and a.user_id = auth.uid()) $$;

-- The caller animates a network that this collectivité belongs to or has asked to join (any request, so that
-- an animator keeps seeing the history of decisions).
create or replace function app.animates_org(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (
    select 1 from public.network_memberships nm
    join public.network_animators a on a.network_id = nm.network_id and a.user_id = auth.uid()
    where nm.org_id = p_org) $$;

-- The caller belongs to a collectivité that is an approved member of this network.
create or replace function app.is_network_member(p_network uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (
    select 1 from public.network_memberships nm
    join public.organisation_members m on m.org_id = nm.org_id and m.user_id = auth.uid()
    where nm.network_id = p_network and nm.status = 'approved') $$;

-- The collectivité p_org is an approved member of a network the caller's collectivité also belongs to.
create or replace function app.shares_network_with(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (
    select 1 from public.network_memberships theirs
    join public.network_memberships mine on mine.network_id = theirs.network_id and mine.status = 'approved'
    join public.organisation_members m on m.org_id = mine.org_id and m.user_id = auth.uid()
    where theirs.org_id = p_org and theirs.status = 'approved') $$;

-- The caller may see this person's profile (name, e-mail): themself, a colleague, a network animator, or a
-- member of a collectivité the caller animates.
create or replace function app.can_see_user(p_user uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select p_user = auth.uid()
    or exists (select 1 from public.organisation_members a
               join public.organisation_members b on b.org_id = a.org_id
               where a.user_id = auth.uid() and b.user_id = p_user)
    or exists (select 1 from public.network_animators na where na.user_id = p_user)
    or exists (select 1 from public.organisation_members b
               join public.network_memberships nm on nm.org_id = b.org_id
               join public.network_animators na on na.network_id = nm.network_id and na.user_id = auth.uid()
               where b.user_id = p_user) $$;

revoke all on function app.is_platform_admin(), app.org_role(uuid), app.is_org_member(uuid),
  app.has_org_role(uuid, text[]), app.is_network_animator(uuid), app.animates_org(uuid),
  app.is_network_member(uuid), app.shares_network_with(uuid), app.can_see_user(uuid) from public;
grant execute on function app.is_platform_admin(), app.org_role(uuid), app.is_org_member(uuid),
  app.has_org_role(uuid, text[]), app.is_network_animator(uuid), app.animates_org(uuid),
  app.is_network_member(uuid), app.shares_network_with(uuid), app.can_see_user(uuid), app.luhn_ok(text)
  to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Grants (RLS decides rows; grants decide tables and columns)
-- ---------------------------------------------------------------------------------------------------------
grant usage on schema public to anon, authenticated, service_role;
revoke all on public.users, public.user_credentials, public.sessions, public.auth_tokens, public.rate_limits,
  public.api_tokens, public.email_outbox, public.organisations, public.organisation_logos,
  public.organisation_members, public.organisation_invitations, public.networks, public.network_animators,
  public.network_memberships from anon, authenticated;
grant all on public.users, public.user_credentials, public.sessions, public.auth_tokens, public.rate_limits,
  public.api_tokens, public.email_outbox, public.organisations, public.organisation_logos,
  public.organisation_members, public.organisation_invitations, public.networks, public.network_animators,
  public.network_memberships to service_role;

grant select on public.networks, public.network_animators to anon;
grant select (id, email, display_name, email_verified_at, is_platform_admin, created_at, updated_at) on public.users to authenticated;
grant update (display_name, is_platform_admin) on public.users to authenticated;
grant select (id, user_id, created_at, last_verified_at, user_agent, ip) on public.sessions to authenticated;
grant delete on public.sessions to authenticated;
grant select (id, user_id, name, scopes, created_at, last_used_at, expires_at, revoked_at) on public.api_tokens to authenticated;
grant update (revoked_at, name) on public.api_tokens to authenticated;
grant select on public.email_outbox to authenticated;
grant select, insert, update, delete on public.organisations, public.organisation_logos,
  public.networks, public.network_animators to authenticated;
-- Nobody joins a collectivité by inserting a membership row: only by creating it (trigger) or by accepting an
-- invitation sent to their own verified address (app.accept_invitation). Admins change roles and remove members;
-- org_id and user_id are never rewritten (that would be a way in without consent).
grant select, delete on public.organisation_members to authenticated;
grant update (role) on public.organisation_members to authenticated;
grant select (id, org_id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
  on public.organisation_invitations to authenticated;
grant insert, delete on public.organisation_invitations to authenticated;
grant update (revoked_at) on public.organisation_invitations to authenticated;
grant select, insert on public.network_memberships to authenticated;
grant update (status, reason, decided_by, decided_at) on public.network_memberships to authenticated;
grant delete on public.network_memberships to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------------------
-- users: see yourself, colleagues, animators; change your own name; platform admins see and change all.
create policy users_select on public.users for select to authenticated
  using (app.can_see_user(id) or app.is_platform_admin());
create policy users_update on public.users for update to authenticated
  using (id = auth.uid() or app.is_platform_admin())
  with check (id = auth.uid() or app.is_platform_admin());

create or replace function app.users_guard() returns trigger
  language plpgsql
  as $$
  begin
    if current_user = 'authenticated' and new.is_platform_admin is distinct from old.is_platform_admin
       and not app.is_platform_admin() then
      raise exception 'only a platform admin can change platform admin rights' using errcode = '42501';
    end if;
    if current_user = 'authenticated' and new.id = auth.uid() and old.is_platform_admin and not new.is_platform_admin then
      raise exception 'a platform admin cannot remove their own rights' using errcode = '42501';
    end if;
    return new;
  end
  $$;
create trigger users_guard before update on public.users for each row execute function app.users_guard();

-- user_credentials, auth_tokens, rate_limits: no policy at all. Only the named service role (server code for
-- sign-up, login and resets) reads or writes them.

-- sessions: a user lists and ends their own sessions ("log out everywhere").
create policy sessions_select on public.sessions for select to authenticated using (user_id = auth.uid());
create policy sessions_delete on public.sessions for delete to authenticated using (user_id = auth.uid());

-- api_tokens: a user manages their own tokens (created through the service that generates the secret).
create policy api_tokens_select on public.api_tokens for select to authenticated using (user_id = auth.uid());
create policy api_tokens_update on public.api_tokens for update to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());

-- Revocation is final: a revoked API token (or invitation) cannot be brought back through the API, e.g. by someone
-- holding a stolen session who would turn a revoked token into lasting access.
create or replace function app.revocation_is_final() returns trigger
  language plpgsql
  as $$
  begin
    if current_user = 'authenticated' and old.revoked_at is not null
       and new.revoked_at is distinct from old.revoked_at then
      raise exception 'revocation_final' using errcode = '42501';
    end if;
    return new;
  end
  $$;
create trigger api_tokens_revocation_final before update on public.api_tokens
  for each row execute function app.revocation_is_final();

-- email_outbox: readable by platform admins (delivery without SMTP). Written by the service role only.
create policy email_outbox_select on public.email_outbox for select to authenticated using (app.is_platform_admin());

-- organisations
-- The creator is made admin by an AFTER trigger, which runs after INSERT … RETURNING checks this policy: the
-- creator therefore sees the row within the creating transaction (created_at = now(), the transaction start),
-- and no longer once they have left the collectivité.
create policy organisations_select on public.organisations for select to authenticated
  using (app.is_org_member(id) or (created_by = auth.uid() and created_at = now()) or app.animates_org(id)
         or app.shares_network_with(id) or app.is_platform_admin());
create policy organisations_insert on public.organisations for insert to authenticated
  with check (created_by = auth.uid());
create policy organisations_update on public.organisations for update to authenticated
  using (app.has_org_role(id, array['admin']) or app.is_platform_admin())
  with check (app.has_org_role(id, array['admin']) or app.is_platform_admin());
create policy organisations_delete on public.organisations for delete to authenticated
  using (app.is_platform_admin());

-- The creator of a collectivité becomes its first admin.
create or replace function app.organisations_add_creator() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if new.created_by is not null then
      insert into public.organisation_members (org_id, user_id, role) values (new.id, new.created_by, 'admin')
      on conflict do nothing;
    end if;
    return new;
  end
  $$;
create trigger organisations_add_creator after insert on public.organisations
  for each row execute function app.organisations_add_creator();

-- logos
create policy organisation_logos_select on public.organisation_logos for select to authenticated
  using (exists (select 1 from public.organisations o where o.id = org_id));
create policy organisation_logos_write on public.organisation_logos for all to authenticated
  using (app.has_org_role(org_id, array['admin'])) with check (app.has_org_role(org_id, array['admin']));

-- members
create policy organisation_members_select on public.organisation_members for select to authenticated
  using (app.is_org_member(org_id) or app.animates_org(org_id) or app.is_platform_admin());
create policy organisation_members_update on public.organisation_members for update to authenticated
  using (app.has_org_role(org_id, array['admin'])) with check (app.has_org_role(org_id, array['admin']));
create policy organisation_members_delete on public.organisation_members for delete to authenticated
  using (app.has_org_role(org_id, array['admin']) or user_id = auth.uid());

-- The last admin of a collectivité can neither leave nor be demoted or removed.
create or replace function app.organisation_members_keep_admin() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if old.role = 'admin' and (tg_op = 'DELETE' or new.role <> 'admin')
       and exists (select 1 from public.organisations o where o.id = old.org_id)
       and not exists (select 1 from public.organisation_members m
                       where m.org_id = old.org_id and m.role = 'admin' and m.user_id <> old.user_id) then
      raise exception 'last_admin' using errcode = 'P0001',
        detail = 'Une collectivité doit garder au moins un administrateur.';
    end if;
    if tg_op = 'DELETE' then return old; end if;
    return new;
  end
  $$;
create trigger organisation_members_keep_admin before update or delete on public.organisation_members
  for each row execute function app.organisation_members_keep_admin();

-- invitations
create policy organisation_invitations_select on public.organisation_invitations for select to authenticated
  using (app.has_org_role(org_id, array['admin']) or app.is_platform_admin());
create policy organisation_invitations_insert on public.organisation_invitations for insert to authenticated
  with check (app.has_org_role(org_id, array['admin']) and invited_by = auth.uid());
create policy organisation_invitations_update on public.organisation_invitations for update to authenticated
  using (app.has_org_role(org_id, array['admin'])) with check (app.has_org_role(org_id, array['admin']));
create policy organisation_invitations_delete on public.organisation_invitations for delete to authenticated
  using (app.has_org_role(org_id, array['admin']));
create trigger organisation_invitations_revocation_final before update on public.organisation_invitations
  for each row execute function app.revocation_is_final();

-- Accepting an invitation: the only way into a collectivité one is not admin of. The token hash is the secret;
-- the account's verified e-mail must be the invited one.
create or replace function app.accept_invitation(p_token_hash bytea) returns uuid
  language plpgsql security definer set search_path = ''
  as $$
  declare
    inv public.organisation_invitations;
    me public.users;
  begin
    select * into me from public.users where id = auth.uid();
    if me.id is null then
      raise exception 'not_authenticated' using errcode = '42501';
    end if;
    select * into inv from public.organisation_invitations where token_hash = p_token_hash for update;
    if inv.id is null or inv.revoked_at is not null then
      raise exception 'invitation_invalid' using errcode = 'P0001';
    end if;
    if inv.accepted_at is not null then
      raise exception 'invitation_used' using errcode = 'P0001';
    end if;
    if inv.expires_at < now() then
      raise exception 'invitation_expired' using errcode = 'P0001';
    end if;
    if lower(inv.email) <> lower(me.email) then
      raise exception 'invitation_other_email' using errcode = 'P0001';
    end if;
    if me.email_verified_at is null then
      raise exception 'email_not_verified' using errcode = 'P0001';
    end if;
    insert into public.organisation_members (org_id, user_id, role) values (inv.org_id, me.id, inv.role)
      on conflict (org_id, user_id) do nothing;
    update public.organisation_invitations set accepted_at = now(), accepted_by = me.id where id = inv.id;
    return inv.org_id;
  end
  $$;
revoke all on function app.accept_invitation(bytea) from public;
grant execute on function app.accept_invitation(bytea) to authenticated;

-- Transfer the admin role: promote the other member and step down, atomically.
create or replace function app.transfer_admin(p_org uuid, p_to uuid) returns void
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if not app.has_org_role(p_org, array['admin']) then
      raise exception 'not_admin' using errcode = '42501';
    end if;
    if p_to = auth.uid() or not exists (select 1 from public.organisation_members where org_id = p_org and user_id = p_to) then
      raise exception 'not_a_member' using errcode = 'P0001';
    end if;
    update public.organisation_members set role = 'admin' where org_id = p_org and user_id = p_to;
    update public.organisation_members set role = 'editor' where org_id = p_org and user_id = auth.uid();
  end
  $$;
revoke all on function app.transfer_admin(uuid, uuid) from public;
grant execute on function app.transfer_admin(uuid, uuid) to authenticated;

-- networks: a public directory; platform admins create, animators describe.
create policy networks_select_anon on public.networks for select to anon using (true);
create policy networks_select on public.networks for select to authenticated using (true);
create policy networks_insert on public.networks for insert to authenticated with check (app.is_platform_admin());
create policy networks_update on public.networks for update to authenticated
  using (app.is_platform_admin() or app.is_network_animator(id))
  with check (app.is_platform_admin() or app.is_network_animator(id));
create policy networks_delete on public.networks for delete to authenticated using (app.is_platform_admin());

create policy network_animators_select_anon on public.network_animators for select to anon using (true);
create policy network_animators_select on public.network_animators for select to authenticated using (true);
create policy network_animators_insert on public.network_animators for insert to authenticated with check (app.is_platform_admin());
create policy network_animators_update on public.network_animators for update to authenticated
  using (app.is_platform_admin()) with check (app.is_platform_admin());
create policy network_animators_delete on public.network_animators for delete to authenticated using (app.is_platform_admin());

-- network memberships: a collectivité admin asks, an animator decides; members of the network see who is in.
create policy network_memberships_select on public.network_memberships for select to authenticated
  using (app.is_org_member(org_id) or app.is_network_animator(network_id) or app.is_platform_admin()
         or (status = 'approved' and app.is_network_member(network_id)));
create policy network_memberships_insert on public.network_memberships for insert to authenticated
  with check (app.has_org_role(org_id, array['admin']) and status = 'pending' and requested_by = auth.uid()
              and decided_by is null and decided_at is null);
create policy network_memberships_update on public.network_memberships for update to authenticated
  using (app.is_network_animator(network_id) or app.has_org_role(org_id, array['admin']) or app.is_platform_admin())
  with check (app.is_network_animator(network_id) or app.has_org_role(org_id, array['admin']) or app.is_platform_admin());
create policy network_memberships_delete on public.network_memberships for delete to authenticated
  using (app.is_platform_admin());

-- Allowed transitions: animators decide (pending → approved/refused, approved → removed); the collectivité
-- withdraws its request (pending → withdrawn) or leaves (approved → left). Every transition is signed by the
-- person who makes it (decided_by, decided_at); without a transition, nothing may change (a decision, its reason
-- or its author are never rewritten).
create or replace function app.network_memberships_transition() returns trigger
  language plpgsql
  as $$
  declare
    is_anim boolean := app.is_network_animator(old.network_id) or app.is_platform_admin();
    is_admin boolean := app.has_org_role(old.org_id, array['admin']);
  begin
    if current_user <> 'authenticated' then return new; end if;
    if new.status = old.status then
      if (new.reason, new.decided_by, new.decided_at) is not distinct from (old.reason, old.decided_by, old.decided_at) then
        return new;
      end if;
      raise exception 'transition_not_allowed' using errcode = '42501';
    end if;
    if is_anim and old.status = 'pending' and new.status in ('approved', 'refused') then
      if new.status = 'refused' and coalesce(btrim(new.reason), '') = '' then
        raise exception 'reason_required' using errcode = 'P0001';
      end if;
      new.decided_by := auth.uid(); new.decided_at := now(); return new;
    end if;
    if is_anim and old.status = 'approved' and new.status = 'removed' then
      new.decided_by := auth.uid(); new.decided_at := now(); return new;
    end if;
    if is_admin and old.status = 'pending' and new.status = 'withdrawn' then
      new.decided_by := auth.uid(); new.decided_at := now(); return new;
    end if;
    if is_admin and old.status = 'approved' and new.status = 'left' then
      new.decided_by := auth.uid(); new.decided_at := now(); return new;
    end if;
    raise exception 'transition_not_allowed' using errcode = '42501';
  end
  $$;
create trigger network_memberships_transition before update on public.network_memberships
  for each row execute function app.network_memberships_transition();
