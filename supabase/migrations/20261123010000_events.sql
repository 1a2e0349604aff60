-- Trainings and network events: programmes of sessions with choice groups (pick one workshop among A/B/C, then
-- one among D/E/F), registrations with ONE waiting list per event that understands choices, time-limited offers,
-- attendance (check-in per session, by QR code or by hand, walk-ins, no-shows) and figures.
--
-- Organisers: the animators of the organising network, or the admins/editors of the organising collectivité.
-- Capacity is enforced in the database under concurrency: every change of a registration's status goes through a
-- security-definer function that first locks the event row (FOR UPDATE), so registrations, cancellations,
-- promotions and walk-ins of one event are serialised, and counts are always read after the lock.
-- Registrations and check-ins are never written directly by the API roles (no insert/update grant): only through
-- these functions, which check who may do what.

-- ---------------------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------------------
create table public.events (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('formation', 'webinaire', 'atelier', 'rencontre', 'forum', 'matinale', 'cohorte')),
  title text not null check (length(btrim(title)) between 3 and 200),
  description text not null default '' check (length(description) <= 20000),
  organiser_network_id uuid references public.networks (id) on delete cascade,
  organiser_org_id uuid references public.organisations (id) on delete cascade,
  partners text not null default '' check (length(partners) <= 2000),
  themes text[] not null default '{}',
  -- network: members of the organising network (or of the collectivité); buyers: every public buyer; open: also companies.
  audience text not null default 'network' check (audience in ('network', 'buyers', 'open')),
  place text not null default '' check (length(place) <= 500),
  visio_url text check (visio_url is null or visio_url ~ '^https://'),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  registration_opens_at timestamptz,
  registration_closes_at timestamptz,
  capacity integer check (capacity is null or capacity between 1 and 100000),
  per_org_limit integer check (per_org_limit is null or per_org_limit between 1 and 1000),
  offer_hours integer not null default 48 check (offer_hours between 1 and 720),
  status text not null default 'draft' check (status in ('draft', 'published', 'cancelled')),
  cancel_reason text not null default '' check (length(cancel_reason) <= 2000),
  duplicated_from uuid references public.events (id) on delete set null,
  ical_uid text not null unique default (gen_random_uuid()::text || '@evenements.spaser-commun'),
  sequence integer not null default 0 check (sequence >= 0),
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (num_nonnulls(organiser_network_id, organiser_org_id) = 1),
  check (starts_at < ends_at),
  check (registration_opens_at is null or registration_closes_at is null or registration_opens_at < registration_closes_at)
);
create index events_network_idx on public.events (organiser_network_id, starts_at);
create index events_org_idx on public.events (organiser_org_id, starts_at);
create trigger events_touch before update on public.events for each row execute function app.touch_updated_at();
alter table public.events enable row level security;

-- "Choose one workshop among …": a registration picks exactly one session of each group.
create table public.event_choice_groups (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references public.events (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 200),
  position integer not null default 0
);
create index event_choice_groups_event_idx on public.event_choice_groups (event_id);
alter table public.event_choice_groups enable row level security;

