-- What certifies attendance, tightened (security review of issue 14, item 8). Before, app.event_attendance kept a
-- check-in of a cancelled event or a cancelled registration (an « attestation de présence » and the training
-- figures for an event that never took place), and a check-in whose session was moved afterwards (a session
-- moved 30 days back was attested on a day nobody checked in; a session postponed by a month was attested without
-- anyone checking in on that day).
--
-- One rule, in the view (check-ins themselves are left as they are, their history intact): a check-in certifies
-- when the event is not cancelled, the registration is confirmed, the session has ended, and the check-in was
-- recorded within the session's CURRENT check-in window (app.event_checkin_opens_at .. app.event_checkin_closes_at).
-- Undoing the cancellation of a registration is not possible; moving a session back to its former times makes its
-- check-ins certify again, which is true.

create or replace view public.event_attendance with (security_invoker = true) as
  select c.registration_id, c.session_id, c.checked_at, c.method
    from public.event_checkins c
    join public.event_sessions s on s.id = c.session_id
    join public.events e on e.id = s.event_id
    join public.event_registrations r on r.id = c.registration_id and r.event_id = e.id
   where c.undone_at is null and s.ends_at <= now()
     and e.status <> 'cancelled' and r.status = 'confirmed'
     and c.checked_at >= app.event_checkin_opens_at(s.starts_at, e.checkin_opens_minutes)
     and c.checked_at <= app.event_checkin_closes_at(s.ends_at);
revoke all on public.event_attendance from anon, authenticated;
grant select on public.event_attendance to authenticated, service_role;
