-- Documents that certify things must be true (issue 14, item 8). Before, a check-in was accepted six weeks before
-- an event, an « attestation de présence » came out for a session still to come (dated the day it was printed) and
-- fed the training figures; a Guichet vert compte-rendu was accepted for a session a week ahead, which became
-- « Séance tenue », sent the survey and counted in the dashboard.
--
-- Events: a check-in is recorded only within the session's check-in window — from the start of the session's day
-- (Europe/Paris) by default, or from `checkin_opens_minutes` minutes before its start when the organiser sets it,
-- until 7 days after its end (time to key in a paper émargement). What certifies is app.event_attendance: live
-- check-ins of sessions that have ENDED; attestations and figures read it, never event_checkins directly.
-- Guichet vert: a compte-rendu, « Séance tenue » and « Absence » exist only for a session that has started.

-- ---------------------------------------------------------------------------------------------------------
-- Events: the check-in window
-- ---------------------------------------------------------------------------------------------------------
alter table public.events add column if not exists checkin_opens_minutes integer
  check (checkin_opens_minutes is null or checkin_opens_minutes between 0 and 1440);
grant update (checkin_opens_minutes) on public.events to authenticated;

create or replace function app.event_checkin_opens_at(p_starts timestamptz, p_minutes integer) returns timestamptz
  language sql stable
  as $$ select case when p_minutes is null
                    then (date_trunc('day', p_starts at time zone 'Europe/Paris')) at time zone 'Europe/Paris'
                    else p_starts - make_interval(mins => p_minutes) end $$;

create or replace function app.event_checkin_closes_at(p_ends timestamptz) returns timestamptz
  language sql immutable
  as $$ select p_ends + interval '7 days' $$;

grant execute on function app.event_checkin_opens_at(timestamptz, integer), app.event_checkin_closes_at(timestamptz)
  to anon, authenticated, service_role;

-- Check-in of a confirmed registration at a session, by an organiser, within the session's window. Returns 'ok' or
-- 'already'. Errors: session_not_found, registration_not_found, not_registered_for_session, checkin_not_open
-- (detail: the opening instant, ISO 8601), checkin_closed.
create or replace function app.event_check_in(p_session uuid, p_registration uuid, p_code text, p_method text)
  returns table (registration_id uuid, result text)
  language plpgsql security definer set search_path = ''
  as $$
#variable_conflict use_column
declare
  s public.event_sessions;
  r public.event_registrations;
  v_opens timestamptz;
begin
  select * into s from public.event_sessions where id = p_session;
  if not found or not app.event_is_organiser(s.event_id) then raise exception 'session_not_found'; end if;
  select app.event_checkin_opens_at(s.starts_at, e.checkin_opens_minutes) into v_opens from public.events e where e.id = s.event_id;
  if now() < v_opens then
    raise exception 'checkin_not_open' using detail = to_char(v_opens at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
  end if;
  if now() > app.event_checkin_closes_at(s.ends_at) then raise exception 'checkin_closed'; end if;
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

-- No-shows are a fact about an event that took place: only once it has ended.
create or replace function app.event_mark_no_shows(p_event uuid) returns integer
  language plpgsql security definer set search_path = ''
  as $$
declare
  n integer;
begin
  if not app.event_is_organiser(p_event) then raise exception 'event_not_found'; end if;
  if exists (select 1 from public.events e where e.id = p_event and e.ends_at > now()) then raise exception 'event_not_ended'; end if;
  update public.event_registrations r set no_show = true
   where r.event_id = p_event and r.status = 'confirmed' and not r.no_show
     and not exists (select 1 from public.event_checkins c where c.registration_id = r.id and c.undone_at is null);
  get diagnostics n = row_count;
  return n;
end $$;

-- What certifies attendance: live check-ins of ended sessions (under the reader's RLS: security_invoker).
create view public.event_attendance with (security_invoker = true) as
  select c.registration_id, c.session_id, c.checked_at, c.method
    from public.event_checkins c
    join public.event_sessions s on s.id = c.session_id
   where c.undone_at is null and s.ends_at <= now();
revoke all on public.event_attendance from anon, authenticated;
grant select on public.event_attendance to authenticated, service_role;

-- Check-ins recorded before their window opened certify nothing: undone (the rows stay, as for any undo).
update public.event_checkins c set undone_at = now()
  from public.event_sessions s join public.events e on e.id = s.event_id
 where s.id = c.session_id and c.undone_at is null
   and c.checked_at < app.event_checkin_opens_at(s.starts_at, e.checkin_opens_minutes);

-- ---------------------------------------------------------------------------------------------------------
-- Guichet vert: nothing is reported about a session before it has started
-- ---------------------------------------------------------------------------------------------------------
-- Sessions marked held or missed before they started go back to « confirmed » (their history keeps the rest).
update public.guichet_bookings set status = 'confirmed', updated_at = now()
 where status in ('done', 'no_show') and lower(during) > now();

create or replace function app.guichet_bookings_held_guard() returns trigger
  language plpgsql set search_path = ''
  as $$
  begin
    if new.status in ('done', 'no_show') and lower(new.during) > now()
       and (tg_op = 'INSERT' or old.status is distinct from new.status or old.during is distinct from new.during) then
      raise exception 'session_not_started' using errcode = 'P0001';
    end if;
    return new;
  end $$;
create trigger guichet_bookings_held_guard before insert or update of status, during on public.guichet_bookings
  for each row execute function app.guichet_bookings_held_guard();

create or replace function app.guichet_reports_started_guard() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if exists (select 1 from public.guichet_bookings b where b.id = new.booking_id and lower(b.during) > now()) then
      raise exception 'session_not_started' using errcode = 'P0001';
    end if;
    return new;
  end $$;
revoke all on function app.guichet_reports_started_guard() from public;
create trigger guichet_reports_started_guard before insert or update on public.guichet_reports
  for each row execute function app.guichet_reports_started_guard();
