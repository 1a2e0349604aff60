-- Acting on someone else's event registration needs the CURRENT right to act for its collectivité (security review
-- of issue 14, item 7). Before, app.event_cancel_registration and app.event_answer_offer accepted whoever had
-- registered the person (registered_by): a former admin demoted to lecteur (or who had left the collectivité)
-- could still cancel a colleague's registration or decline the colleague's offered place.
--
-- One rule, app.event_may_act_on_registration: the person themself, the event's organiser, a platform admin, or
-- someone who may act for the registration's collectivité now (app.can_act_for_org) and is its admin or registered
-- the person. Seeing the registration (app.event_sees_registration) stays open to the one who registered the
-- person: it is their own history, data they entered, and it grants no act.

create or replace function app.event_may_act_on_registration(p_registration uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.event_registrations r where r.id = p_registration and (
      r.user_id = auth.uid() or app.event_is_organiser(r.event_id) or app.is_platform_admin()
      or (app.can_act_for_org(r.org_id) and (r.registered_by = auth.uid() or app.has_org_role(r.org_id, array['admin']))))) $$;
revoke all on function app.event_may_act_on_registration(uuid) from public;
grant execute on function app.event_may_act_on_registration(uuid) to authenticated, service_role;

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
  if not app.event_may_act_on_registration(p_registration) then raise exception 'registration_act_not_allowed'; end if;
  perform 1 from public.events where id = r.event_id for update;
  select * into r from public.event_registrations where id = p_registration;
  if r.status = 'cancelled' then raise exception 'already_cancelled'; end if;
  v_reason := case when r.user_id = auth.uid() then 'self'
                   when app.event_is_organiser(r.event_id) then 'organiser' else 'manager' end;
  update public.event_registrations set status = 'cancelled', offer_expires_at = null, cancel_reason = v_reason where id = r.id;
  return query select app.event_promote(r.event_id, p_now);
end $$;

create or replace function app.event_answer_offer(p_registration uuid, p_accept boolean, p_now timestamptz default now())
  returns setof uuid
  language plpgsql security definer set search_path = ''
  as $$
declare
  r public.event_registrations;
begin
  select * into r from public.event_registrations where id = p_registration;
  if not found or not app.event_sees_registration(p_registration) then raise exception 'registration_not_found'; end if;
  if not (r.user_id = auth.uid() or (app.can_act_for_org(r.org_id)
          and (r.registered_by = auth.uid() or app.has_org_role(r.org_id, array['admin'])))) then
    raise exception 'registration_act_not_allowed';
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
