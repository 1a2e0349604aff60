-- Audit log of security-relevant and legally relevant actions: membership and role changes, network
-- memberships and animators, SPASER status, sharing, co-ownership, versions named / restored / published,
-- deletions. Written only by triggers (security definer), append-only; readable by the collectivité's admins
-- (org_id) and the network's animators (network_id) for their scope, and by platform admins.
-- No foreign keys: the history outlives what it describes (a deleted account shows as « ancien membre »).

create table public.audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_id uuid default auth.uid(),
  org_id uuid,
  network_id uuid,
  action text not null check (length(action) <= 80),
  target_table text not null,
  target_id text,
  details jsonb not null default '{}'::jsonb
);
create index audit_log_org_idx on public.audit_log (org_id, at desc) where org_id is not null;
create index audit_log_network_idx on public.audit_log (network_id, at desc) where network_id is not null;
alter table public.audit_log enable row level security;

grant select on public.audit_log to authenticated, service_role;
-- The retention job (src/lib/server/maintenance.ts) purges rows past their period.
grant delete on public.audit_log to service_role;
create policy audit_log_read on public.audit_log for select to authenticated
  using (app.is_platform_admin()
         or (org_id is not null and app.has_org_role(org_id, array['admin']))
         or (network_id is not null and app.is_network_animator(network_id)));

create or replace function app.audit(p_action text, p_table text, p_target text, p_org uuid, p_network uuid, p_details jsonb)
  returns void language sql security definer set search_path = ''
  as $$ insert into public.audit_log (actor_id, org_id, network_id, action, target_table, target_id, details)
        values (auth.uid(), p_org, p_network, p_action, p_table, p_target, coalesce(p_details, '{}'::jsonb)) $$;

-- Members of a collectivité: added, role changed, removed.
create or replace function app.audit_organisation_members() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform app.audit('membre.ajout', 'organisation_members', new.user_id::text, new.org_id, null,
                      jsonb_build_object('user_id', new.user_id, 'role', new.role));
  elsif tg_op = 'UPDATE' and new.role is distinct from old.role then
    perform app.audit('membre.role', 'organisation_members', new.user_id::text, new.org_id, null,
                      jsonb_build_object('user_id', new.user_id, 'role', new.role, 'ancien_role', old.role));
  elsif tg_op = 'DELETE' then
    perform app.audit('membre.retrait', 'organisation_members', old.user_id::text, old.org_id, null,
                      jsonb_build_object('user_id', old.user_id, 'role', old.role));
  end if;
  return null;
end $$;
create trigger audit_organisation_members after insert or update or delete on public.organisation_members
  for each row execute function app.audit_organisation_members();

-- Network memberships: requested, decided (approved / refused), withdrawn, left, removed.
create or replace function app.audit_network_memberships() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform app.audit('reseau.adhesion.' || new.status, 'network_memberships', new.id::text, new.org_id, new.network_id,
                      jsonb_build_object('statut', new.status));
  elsif tg_op = 'UPDATE' and new.status is distinct from old.status then
    perform app.audit('reseau.adhesion.' || new.status, 'network_memberships', new.id::text, new.org_id, new.network_id,
                      jsonb_build_object('statut', new.status, 'ancien_statut', old.status, 'motif', new.reason));
  elsif tg_op = 'DELETE' then
    perform app.audit('reseau.adhesion.suppression', 'network_memberships', old.id::text, old.org_id, old.network_id,
                      jsonb_build_object('statut', old.status));
  end if;
  return null;
end $$;
create trigger audit_network_memberships after insert or update or delete on public.network_memberships
  for each row execute function app.audit_network_memberships();

-- Animators of a network.
create or replace function app.audit_network_animators() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    perform app.audit('reseau.animateur.ajout', 'network_animators', new.user_id::text, null, new.network_id,
                      jsonb_build_object('user_id', new.user_id));
  else
    perform app.audit('reseau.animateur.retrait', 'network_animators', old.user_id::text, null, old.network_id,
                      jsonb_build_object('user_id', old.user_id));
  end if;
  return null;
end $$;
create trigger audit_network_animators after insert or delete on public.network_animators
  for each row execute function app.audit_network_animators();

-- The lead collectivité of a SPASER (where its audit rows go).
create or replace function app.spaser_lead_org(p_doc uuid) returns uuid
  language sql stable security definer set search_path = ''
  as $$ select o.org_id from public.spaser_document_orgs o where o.document_id = p_doc order by o.is_lead desc, o.added_at limit 1 $$;