-- A session of the programme (the service refuses to delete a session somebody chose, or a group with sessions;
-- the cascades only serve the deletion of a whole event, network or collectivité) (a plenary, a workshop, one date of a cohort). Sessions outside any choice group are
-- attended by every confirmed participant.
create table public.event_sessions (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references public.events (id) on delete cascade,
  choice_group_id uuid references public.event_choice_groups (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  room text not null default '' check (length(room) <= 200),
  speakers text not null default '' check (length(speakers) <= 1000),
  capacity integer check (capacity is null or capacity between 1 and 100000),
  check (starts_at < ends_at)
);
create index event_sessions_event_idx on public.event_sessions (event_id, starts_at);
alter table public.event_sessions enable row level security;

create sequence public.event_arrival_seq;

create table public.event_registrations (
  id uuid primary key default gen_random_uuid(),
  event_id uuid not null references public.events (id) on delete cascade,
  user_id uuid references public.users (id) on delete set null,
  org_id uuid references public.organisations (id) on delete set null,
  full_name text not null check (length(btrim(full_name)) between 1 and 200),
  email text not null default '' check (length(email) <= 254),
  registered_by uuid references public.users (id) on delete set null,
  status text not null check (status in ('confirmed', 'waitlisted', 'offered', 'cancelled')),
  -- Arrival order (the waiting list is read in this order).
  arrival bigint not null default nextval('public.event_arrival_seq'),
  offer_expires_at timestamptz,
  cancel_reason text check (cancel_reason in ('self', 'manager', 'organiser', 'declined', 'offer_expired', 'event_cancelled')),
  walk_in boolean not null default false,
  no_show boolean not null default false,
  -- Carried by the QR code: a random v4 UUID, shown to the participant and scanned by the organiser. It only lets an
  -- organiser (logged in) find the registration, so it is not a credential and is kept in clear (122 random bits).
  checkin_code text not null unique default replace(gen_random_uuid()::text, '-', ''),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((status = 'offered') = (offer_expires_at is not null))
);
create unique index event_registrations_once on public.event_registrations (event_id, user_id)
  where status <> 'cancelled' and user_id is not null;
create index event_registrations_event_idx on public.event_registrations (event_id, status, arrival);
create index event_registrations_user_idx on public.event_registrations (user_id);
create index event_registrations_offer_idx on public.event_registrations (offer_expires_at) where status = 'offered';
create trigger event_registrations_touch before update on public.event_registrations for each row execute function app.touch_updated_at();
alter table public.event_registrations enable row level security;

create table public.event_registration_choices (
  registration_id uuid not null references public.event_registrations (id) on delete cascade,
  choice_group_id uuid not null references public.event_choice_groups (id) on delete cascade,
  session_id uuid not null references public.event_sessions (id) on delete cascade,
  primary key (registration_id, choice_group_id)
);
create index event_registration_choices_session_idx on public.event_registration_choices (session_id);
alter table public.event_registration_choices enable row level security;

-- Presence at a session. Undo keeps the row (undone_at), so the history stays; one live check-in per session.
create table public.event_checkins (
  id uuid primary key default gen_random_uuid(),
  registration_id uuid not null references public.event_registrations (id) on delete cascade,
  session_id uuid not null references public.event_sessions (id) on delete cascade,
  method text not null check (method in ('qr', 'manual', 'walk_in')),
  checked_by uuid references public.users (id) on delete set null,
  checked_at timestamptz not null default now(),
  undone_at timestamptz,
  undone_by uuid references public.users (id) on delete set null
);
create unique index event_checkins_live on public.event_checkins (registration_id, session_id) where undone_at is null;
create index event_checkins_session_idx on public.event_checkins (session_id) where undone_at is null;
alter table public.event_checkins enable row level security;

-- ---------------------------------------------------------------------------------------------------------
-- Helpers (security definer: no recursion through RLS)
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.event_is_organiser(p_event uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.events e where e.id = p_event and (
      (e.organiser_network_id is not null and app.is_network_animator(e.organiser_network_id))
      or (e.organiser_org_id is not null and app.has_org_role(e.organiser_org_id, array['admin', 'editor'])))) $$;

-- May the caller organise events for this network / collectivité?
create or replace function app.event_may_organise(p_network uuid, p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select (p_network is not null and app.is_network_animator(p_network))
            or (p_org is not null and app.has_org_role(p_org, array['admin', 'editor'])) $$;

-- Is the collectivité p_org within the audience of the event?
create or replace function app.event_org_in_audience(p_event uuid, p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.events e where e.id = p_event and (
      e.audience in ('buyers', 'open')
      or e.organiser_org_id = p_org
      or exists (select 1 from public.network_memberships nm
                  where nm.network_id = e.organiser_network_id and nm.org_id = p_org and nm.status = 'approved'))) $$;

-- The caller may see the event: organiser, platform admin, or a published (or cancelled after publication)
-- event whose audience includes them (anyone for buyers/open audiences).
create or replace function app.event_visible(p_event uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.events e where e.id = p_event and (
      app.event_is_organiser(e.id) or app.is_platform_admin()
      or (e.status <> 'draft' and (
            e.audience in ('buyers', 'open')
            or (e.organiser_network_id is not null and app.is_network_member(e.organiser_network_id))
            or (e.organiser_org_id is not null and app.is_org_member(e.organiser_org_id))
            or exists (select 1 from public.event_registrations r where r.event_id = e.id and r.user_id = auth.uid()))))) $$;

-- The organiser's public name (a network, or a collectivité: visitors may not read collectivités, but an event's
-- organiser is public information once the event is visible).
create or replace function app.event_organiser_name(p_event uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select coalesce(n.name, o.name, '') from public.events e
          left join public.networks n on n.id = e.organiser_network_id
          left join public.organisations o on o.id = e.organiser_org_id
         where e.id = p_event and app.event_visible(e.id) $$;

-- Places taken (confirmed or offered) and people waiting, for an event the caller sees: figures, not people.
create or replace function app.event_count(p_event uuid, p_waiting boolean) returns integer
  language sql stable security definer set search_path = ''
  as $$ select case when app.event_visible(p_event) then (
           select count(*)::int from public.event_registrations r where r.event_id = p_event
              and case when p_waiting then r.status = 'waitlisted' else r.status in ('confirmed', 'offered') end) end $$;

-- The caller sees the registration: the person, who registered them, an admin of their collectivité, an organiser.
create or replace function app.event_sees_registration(p_registration uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.event_registrations r where r.id = p_registration and (
      r.user_id = auth.uid() or r.registered_by = auth.uid()
      or (r.org_id is not null and app.has_org_role(r.org_id, array['admin']))
      or app.event_is_organiser(r.event_id) or app.is_platform_admin())) $$;

-- Does this registration (its choices) fit in the remaining places, counting confirmed and offered registrations?
-- Call with the event row locked.
create or replace function app.event_fits(p_event uuid, p_sessions uuid[], p_exclude uuid default null) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select
      coalesce((select e.capacity is null
                    or (select count(*) from public.event_registrations r
                         where r.event_id = e.id and r.status in ('confirmed', 'offered') and r.id is distinct from p_exclude) < e.capacity
                  from public.events e where e.id = p_event), false)
      and not exists (
        select 1 from public.event_sessions s
         where s.id = any (p_sessions) and s.capacity is not null
           and (select count(*) from public.event_registration_choices c
                  join public.event_registrations r on r.id = c.registration_id
                 where c.session_id = s.id and r.status in ('confirmed', 'offered') and r.id is distinct from p_exclude) >= s.capacity) $$;

-- Offers the freed places to the waiting list, in arrival order: each waiting registration whose choices fit gets
-- a time-limited offer (status offered). Returns the registrations offered. Call with the event row locked.
create or replace function app.event_promote(p_event uuid, p_now timestamptz default now())
  returns setof uuid
  language plpgsql security definer set search_path = ''
  as $$
declare
  v_event public.events;
  w record;
begin
  select * into v_event from public.events where id = p_event;
  if v_event.status <> 'published' or v_event.ends_at <= p_now then return; end if;
  for w in select r.id, coalesce(array_agg(c.session_id) filter (where c.session_id is not null), '{}') as sessions
             from public.event_registrations r left join public.event_registration_choices c on c.registration_id = r.id
            where r.event_id = p_event and r.status = 'waitlisted'
            group by r.id, r.arrival order by r.arrival
  loop
    if app.event_fits(p_event, w.sessions) then
      update public.event_registrations
         set status = 'offered', offer_expires_at = least(p_now + make_interval(hours => v_event.offer_hours), v_event.starts_at)
       where id = w.id;
      return next w.id;
    end if;
  end loop;
end $$;

-- Registers p_user (or, for a walk-in, a person without an account) with one session per choice group.
-- Returns the new registration id. Errors (P0001): event_not_found, event_not_open, not_allowed, not_in_audience,
-- already_registered, invalid_choices, org_limit, full (walk-ins only: they never wait).
create or replace function app.event_register(p_event uuid, p_user uuid, p_org uuid, p_choices uuid[],
                                              p_full_name text default null, p_email text default null,
                                              p_walk_in boolean default false, p_now timestamptz default now())
  returns uuid
  language plpgsql security definer set search_path = ''
  as $$
declare
  v_event public.events;
  v_user public.users;
  v_id uuid;
  v_groups integer;
  v_valid integer;
  v_status text;
begin
  select * into v_event from public.events where id = p_event for update;
  if not found or not app.event_visible(p_event) then raise exception 'event_not_found'; end if;
  if p_walk_in then
    if not app.event_is_organiser(p_event) then raise exception 'not_allowed'; end if;
    if v_event.status <> 'published' then raise exception 'event_not_open'; end if;
  else
    if v_event.status <> 'published' or v_event.ends_at <= p_now
       or (v_event.registration_opens_at is not null and p_now < v_event.registration_opens_at)
       or (v_event.registration_closes_at is not null and p_now >= v_event.registration_closes_at)
    then raise exception 'event_not_open'; end if;
  end if;

  if p_user is not null then
    select * into v_user from public.users where id = p_user;
    if not found then raise exception 'not_allowed'; end if;
    -- Oneself, or a colleague of a collectivité the caller manages (admin), or an organiser (walk-in).
    if p_user <> auth.uid() and not (p_org is not null and app.has_org_role(p_org, array['admin']))
       and not (p_walk_in and app.event_is_organiser(p_event)) then
      raise exception 'not_allowed';
    end if;
    if p_org is not null and not exists (select 1 from public.organisation_members m where m.org_id = p_org and m.user_id = p_user) then
      raise exception 'not_a_member';
    end if;
    if exists (select 1 from public.event_registrations r where r.event_id = p_event and r.user_id = p_user and r.status <> 'cancelled') then
      raise exception 'already_registered';
    end if;
  elsif not p_walk_in then
    raise exception 'not_allowed';
  end if;

  if not p_walk_in then
    if p_org is null then
      if v_event.audience <> 'open' then raise exception 'not_in_audience'; end if;
    elsif not app.event_org_in_audience(p_event, p_org) then
      raise exception 'not_in_audience';
    end if;
    if p_org is not null and v_event.per_org_limit is not null
       and (select count(*) from public.event_registrations r
             where r.event_id = p_event and r.org_id = p_org and r.status <> 'cancelled') >= v_event.per_org_limit then
      raise exception 'org_limit';
    end if;
  end if;

  -- Exactly one session of each choice group, all of this event.
  select count(*) into v_groups from public.event_choice_groups g where g.event_id = p_event;
  select count(distinct s.choice_group_id) into v_valid from public.event_sessions s
   where s.id = any (coalesce(p_choices, '{}')) and s.event_id = p_event and s.choice_group_id is not null;
  if v_valid <> v_groups or coalesce(cardinality(p_choices), 0) <> v_groups then raise exception 'invalid_choices'; end if;

  if app.event_fits(p_event, coalesce(p_choices, '{}')) then
    v_status := 'confirmed';
  elsif p_walk_in then
    raise exception 'full';
  else
    v_status := 'waitlisted';
  end if;

  insert into public.event_registrations (event_id, user_id, org_id, full_name, email, registered_by, status, walk_in)
  values (p_event, p_user, p_org,
          coalesce(nullif(btrim(p_full_name), ''), v_user.display_name),
          coalesce(nullif(btrim(p_email), ''), v_user.email, ''),
          auth.uid(), v_status, p_walk_in)
  returning id into v_id;
  insert into public.event_registration_choices (registration_id, choice_group_id, session_id)
  select v_id, s.choice_group_id, s.id from public.event_sessions s where s.id = any (coalesce(p_choices, '{}'));
  return v_id;
end $$;

-- Cancels a registration (the person, who registered them, a manager of their collectivité or an organiser) and
-- offers the freed places. Returns the registrations that received an offer.
create or replace function app.event_cancel_registration(p_registration uuid, p_now timestamptz default now())
  returns setof uuid
  language plpgsql security definer set search_path = ''
  as $$
declare
  r public.event_registrations;
  v_reason text;
begin
  select * into r from public.event_registrations where id = p_registration;
  if not found or not app.event_sees_registration(p_registration) then raise exception 'registration_not_found'; end if;
  perform 1 from public.events where id = r.event_id for update;
  select * into r from public.event_registrations where id = p_registration;
  if r.status = 'cancelled' then raise exception 'already_cancelled'; end if;
  v_reason := case when r.user_id = auth.uid() then 'self'
                   when app.event_is_organiser(r.event_id) then 'organiser' else 'manager' end;
  update public.event_registrations set status = 'cancelled', offer_expires_at = null, cancel_reason = v_reason where id = r.id;
  return query select app.event_promote(r.event_id, p_now);
end $$;

-- The person answers an offer: accept (confirmed) or decline (cancelled, the place goes to the next).
create or replace function app.event_answer_offer(p_registration uuid, p_accept boolean, p_now timestamptz default now())
  returns setof uuid
  language plpgsql security definer set search_path = ''
  as $$
declare
  r public.event_registrations;
begin
  select * into r from public.event_registrations where id = p_registration;
  if not found or not (r.user_id = auth.uid() or r.registered_by = auth.uid()
                       or (r.org_id is not null and app.has_org_role(r.org_id, array['admin']))) then
    raise exception 'registration_not_found';
  end if;
  perform 1 from public.events where id = r.event_id for update;
  select * into r from public.event_registrations where id = p_registration;
  if r.status <> 'offered' or r.offer_expires_at <= p_now then raise exception 'offer_not_available'; end if;
  if p_accept then
    update public.event_registrations set status = 'confirmed', offer_expires_at = null where id = r.id;
  else
    update public.event_registrations set status = 'cancelled', offer_expires_at = null, cancel_reason = 'declined' where id = r.id;
    return query select app.event_promote(r.event_id, p_now);
  end if;
end $$;

-- Background job: expired offers go back (cancelled, offer_expired) and the place is offered to the next.
-- Claims with SKIP LOCKED, so several app instances can run it at once. Service role only.
-- Returns (expired registration, new offer) pairs; new_offer is null for expired rows that freed nothing.
create or replace function app.event_expire_offers(p_now timestamptz default now(), p_limit integer default 100)
  returns table (expired uuid, offered uuid)
  language plpgsql security definer set search_path = ''
  as $$
declare
  v_event uuid;
  v_ids uuid[];
begin
  for v_event in select distinct r.event_id from public.event_registrations r
                  where r.status = 'offered' and r.offer_expires_at <= p_now limit p_limit
  loop
    -- Skip an event another instance (or a registration) is working on: it will be handled next time.
    perform 1 from public.events where id = v_event for update skip locked;
    if not found then continue; end if;
    with x as (
      update public.event_registrations set status = 'cancelled', offer_expires_at = null, cancel_reason = 'offer_expired'
       where event_id = v_event and status = 'offered' and offer_expires_at <= p_now
      returning id)
    select array_agg(id) into v_ids from x;
    if v_ids is null then continue; end if;
    return query select unnest(v_ids), null::uuid;
    return query select null::uuid, p.id from app.event_promote(v_event, p_now) as p(id);
  end loop;
end $$;

-- Check-in of a confirmed registration at a session, by an organiser. Returns 'ok' or 'already'.
-- Errors: session_not_found, registration_not_found, not_registered_for_session.
create or replace function app.event_check_in(p_session uuid, p_registration uuid, p_code text, p_method text)
  returns table (registration_id uuid, result text)
  language plpgsql security definer set search_path = ''
  as $$
#variable_conflict use_column
declare
  s public.event_sessions;
  r public.event_registrations;
begin
  select * into s from public.event_sessions where id = p_session;
  if not found or not app.event_is_organiser(s.event_id) then raise exception 'session_not_found'; end if;
  if p_code is not null then
    select * into r from public.event_registrations where checkin_code = p_code and event_id = s.event_id;
  else
    select * into r from public.event_registrations where id = p_registration and event_id = s.event_id;
  end if;
  if not found then raise exception 'registration_not_found'; end if;
  if r.status <> 'confirmed' or (s.choice_group_id is not null and not exists (
        select 1 from public.event_registration_choices c where c.registration_id = r.id and c.session_id = s.id)) then
    raise exception 'not_registered_for_session';
  end if;
  insert into public.event_checkins (registration_id, session_id, method, checked_by)
  values (r.id, s.id, p_method, auth.uid())
  on conflict (registration_id, session_id) where undone_at is null do nothing;
  if found then
    update public.event_registrations set no_show = false where id = r.id and no_show;
    return query select r.id, 'ok'::text;
  else
    return query select r.id, 'already'::text;
  end if;
end $$;

create or replace function app.event_undo_check_in(p_session uuid, p_registration uuid) returns boolean
  language plpgsql security definer set search_path = ''
  as $$
declare
  v_event uuid;
begin
  select event_id into v_event from public.event_sessions where id = p_session;
  if v_event is null or not app.event_is_organiser(v_event) then raise exception 'session_not_found'; end if;
  update public.event_checkins set undone_at = now(), undone_by = auth.uid()
   where session_id = p_session and registration_id = p_registration and undone_at is null;
  return found;
end $$;

-- At the end: every confirmed registration with no check-in at all is marked no-show. Returns how many.
create or replace function app.event_mark_no_shows(p_event uuid) returns integer
  language plpgsql security definer set search_path = ''
  as $$
declare
  n integer;
begin
  if not app.event_is_organiser(p_event) then raise exception 'event_not_found'; end if;
  update public.event_registrations r set no_show = true
   where r.event_id = p_event and r.status = 'confirmed' and not r.no_show
     and not exists (select 1 from public.event_checkins c where c.registration_id = r.id and c.undone_at is null);
  get diagnostics n = row_count;
  return n;
end $$;

-- Cancelling an event cancels its live registrations (the service sends the notification first).
create or replace function app.event_cancel(p_event uuid, p_reason text) returns void
  language plpgsql security definer set search_path = ''
  as $$
begin
  if not app.event_is_organiser(p_event) then raise exception 'event_not_found'; end if;
  perform 1 from public.events where id = p_event for update;
  update public.events set status = 'cancelled', cancel_reason = coalesce(p_reason, ''), sequence = sequence + 1 where id = p_event;
  update public.event_registrations set status = 'cancelled', offer_expires_at = null, cancel_reason = 'event_cancelled'
   where event_id = p_event and status <> 'cancelled';
end $$;

revoke all on function app.event_is_organiser(uuid), app.event_may_organise(uuid, uuid), app.event_org_in_audience(uuid, uuid),
  app.event_visible(uuid), app.event_organiser_name(uuid), app.event_count(uuid, boolean), app.event_sees_registration(uuid), app.event_fits(uuid, uuid[], uuid),
  app.event_promote(uuid, timestamptz), app.event_register(uuid, uuid, uuid, uuid[], text, text, boolean, timestamptz),
  app.event_cancel_registration(uuid, timestamptz), app.event_answer_offer(uuid, boolean, timestamptz),
  app.event_expire_offers(timestamptz, integer), app.event_check_in(uuid, uuid, text, text),
  app.event_undo_check_in(uuid, uuid), app.event_mark_no_shows(uuid), app.event_cancel(uuid, text) from public;
grant execute on function app.event_is_organiser(uuid), app.event_may_organise(uuid, uuid), app.event_org_in_audience(uuid, uuid),
  app.event_visible(uuid), app.event_organiser_name(uuid), app.event_count(uuid, boolean), app.event_sees_registration(uuid)
  to anon, authenticated, service_role;
grant execute on function app.event_register(uuid, uuid, uuid, uuid[], text, text, boolean, timestamptz),
  app.event_cancel_registration(uuid, timestamptz), app.event_answer_offer(uuid, boolean, timestamptz),
  app.event_check_in(uuid, uuid, text, text), app.event_undo_check_in(uuid, uuid), app.event_mark_no_shows(uuid),
  app.event_cancel(uuid, text)
  to authenticated, service_role;
grant execute on function app.event_fits(uuid, uuid[], uuid), app.event_promote(uuid, timestamptz),
  app.event_expire_offers(timestamptz, integer) to service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Grants
-- ---------------------------------------------------------------------------------------------------------
revoke all on public.events, public.event_choice_groups, public.event_sessions, public.event_registrations,
  public.event_registration_choices, public.event_checkins from anon, authenticated;
grant all on public.events, public.event_choice_groups, public.event_sessions, public.event_registrations,
  public.event_registration_choices, public.event_checkins to service_role;
grant usage on sequence public.event_arrival_seq to service_role;

grant select on public.events, public.event_choice_groups, public.event_sessions to anon;
grant select, insert on public.events to authenticated;
grant update (kind, title, description, partners, themes, audience, place, visio_url, starts_at, ends_at,
  registration_opens_at, registration_closes_at, capacity, per_org_limit, offer_hours, status, sequence)
  on public.events to authenticated;
grant select, insert, update, delete on public.event_choice_groups, public.event_sessions to authenticated;
grant select on public.event_registrations, public.event_registration_choices, public.event_checkins to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Policies
-- ---------------------------------------------------------------------------------------------------------
-- The organiser test reads the row's own columns: an INSERT … RETURNING does not see the new row through a function.
create policy events_select on public.events for select to anon, authenticated
  using (app.event_may_organise(organiser_network_id, organiser_org_id) or app.event_visible(id));
create policy events_insert on public.events for insert to authenticated
  with check (status = 'draft' and app.event_may_organise(organiser_network_id, organiser_org_id));
-- Cancelling goes through app.event_cancel (it cancels the registrations too).
create policy events_update on public.events for update to authenticated
  using (app.event_is_organiser(id) and status <> 'cancelled')
  with check (app.event_is_organiser(id) and status <> 'cancelled');

create policy event_choice_groups_select on public.event_choice_groups for select to anon, authenticated using (app.event_visible(event_id));
create policy event_choice_groups_write on public.event_choice_groups for all to authenticated
  using (app.event_is_organiser(event_id)) with check (app.event_is_organiser(event_id));
create policy event_sessions_select on public.event_sessions for select to anon, authenticated using (app.event_visible(event_id));
create policy event_sessions_write on public.event_sessions for all to authenticated
  using (app.event_is_organiser(event_id)) with check (app.event_is_organiser(event_id));

create policy event_registrations_select on public.event_registrations for select to authenticated
  using (app.event_sees_registration(id));
create policy event_registration_choices_select on public.event_registration_choices for select to authenticated
  using (app.event_sees_registration(registration_id));
create policy event_checkins_select on public.event_checkins for select to authenticated
  using (app.event_sees_registration(registration_id));
