-- An anonymised resource (REX or clause) names its author and collectivité to the members of that collectivité
-- only (issue 14, item 4). Before, every read carried org_id (and created_by, the contact, version authors):
-- GET /api/v1/organisations/{id} then gave the name.
--
-- One rule, app.resource_identity_visible: the identity of a resource's author (collectivité id, slug, name,
-- author and contact, authors of versions, attachments and submissions) is visible when the resource is not
-- anonymised, or to the members of its collectivité. The API roles can no longer select the identifying columns
-- of the tables (column grants); they read them through the security-definer functions below, which apply the
-- rule, and every read path of the application uses them.

create or replace function app.resource_identity_visible(p_org uuid, p_anonymised boolean) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select not coalesce(p_anonymised, false) or app.is_org_member(p_org) $$;
revoke all on function app.resource_identity_visible(uuid, boolean) from public;
grant execute on function app.resource_identity_visible(uuid, boolean) to anon, authenticated, service_role;

-- Column grants: everything but the identifying columns.
revoke select on public.resources from anon, authenticated;
grant select (id, kind, title, summary, body, family, mechanism, segments, cpv_codes, legal_refs, parameters,
  legal_checked_on, licence, visibility, national_reference, shared_network_ids, validated_network_ids, reliability,
  source_id, usage_count, version, year, procedure, amount_band, context, actions, results, difficulties, lessons,
  linked_clause_ids, anonymised, attachments_text, search, created_at, updated_at) on public.resources to anon, authenticated;

revoke select on public.resource_versions from anon, authenticated;
grant select (id, resource_id, version, snapshot, created_at) on public.resource_versions to anon, authenticated;

revoke select on public.resource_attachments from anon, authenticated;
grant select (id, resource_id, filename, mime, byte_size, data, text_content, created_at) on public.resource_attachments to anon, authenticated;

revoke select on public.resource_shares from authenticated;
grant select (resource_id, network_id, status, comment, submitted_at, decided_at) on public.resource_shares to authenticated;

revoke select on public.resource_review_events from authenticated;
grant select (id, resource_id, network_id, action, comment, created_at) on public.resource_review_events to authenticated;

-- Versions store content, not the contact (a contact names a person): drop it from the stored snapshots.
create or replace function app.resource_snapshot(r public.resources) returns jsonb
  language sql immutable
  as $$ select to_jsonb(r) - 'search' - 'attachments_text' - 'shared_network_ids' - 'validated_network_ids'
               - 'reliability' - 'usage_count' - 'national_reference' - 'visibility' - 'created_at' - 'updated_at' - 'version'
               - 'created_by' - 'org_id' - 'source_id' - 'id' - 'kind' - 'contact_name' - 'contact_email' $$;
update public.resource_versions set snapshot = snapshot - 'contact_name' - 'contact_email'
 where snapshot ? 'contact_name' or snapshot ? 'contact_email';

-- The resources of the caller's collectivités (filter « mes ressources »).
create or replace function app.my_resource_ids() returns uuid[]
  language sql stable security definer set search_path = ''
  as $$ select coalesce(array_agg(r.id), '{}') from public.resources r where r.org_id = any (app.my_org_ids()) $$;
revoke all on function app.my_resource_ids() from public;
grant execute on function app.my_resource_ids() to anon, authenticated, service_role;

-- Identity of the author of items the caller may see (the rule of resources_select), null where hidden.
create or replace function app.resource_authors(p_resources uuid[])
  returns table (resource_id uuid, org_id uuid, org_slug text, org_name text, author_id uuid, author_name text,
                 contact_name text, contact_email text, is_member boolean)
  language sql stable security definer set search_path = ''
  as $$
    with me as materialized (select app.my_org_ids() as orgs, app.my_network_ids() as nets, app.my_animated_network_ids() as anim)
    select r.id,
           case when v.ok then r.org_id end,
           case when v.ok then o.slug end,
           case when v.ok then o.name end,
           case when v.ok then r.created_by end,
           case when v.ok and auth.uid() is not null then u.display_name end,
           case when v.ok then r.contact_name end,
           case when v.ok then r.contact_email end,
           r.org_id = any (me.orgs)
      from me, public.resources r
      join public.organisations o on o.id = r.org_id
      left join public.users u on u.id = r.created_by
      cross join lateral (select not r.anonymised or r.org_id = any (me.orgs) as ok) v
     where r.id = any (p_resources)
       and (r.visibility = 'public' or r.org_id = any (me.orgs)
            or (r.visibility = 'network' and r.validated_network_ids && me.nets)
            or (r.visibility <> 'private' and r.shared_network_ids && me.anim))
  $$;
revoke all on function app.resource_authors(uuid[]) from public;
grant execute on function app.resource_authors(uuid[]) to anon, authenticated, service_role;

-- The former name helpers apply the same rule (anything still calling them gets null for a hidden author).
create or replace function app.resource_org_name(p_resource uuid) returns text
  language sql stable security definer set search_path = ''
  as $$ select a.org_name from app.resource_authors(array[p_resource]) a $$;

create or replace function app.resource_org_names(p_resources uuid[]) returns table (resource_id uuid, name text)
  language sql stable security definer set search_path = ''
  as $$ select a.resource_id, a.org_name from app.resource_authors(p_resources) a $$;

