-- Audit log, continued: sharing and validation decisions on clause models and REX — visibility changes of the
-- author collectivité, submissions to a network, and the animators' decisions (changes requested, validated).

create or replace function app.audit_resources_visibility() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if new.visibility is distinct from old.visibility then
    perform app.audit('ressource.visibilite', 'resources', new.id::text, new.org_id, null,
                      jsonb_build_object('titre', new.title, 'type', new.kind, 'visibilite', new.visibility, 'ancienne_visibilite', old.visibility));
  end if;
  return null;
end $$;
create trigger audit_resources_visibility after update of visibility on public.resources
  for each row execute function app.audit_resources_visibility();

create or replace function app.audit_resource_shares() returns trigger
  language plpgsql security definer set search_path = ''
as $$
declare
  r record;
  res record;
begin
  r := case when tg_op = 'DELETE' then old else new end;
  if tg_op = 'UPDATE' and new.status is not distinct from old.status then return null; end if;
  select x.org_id, x.title, x.kind into res from public.resources x where x.id = r.resource_id;
  -- A share removed because its resource is being deleted is not a decision.
  if res is null then return null; end if;
  perform app.audit(case when tg_op = 'DELETE' then 'ressource.partage.retrait' else 'ressource.partage.' || r.status end,
                    'resource_shares', r.resource_id::text, res.org_id, r.network_id,
                    jsonb_build_object('titre', res.title, 'type', res.kind, 'statut', r.status,
                                       'ancien_statut', case when tg_op = 'UPDATE' then old.status end,
                                       'motif', case when tg_op <> 'DELETE' and r.status = 'changes_requested' then r.comment end));
  return null;
end $$;
create trigger audit_resource_shares after insert or update or delete on public.resource_shares
  for each row execute function app.audit_resource_shares();
