-- Guichet vert: advice sessions and « questions minute » between the members of a network's collectivités and
-- the network's animators. Only buyers (members of collectivités that are APPROVED members of the network), the
-- network's animators and platform admins (support) see anything; companies never do. Every exchange is kept:
-- no delete grant on requests, messages, bookings, history, reports or surveys.
--
-- No double booking, ever: exclusion constraints on the animator's blocked range (session widened by buffers)
-- and on the booker's own session range, for live bookings (pending or confirmed).

create extension if not exists btree_gist;

-- E-mails may carry files (the ICS of a booking): [{ filename, contentType, content }] with text content.
alter table public.email_outbox add column if not exists attachments jsonb;

-- ---------------------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------------------

-- Per-network rules for changes.
create table public.guichet_settings (
  network_id uuid primary key references public.networks (id) on delete cascade,
  cancel_min_notice_minutes integer not null default 1440 check (cancel_min_notice_minutes between 0 and 43200),
  reschedule_min_notice_minutes integer not null default 1440 check (reschedule_min_notice_minutes between 0 and 43200),
  buyer_may_cancel boolean not null default true,
  buyer_may_reschedule boolean not null default true,
  updated_at timestamptz not null default now()
);
alter table public.guichet_settings enable row level security;

-- An animator's offer in one network.
create table public.guichet_profiles (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null,
  animator_id uuid not null,
  session_minutes integer not null default 45 check (session_minutes between 10 and 480),
  buffer_before_minutes integer not null default 0 check (buffer_before_minutes between 0 and 240),
  buffer_after_minutes integer not null default 15 check (buffer_after_minutes between 0 and 240),
  min_notice_minutes integer not null default 1440 check (min_notice_minutes between 0 and 43200),
  horizon_days integer not null default 60 check (horizon_days between 1 and 365),
  max_per_day integer check (max_per_day is null or max_per_day between 1 and 50),
  slot_step_minutes integer check (slot_step_minutes is null or slot_step_minutes between 5 and 240),
  modalities text[] not null default '{visio}' check (modalities <@ array['visio', 'telephone', 'sur_place'] and cardinality(modalities) > 0),
  visio_url text check (visio_url is null or visio_url ~ '^https://'),
  phone text,
  address text,
  topics text[] not null default '{}',
  confirmation_mode text not null default 'auto' check (confirmation_mode in ('auto', 'manual')),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (network_id, animator_id),
  foreign key (network_id, animator_id) references public.network_animators (network_id, user_id) on delete cascade
);
alter table public.guichet_profiles enable row level security;

create table public.guichet_hours (
  id uuid primary key default gen_random_uuid(),
  profile_id uuid not null references public.guichet_profiles (id) on delete cascade,
  weekday smallint not null check (weekday between 1 and 7),
  start_time time not null,
  end_time time not null,
  check (start_time < end_time)
);
create index guichet_hours_profile_idx on public.guichet_hours (profile_id);
alter table public.guichet_hours enable row level security;

create table public.guichet_exceptions (
  id uuid primary key default gen_random_uuid(),
  profile_id uuid not null references public.guichet_profiles (id) on delete cascade,
  during tstzrange not null check (not isempty(during)),
  reason text not null default '' check (length(reason) <= 500)
);
create index guichet_exceptions_profile_idx on public.guichet_exceptions (profile_id);
alter table public.guichet_exceptions enable row level security;

-- A request for help: a written « question minute » or a session.
create table public.guichet_requests (
  id uuid primary key default gen_random_uuid(),
  network_id uuid not null references public.networks (id) on delete cascade,
  org_id uuid not null references public.organisations (id) on delete cascade,
  requester_id uuid not null default auth.uid() references public.users (id),
  kind text not null check (kind in ('question', 'session')),
  topic text not null check (length(topic) between 1 and 200),
  segment text not null default '' check (length(segment) <= 200),
  stage text not null check (stage in ('definition_besoin', 'redaction_dce', 'analyse_offres', 'execution', 'spaser')),
  question text not null check (length(question) between 1 and 10000),
  deadline date,
  status text not null default 'open' check (status in ('open', 'answered', 'closed')),
  assigned_animator_id uuid references public.users (id),
  redirected_from uuid references public.users (id),
  created_at timestamptz not null default now(),
  answered_at timestamptz,
  closed_at timestamptz
);
create index guichet_requests_network_idx on public.guichet_requests (network_id, created_at);
alter table public.guichet_requests enable row level security;

create table public.guichet_messages (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null references public.guichet_requests (id) on delete cascade,
  author_id uuid not null default auth.uid() references public.users (id),
  body text not null check (length(body) between 1 and 10000),
  created_at timestamptz not null default now()
);
create index guichet_messages_request_idx on public.guichet_messages (request_id, created_at);
alter table public.guichet_messages enable row level security;