-- Versions of an item the caller sees, with their author when the author's identity is visible (signed-in only).
create or replace function app.resource_version_list(p_resource uuid)
  returns table (version integer, created_at timestamptz, author text)
  language sql stable security definer set search_path = ''
  as $$
    select v.version, v.created_at,
           case when auth.uid() is not null and app.resource_identity_visible(r.org_id, r.anonymised) then u.display_name end
      from public.resources r
      join public.resource_versions v on v.resource_id = r.id
      left join public.users u on u.id = v.created_by
     where r.id = p_resource and app.resource_visible(r.id)
     order by v.version desc
  $$;
revoke all on function app.resource_version_list(uuid) from public;
grant execute on function app.resource_version_list(uuid) to authenticated, service_role;

-- Review history (members of the collectivité and animators of the network, as resource_review_events_select):
-- an animator's decision is signed with the animator's name; the author's submissions only when visible.
create or replace function app.resource_review_history(p_resource uuid)
  returns table (network_name text, action text, comment text, actor_name text, created_at timestamptz)
  language sql stable security definer set search_path = ''
  as $$
    select n.name, e.action, e.comment,
           case when app.resource_identity_visible(r.org_id, r.anonymised)
                     or exists (select 1 from public.network_animators a where a.network_id = e.network_id and a.user_id = e.actor_id)
                then u.display_name end,
           e.created_at
      from public.resources r
      join public.resource_review_events e on e.resource_id = r.id
      join public.networks n on n.id = e.network_id
      left join public.users u on u.id = e.actor_id
     where r.id = p_resource and (app.is_network_animator(e.network_id) or app.is_org_member(r.org_id))
     order by e.created_at desc, e.id
  $$;
revoke all on function app.resource_review_history(uuid) from public;
grant execute on function app.resource_review_history(uuid) to authenticated, service_role;

-- Clauses linked from an item, as the caller may see them. When the author's identity is hidden, the clauses of
-- the author's own collectivité are left out: following one would name the collectivité.
create or replace function app.resource_linked_clauses(p_resource uuid) returns table (id uuid, title text)
  language sql stable security definer set search_path = ''
  as $$
    select c.id, c.title from public.resources r
      join public.resources c on c.id = any (r.linked_clause_ids)
     where r.id = p_resource and app.resource_visible(r.id) and app.resource_visible(c.id)
       and (c.org_id <> r.org_id or app.resource_identity_visible(r.org_id, r.anonymised))
     order by c.title
  $$;
revoke all on function app.resource_linked_clauses(uuid) from public;
grant execute on function app.resource_linked_clauses(uuid) to anon, authenticated, service_role;

-- Audit log: the network's journal (read by its animators) names the collectivité (org_id) and the actor of each
-- submission. For an anonymised item, the collectivité's journal keeps the full entry, and the network's journal
-- gets its own entry with neither the collectivité nor an actor other than the network's animators.
create or replace function app.audit_resource_shares() returns trigger
  language plpgsql security definer set search_path = ''
as $$
declare
  r record;
  res record;
  v_action text;
  v_details jsonb;
begin
  r := case when tg_op = 'DELETE' then old else new end;
  if tg_op = 'UPDATE' and new.status is not distinct from old.status then return null; end if;
  select x.org_id, x.title, x.kind, x.anonymised into res from public.resources x where x.id = r.resource_id;
  -- A share removed because its resource is being deleted is not a decision.
  if res is null then return null; end if;
  v_action := case when tg_op = 'DELETE' then 'ressource.partage.retrait' else 'ressource.partage.' || r.status end;
  v_details := jsonb_build_object('titre', res.title, 'type', res.kind, 'statut', r.status,
                                  'ancien_statut', case when tg_op = 'UPDATE' then old.status end,
                                  'motif', case when tg_op <> 'DELETE' and r.status = 'changes_requested' then r.comment end);
  if not res.anonymised then
    perform app.audit(v_action, 'resource_shares', r.resource_id::text, res.org_id, r.network_id, v_details);
  else
    perform app.audit(v_action, 'resource_shares', r.resource_id::text, res.org_id, null, v_details);
    insert into public.audit_log (actor_id, org_id, network_id, action, target_table, target_id, details)
    values (case when app.is_network_animator(r.network_id) then auth.uid() end, null, r.network_id, v_action,
            'resource_shares', r.resource_id::text, v_details);
  end if;
  return null;
end $$;

-- Entries written before: the network's copy of an anonymised item's entries loses the collectivité and the author.
insert into public.audit_log (at, actor_id, org_id, network_id, action, target_table, target_id, details)
select a.at, case when exists (select 1 from public.network_animators n where n.network_id = a.network_id and n.user_id = a.actor_id)
                  then a.actor_id end,
       null, a.network_id, a.action, a.target_table, a.target_id, a.details
  from public.audit_log a join public.resources x on x.id::text = a.target_id
 where a.target_table = 'resource_shares' and a.org_id is not null and a.network_id is not null and x.anonymised;
update public.audit_log a set network_id = null
  from public.resources x
 where x.id::text = a.target_id and a.target_table = 'resource_shares' and a.org_id is not null and a.network_id is not null
   and x.anonymised;