-- SPASER documents: status, adoption, sharing with the networks, deletion (BEFORE, while its owners are known).
create or replace function app.audit_spaser_documents() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' then
    if new.status is distinct from old.status then
      perform app.audit('spaser.statut', 'spaser_documents', new.id::text, app.spaser_lead_org(new.id), null,
                        jsonb_build_object('titre', new.title, 'statut', new.status, 'ancien_statut', old.status,
                                           'adopte_le', new.adopted_on, 'deliberation', new.deliberation_ref));
    end if;
    if new.shared_with_networks is distinct from old.shared_with_networks then
      perform app.audit(case when new.shared_with_networks then 'spaser.partage' else 'spaser.partage_retire' end,
                        'spaser_documents', new.id::text, app.spaser_lead_org(new.id), null, jsonb_build_object('titre', new.title));
    end if;
    return new;
  end if;
  perform app.audit('spaser.suppression', 'spaser_documents', old.id::text, app.spaser_lead_org(old.id), null,
                    jsonb_build_object('titre', old.title));
  return old;
end $$;
create trigger audit_spaser_documents_update after update on public.spaser_documents
  for each row execute function app.audit_spaser_documents();
create trigger audit_spaser_documents_delete before delete on public.spaser_documents
  for each row execute function app.audit_spaser_documents();

-- Co-owners of a joint SPASER.
create or replace function app.audit_spaser_document_orgs() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    -- The creation of a SPASER adds its lead: recorded as the creation.
    perform app.audit(case when new.is_lead then 'spaser.creation' else 'spaser.coproprietaire.ajout' end, 'spaser_document_orgs',
                      new.document_id::text, new.org_id, null,
                      jsonb_build_object('titre', (select d.title from public.spaser_documents d where d.id = new.document_id)));
  elsif exists (select 1 from public.spaser_documents d where d.id = old.document_id) then
    perform app.audit('spaser.coproprietaire.retrait', 'spaser_document_orgs', old.document_id::text, old.org_id, null,
                      jsonb_build_object('titre', (select d.title from public.spaser_documents d where d.id = old.document_id)));
  end if;
  return null;
end $$;
create trigger audit_spaser_document_orgs after insert or delete on public.spaser_document_orgs
  for each row execute function app.audit_spaser_document_orgs();

-- Versions: named, imported, restored, bilan (automatic snapshots are not audited), and publication.
create or replace function app.audit_spaser_versions() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'INSERT' and new.kind <> 'auto' then
    perform app.audit('spaser.version.' || new.kind, 'spaser_versions', new.id::text, app.spaser_lead_org(new.document_id), null,
                      jsonb_build_object('document_id', new.document_id, 'nom', new.name));
  end if;
  if (tg_op = 'INSERT' and new.published_at is not null)
     or (tg_op = 'UPDATE' and new.published_at is distinct from old.published_at) then
    perform app.audit(case when new.published_at is null then 'spaser.version.depublication' else 'spaser.version.publication' end,
                      'spaser_versions', new.id::text, app.spaser_lead_org(new.document_id), null,
                      jsonb_build_object('document_id', new.document_id, 'nom', new.name));
  end if;
  return null;
end $$;
create trigger audit_spaser_versions after insert or update of published_at on public.spaser_versions
  for each row execute function app.audit_spaser_versions();

-- Names of the actor and of the person concerned, for a row the caller may read (under the same rule as the
-- policy); the people themselves may be out of the caller's sight otherwise. A deleted account: « ancien membre ».
create or replace function app.audit_names(p_id bigint, out actor_name text, out subject_name text)
  language sql stable security definer set search_path = ''
as $$
  select case when a.actor_id is null then null else coalesce(u.display_name, 'ancien membre') end,
         case when a.details ? 'user_id' then coalesce(s.display_name, 'ancien membre') end
    from public.audit_log a
    left join public.users u on u.id = a.actor_id
    left join public.users s on s.id = case when a.details ? 'user_id' then (a.details ->> 'user_id')::uuid end
   where a.id = p_id
     and (app.is_platform_admin()
          or (a.org_id is not null and app.has_org_role(a.org_id, array['admin']))
          or (a.network_id is not null and app.is_network_animator(a.network_id)))
$$;
revoke all on function app.audit_names(bigint) from public;
grant execute on function app.audit_names(bigint) to authenticated;

-- Only the triggers above call these (as their owner).
revoke all on function app.audit(text, text, text, uuid, uuid, jsonb), app.spaser_lead_org(uuid) from public;