create table public.guichet_bookings (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null references public.guichet_requests (id) on delete cascade,
  network_id uuid not null references public.networks (id) on delete cascade,
  animator_id uuid not null references public.users (id),
  booker_id uuid not null default auth.uid() references public.users (id),
  org_id uuid not null references public.organisations (id) on delete cascade,
  during tstzrange not null check (not isempty(during) and lower_inc(during) and not upper_inc(during)),
  blocked tstzrange not null check (blocked @> during),
  modality text not null check (modality in ('visio', 'telephone', 'sur_place')),
  status text not null check (status in ('pending', 'confirmed', 'cancelled', 'done', 'no_show')),
  ical_uid text not null unique default (gen_random_uuid()::text || '@guichet.spaser-commun'),
  sequence integer not null default 0 check (sequence >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint guichet_bookings_no_double_booking
    exclude using gist (animator_id with =, blocked with &&) where (status in ('pending', 'confirmed')),
  constraint guichet_bookings_no_booker_overlap
    exclude using gist (booker_id with =, during with &&) where (status in ('pending', 'confirmed'))
);
create index guichet_bookings_network_idx on public.guichet_bookings (network_id, lower(during));
create index guichet_bookings_booker_idx on public.guichet_bookings (booker_id);
alter table public.guichet_bookings enable row level security;

-- History of a booking: every change, by whom, why.
create table public.guichet_booking_events (
  id uuid primary key default gen_random_uuid(),
  booking_id uuid not null references public.guichet_bookings (id) on delete cascade,
  actor_id uuid not null default auth.uid() references public.users (id),
  action text not null check (action in ('created', 'confirmed', 'cancelled', 'rescheduled', 'done', 'no_show', 'redirected')),
  reason text not null default '' check (length(reason) <= 2000),
  old_during tstzrange,
  new_during tstzrange,
  created_at timestamptz not null default now()
);
create index guichet_booking_events_booking_idx on public.guichet_booking_events (booking_id, created_at);
alter table public.guichet_booking_events enable row level security;

-- Compte-rendu written by the animator after the session.
create table public.guichet_reports (
  booking_id uuid primary key references public.guichet_bookings (id) on delete cascade,
  author_id uuid not null default auth.uid() references public.users (id),
  advice text not null default '' check (length(advice) <= 20000),
  resource_ids text[] not null default '{}',
  next_steps text not null default '' check (length(next_steps) <= 10000),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.guichet_reports enable row level security;

-- Satisfaction survey: answered once by the booker.
create table public.guichet_surveys (
  booking_id uuid primary key references public.guichet_bookings (id) on delete cascade,
  respondent_id uuid not null default auth.uid() references public.users (id),
  rating smallint not null check (rating between 1 and 5),
  comment text not null default '' check (length(comment) <= 2000),
  created_at timestamptz not null default now()
);
alter table public.guichet_surveys enable row level security;

-- Private calendar feed URLs (only the SHA-256 of the token is stored).
create table public.guichet_feed_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null default auth.uid() references public.users (id) on delete cascade,
  token_hash bytea not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index guichet_feed_tokens_user_idx on public.guichet_feed_tokens (user_id);
alter table public.guichet_feed_tokens enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Policy helpers (security definer: no recursion through RLS)
-- ---------------------------------------------------------------------------------------------------------

-- The caller is a member of p_org and p_org is an approved member of p_network.
create or replace function app.guichet_is_buyer(p_network uuid, p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (
    select 1 from public.network_memberships nm
    join public.organisation_members m on m.org_id = nm.org_id and m.user_id = auth.uid()
    where nm.network_id = p_network and nm.org_id = p_org and nm.status = 'approved') $$;

create or replace function app.guichet_sees_network(p_network uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select app.is_network_animator(p_network) or app.is_network_member(p_network) or app.is_platform_admin() $$;

create or replace function app.guichet_sees_profile(p_profile uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.guichet_profiles p where p.id = p_profile and app.guichet_sees_network(p.network_id)) $$;

create or replace function app.guichet_owns_profile(p_profile uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.guichet_profiles p
                       where p.id = p_profile and p.animator_id = auth.uid() and app.is_network_animator(p.network_id)) $$;

-- 'buyer' (the requester, or a colleague buyer), 'animator' (of the request's network), 'admin' or null.
create or replace function app.guichet_request_side(p_request uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select case
      when r.id is null then null
      when app.is_network_animator(r.network_id) then 'animator'
      when r.requester_id = auth.uid() or app.guichet_is_buyer(r.network_id, r.org_id) then 'buyer'
      when app.is_platform_admin() then 'admin'
    end
    from (select 1) one left join public.guichet_requests r on r.id = p_request $$;

-- 'booker', 'animator' (of the booking's network), 'buyer' (a colleague), 'admin' or null.
create or replace function app.guichet_booking_side(p_booking uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select case
      when b.id is null then null
      when b.booker_id = auth.uid() then 'booker'
      when app.is_network_animator(b.network_id) then 'animator'
      when app.guichet_is_buyer(b.network_id, b.org_id) then 'buyer'
      when app.is_platform_admin() then 'admin'
    end
    from (select 1) one left join public.guichet_bookings b on b.id = p_booking $$;

-- Busy times of animators, for free-slot computation: only the instants (never who booked, nor which
-- network), all networks of the animator included, and only for animators of a network the caller sees.
-- counts_for_month: the session counts for the fair distribution (not cancelled).
create or replace function app.guichet_busy(p_animators uuid[], p_from timestamptz, p_to timestamptz)
  returns table (animator_id uuid, starts_at timestamptz, ends_at timestamptz, live boolean)
  language sql stable security definer set search_path = ''
  as $$ select b.animator_id, lower(b.during), upper(b.during), b.status in ('pending', 'confirmed')
          from public.guichet_bookings b
         where b.animator_id = any (p_animators) and b.status <> 'cancelled'
           and b.blocked && tstzrange(p_from, p_to)
           and exists (select 1 from public.network_animators a
                        where a.user_id = b.animator_id and app.guichet_sees_network(a.network_id)) $$;

revoke all on function app.guichet_is_buyer(uuid, uuid), app.guichet_sees_network(uuid), app.guichet_sees_profile(uuid),
  app.guichet_owns_profile(uuid), app.guichet_request_side(uuid), app.guichet_booking_side(uuid),
  app.guichet_busy(uuid[], timestamptz, timestamptz) from public;
grant execute on function app.guichet_is_buyer(uuid, uuid), app.guichet_sees_network(uuid), app.guichet_sees_profile(uuid),
  app.guichet_owns_profile(uuid), app.guichet_request_side(uuid), app.guichet_booking_side(uuid),
  app.guichet_busy(uuid[], timestamptz, timestamptz)
  to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Grants: nothing for anon; no delete on anything that records an exchange.
-- ---------------------------------------------------------------------------------------------------------
revoke all on public.guichet_settings, public.guichet_profiles, public.guichet_hours, public.guichet_exceptions,
  public.guichet_requests, public.guichet_messages, public.guichet_bookings, public.guichet_booking_events,
  public.guichet_reports, public.guichet_surveys, public.guichet_feed_tokens from anon, authenticated;
grant all on public.guichet_settings, public.guichet_profiles, public.guichet_hours, public.guichet_exceptions,
  public.guichet_requests, public.guichet_messages, public.guichet_bookings, public.guichet_booking_events,
  public.guichet_reports, public.guichet_surveys, public.guichet_feed_tokens to service_role;

grant select, insert on public.guichet_settings to authenticated;
grant update (cancel_min_notice_minutes, reschedule_min_notice_minutes, buyer_may_cancel, buyer_may_reschedule, updated_at)
  on public.guichet_settings to authenticated;
grant select, insert on public.guichet_profiles to authenticated;
grant update (session_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, horizon_days, max_per_day,
  slot_step_minutes, modalities, visio_url, phone, address, topics, confirmation_mode, active, updated_at)
  on public.guichet_profiles to authenticated;
grant select, insert, update, delete on public.guichet_hours, public.guichet_exceptions to authenticated;
grant select, insert on public.guichet_requests to authenticated;
grant update (status, assigned_animator_id, redirected_from, answered_at, closed_at) on public.guichet_requests to authenticated;
grant select, insert on public.guichet_messages to authenticated;
grant select, insert on public.guichet_bookings to authenticated;
grant update (animator_id, during, blocked, modality, status, sequence, updated_at) on public.guichet_bookings to authenticated;
grant select, insert on public.guichet_booking_events to authenticated;
grant select, insert on public.guichet_reports to authenticated;
grant update (advice, resource_ids, next_steps, updated_at) on public.guichet_reports to authenticated;
grant select, insert on public.guichet_surveys to authenticated;
grant select (id, user_id, created_at, revoked_at) on public.guichet_feed_tokens to authenticated;
grant insert on public.guichet_feed_tokens to authenticated;
grant update (revoked_at) on public.guichet_feed_tokens to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------------------
create policy guichet_settings_select on public.guichet_settings for select to authenticated
  using (app.guichet_sees_network(network_id));
create policy guichet_settings_insert on public.guichet_settings for insert to authenticated
  with check (app.is_network_animator(network_id));
create policy guichet_settings_update on public.guichet_settings for update to authenticated
  using (app.is_network_animator(network_id)) with check (app.is_network_animator(network_id));

create policy guichet_profiles_select on public.guichet_profiles for select to authenticated
  using (app.guichet_sees_network(network_id));
create policy guichet_profiles_insert on public.guichet_profiles for insert to authenticated
  with check (animator_id = auth.uid() and app.is_network_animator(network_id));
create policy guichet_profiles_update on public.guichet_profiles for update to authenticated
  using (animator_id = auth.uid() and app.is_network_animator(network_id))
  with check (animator_id = auth.uid() and app.is_network_animator(network_id));

create policy guichet_hours_select on public.guichet_hours for select to authenticated using (app.guichet_sees_profile(profile_id));
create policy guichet_hours_write on public.guichet_hours for all to authenticated
  using (app.guichet_owns_profile(profile_id)) with check (app.guichet_owns_profile(profile_id));
create policy guichet_exceptions_select on public.guichet_exceptions for select to authenticated using (app.guichet_sees_profile(profile_id));
create policy guichet_exceptions_write on public.guichet_exceptions for all to authenticated
  using (app.guichet_owns_profile(profile_id)) with check (app.guichet_owns_profile(profile_id));

create policy guichet_requests_select on public.guichet_requests for select to authenticated
  using (requester_id = auth.uid() or app.is_network_animator(network_id) or app.guichet_is_buyer(network_id, org_id)
         or app.is_platform_admin());
create policy guichet_requests_insert on public.guichet_requests for insert to authenticated
  with check (requester_id = auth.uid() and app.guichet_is_buyer(network_id, org_id)
              and (assigned_animator_id is null or exists (select 1 from public.network_animators a
                   where a.network_id = guichet_requests.network_id and a.user_id = guichet_requests.assigned_animator_id)));
create policy guichet_requests_update on public.guichet_requests for update to authenticated
  using (requester_id = auth.uid() or app.is_network_animator(network_id))
  with check ((requester_id = auth.uid() or app.is_network_animator(network_id))
              and (assigned_animator_id is null or exists (select 1 from public.network_animators a
                   where a.network_id = guichet_requests.network_id and a.user_id = guichet_requests.assigned_animator_id)));

create policy guichet_messages_select on public.guichet_messages for select to authenticated
  using (app.guichet_request_side(request_id) is not null);
create policy guichet_messages_insert on public.guichet_messages for insert to authenticated
  with check (author_id = auth.uid() and app.guichet_request_side(request_id) in ('buyer', 'animator'));

create policy guichet_bookings_select on public.guichet_bookings for select to authenticated
  using (booker_id = auth.uid() or app.is_network_animator(network_id) or app.guichet_is_buyer(network_id, org_id)
         or app.is_platform_admin());
create policy guichet_bookings_insert on public.guichet_bookings for insert to authenticated
  with check (booker_id = auth.uid() and app.guichet_is_buyer(network_id, org_id)
              and exists (select 1 from public.network_animators a
                          where a.network_id = guichet_bookings.network_id and a.user_id = guichet_bookings.animator_id)
              and app.guichet_request_side(request_id) = 'buyer');
create policy guichet_bookings_update on public.guichet_bookings for update to authenticated
  using (booker_id = auth.uid() or app.is_network_animator(network_id))
  with check ((booker_id = auth.uid() or app.is_network_animator(network_id))
              and exists (select 1 from public.network_animators a
                          where a.network_id = guichet_bookings.network_id and a.user_id = guichet_bookings.animator_id));

create policy guichet_booking_events_select on public.guichet_booking_events for select to authenticated
  using (app.guichet_booking_side(booking_id) is not null);
create policy guichet_booking_events_insert on public.guichet_booking_events for insert to authenticated
  with check (actor_id = auth.uid() and app.guichet_booking_side(booking_id) in ('booker', 'animator'));

create policy guichet_reports_select on public.guichet_reports for select to authenticated
  using (app.guichet_booking_side(booking_id) is not null);
create policy guichet_reports_insert on public.guichet_reports for insert to authenticated
  with check (author_id = auth.uid() and app.guichet_booking_side(booking_id) = 'animator');
create policy guichet_reports_update on public.guichet_reports for update to authenticated
  using (author_id = auth.uid() and app.guichet_booking_side(booking_id) = 'animator')
  with check (author_id = auth.uid());

create policy guichet_surveys_select on public.guichet_surveys for select to authenticated
  using (app.guichet_booking_side(booking_id) is not null);
create policy guichet_surveys_insert on public.guichet_surveys for insert to authenticated
  with check (respondent_id = auth.uid() and app.guichet_booking_side(booking_id) = 'booker');

create policy guichet_feed_tokens_select on public.guichet_feed_tokens for select to authenticated using (user_id = auth.uid());
create policy guichet_feed_tokens_insert on public.guichet_feed_tokens for insert to authenticated with check (user_id = auth.uid());
create policy guichet_feed_tokens_update on public.guichet_feed_tokens for update to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
create trigger guichet_feed_tokens_revocation_is_final before update on public.guichet_feed_tokens
  for each row execute function app.revocation_is_final();
