-- Audit log, continued: benchmark values of a collectivité (entered, imported, changed, deleted) and the
-- anonymisation threshold k of a network's benchmarks.

create or replace function app.audit_indicator_values() returns trigger
  language plpgsql security definer set search_path = ''
as $$
declare
  r record;
begin
  r := case when tg_op = 'DELETE' then old else new end;
  if tg_op = 'UPDATE' and new.value is not distinct from old.value and new.perimeter is not distinct from old.perimeter then
    return null;
  end if;
  perform app.audit(case tg_op when 'INSERT' then 'indicateur.valeur.saisie' when 'UPDATE' then 'indicateur.valeur.modification'
                                else 'indicateur.valeur.suppression' end,
                    'indicator_values', r.id::text, r.org_id, null,
                    jsonb_build_object('indicateur', (select d.code from public.indicator_definitions d where d.id = r.indicator_id),
                                       'annee', r.year, 'valeur', r.value, 'source', r.source,
                                       'ancienne_valeur', case when tg_op = 'UPDATE' then old.value end));
  return null;
end $$;
create trigger audit_indicator_values after insert or update or delete on public.indicator_values
  for each row execute function app.audit_indicator_values();

create or replace function app.audit_benchmark_settings() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.k is not distinct from old.k then return null; end if;
  perform app.audit('reseau.benchmark.seuil', 'benchmark_settings', new.network_id::text, null, new.network_id,
                    jsonb_build_object('k', new.k, 'ancien_k', case when tg_op = 'UPDATE' then old.k end));
  return null;
end $$;
create trigger audit_benchmark_settings after insert or update on public.benchmark_settings
  for each row execute function app.audit_benchmark_settings();
