-- A lecteur (viewer) reads; only admins and rédacteurs (editors) act for their collectivité (issue 14, item 7).
-- Before, any member of a collectivité could book Guichet vert sessions, ask questions in its name, post in a
-- colleague's thread and attach files, and declare « J'utilise cette ressource » with feedback shown under the
-- collectivité's name.
--
-- One rule, app.can_act_for_org: the caller is an admin or an editor of the collectivité. Every policy and
-- security-definer function that lets a member write in the collectivité's name goes through it. Personal acts
-- stay open to every member: a favourite, one's own calendar feed and API tokens, leaving the collectivité,
-- registering oneself to an event, answering the satisfaction survey of a session one booked.

create or replace function app.can_act_for_org(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select p_org is not null and app.has_org_role(p_org, array['admin', 'editor']) $$;
revoke all on function app.can_act_for_org(uuid) from public;
grant execute on function app.can_act_for_org(uuid) to anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------------
-- Guichet vert
-- ---------------------------------------------------------------------------------------------------------
-- The caller may ask and book for p_org in p_network.
create or replace function app.guichet_may_act(p_network uuid, p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select app.guichet_is_buyer(p_network, p_org) and app.can_act_for_org(p_org) $$;
revoke all on function app.guichet_may_act(uuid, uuid) from public;
grant execute on function app.guichet_may_act(uuid, uuid) to authenticated, service_role;

-- 'buyer' now means: may act in the request's thread for its collectivité; a colleague lecteur (or the requester
-- who is no longer an admin or editor of it) is a 'reader'.
create or replace function app.guichet_request_side(p_request uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select case
      when r.id is null then null
      when app.is_network_animator(r.network_id) then 'animator'
      when (r.requester_id = auth.uid() or app.guichet_is_buyer(r.network_id, r.org_id)) and app.guichet_may_act(r.network_id, r.org_id) then 'buyer'
      when r.requester_id = auth.uid() or app.guichet_is_buyer(r.network_id, r.org_id) then 'reader'
      when app.is_platform_admin() then 'admin'
    end
    from (select 1) one left join public.guichet_requests r on r.id = p_request $$;

-- 'booker' only while the booker may still act for the collectivité; otherwise a 'buyer' (a colleague who sees).
create or replace function app.guichet_booking_side(p_booking uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select case
      when b.id is null then null
      when b.booker_id = auth.uid() and app.guichet_may_act(b.network_id, b.org_id) then 'booker'
      when app.is_network_animator(b.network_id) then 'animator'
      when b.booker_id = auth.uid() or app.guichet_is_buyer(b.network_id, b.org_id) then 'buyer'
      when app.is_platform_admin() then 'admin'
    end
    from (select 1) one left join public.guichet_bookings b on b.id = p_booking $$;

drop policy guichet_requests_insert on public.guichet_requests;
create policy guichet_requests_insert on public.guichet_requests for insert to authenticated
  with check (requester_id = auth.uid() and app.guichet_may_act(network_id, org_id)
              and (assigned_animator_id is null or exists (select 1 from public.network_animators a
                   where a.network_id = guichet_requests.network_id and a.user_id = guichet_requests.assigned_animator_id)));
drop policy guichet_requests_update on public.guichet_requests;
create policy guichet_requests_update on public.guichet_requests for update to authenticated
  using ((requester_id = auth.uid() and app.guichet_may_act(network_id, org_id)) or app.is_network_animator(network_id))
  with check (((requester_id = auth.uid() and app.guichet_may_act(network_id, org_id)) or app.is_network_animator(network_id))
              and (assigned_animator_id is null or exists (select 1 from public.network_animators a
                   where a.network_id = guichet_requests.network_id and a.user_id = guichet_requests.assigned_animator_id)));

drop policy guichet_bookings_insert on public.guichet_bookings;
create policy guichet_bookings_insert on public.guichet_bookings for insert to authenticated
  with check (booker_id = auth.uid() and app.guichet_may_act(network_id, org_id)
              and exists (select 1 from public.network_animators a
                          where a.network_id = guichet_bookings.network_id and a.user_id = guichet_bookings.animator_id)
              and app.guichet_request_side(request_id) = 'buyer');
drop policy guichet_bookings_update on public.guichet_bookings;
create policy guichet_bookings_update on public.guichet_bookings for update to authenticated
  using ((booker_id = auth.uid() and app.guichet_may_act(network_id, org_id)) or app.is_network_animator(network_id))
  with check (((booker_id = auth.uid() and app.guichet_may_act(network_id, org_id)) or app.is_network_animator(network_id))
              and exists (select 1 from public.network_animators a
                          where a.network_id = guichet_bookings.network_id and a.user_id = guichet_bookings.animator_id));

-- guichet_messages_insert, guichet_attachments_insert ('buyer' or 'animator' side) and
-- guichet_booking_events_insert ('booker' or 'animator' side) follow the new sides unchanged.
-- The satisfaction survey stays the booker's own opinion (booker_id, whatever their role since).
drop policy guichet_surveys_insert on public.guichet_surveys;
create policy guichet_surveys_insert on public.guichet_surveys for insert to authenticated
  with check (respondent_id = auth.uid()
              and exists (select 1 from public.guichet_bookings b where b.id = booking_id and b.booker_id = auth.uid()));

-- ---------------------------------------------------------------------------------------------------------
-- Resources: « J'utilise cette ressource » and its feedback are shown under the collectivité's name.
-- ---------------------------------------------------------------------------------------------------------
drop policy resource_usages_insert on public.resource_usages;
create policy resource_usages_insert on public.resource_usages for insert to authenticated
  with check (user_id = auth.uid() and app.can_act_for_org(org_id)
              and exists (select 1 from public.resources r where r.id = resource_id));
drop policy resource_usages_update on public.resource_usages;
create policy resource_usages_update on public.resource_usages for update to authenticated
  using (user_id = auth.uid() and app.can_act_for_org(org_id)) with check (user_id = auth.uid() and app.can_act_for_org(org_id));

-- ---------------------------------------------------------------------------------------------------------
-- The other write rules of a collectivité's members, rewritten on the same helper (same meaning as before).
-- ---------------------------------------------------------------------------------------------------------
drop policy resources_insert on public.resources;
create policy resources_insert on public.resources for insert to authenticated
  with check (app.can_act_for_org(org_id) and (source_id is null or app.resource_visible(source_id)));
drop policy resources_update on public.resources;
create policy resources_update on public.resources for update to authenticated
  using (app.can_act_for_org(org_id) or (visibility = 'public' and app.is_platform_admin()))
  with check (app.can_act_for_org(org_id) or (visibility = 'public' and app.is_platform_admin()));
drop policy resources_delete on public.resources;
create policy resources_delete on public.resources for delete to authenticated using (app.can_act_for_org(org_id));
drop policy resource_attachments_insert on public.resource_attachments;
create policy resource_attachments_insert on public.resource_attachments for insert to authenticated
  with check (app.can_act_for_org(app.resource_org(resource_id)));
drop policy resource_attachments_delete on public.resource_attachments;
create policy resource_attachments_delete on public.resource_attachments for delete to authenticated
  using (app.can_act_for_org(app.resource_org(resource_id)));
drop policy resource_shares_insert on public.resource_shares;
create policy resource_shares_insert on public.resource_shares for insert to authenticated
  with check (app.can_act_for_org(app.resource_org(resource_id)) and app.org_in_network(app.resource_org(resource_id), network_id));
drop policy resource_shares_delete on public.resource_shares;
create policy resource_shares_delete on public.resource_shares for delete to authenticated
  using (app.can_act_for_org(app.resource_org(resource_id)) or app.is_network_animator(network_id));

-- Events organised by a collectivité: its admins and editors.
create or replace function app.event_is_organiser(p_event uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.events e where e.id = p_event and (
      (e.organiser_network_id is not null and app.is_network_animator(e.organiser_network_id))
      or app.can_act_for_org(e.organiser_org_id))) $$;
create or replace function app.event_may_organise(p_network uuid, p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select (p_network is not null and app.is_network_animator(p_network)) or app.can_act_for_org(p_org) $$;
