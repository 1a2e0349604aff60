-- Closure of a collectivité (RGPD, issue 8 item 4): its row is deleted and the foreign keys cascade to what
-- belongs to it (see src/lib/server/orgs/data.ts). The audit log keeps the trace: it has no foreign key, and this
-- trigger records the closure itself, BEFORE the row goes, while its name is known.
create or replace function app.audit_organisations_delete() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  perform app.audit('collectivite.fermeture', 'organisations', old.id::text, old.id, null,
                    jsonb_build_object('nom', old.name, 'siren', old.siren));
  return old;
end $$;
create trigger audit_organisations_delete before delete on public.organisations
  for each row execute function app.audit_organisations_delete();
