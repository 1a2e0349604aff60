-- A VALIDATED collectivité (app.is_validated_org: validated by a platform admin, or admitted to a network by its
-- animator) cannot change, by its own admins, the attributes that place it in benchmark comparison groups: its kind,
-- its region and département, and its population (size class). Otherwise an admin of several validated
-- collectivités could move them all into one small group (« centre hospitalier, région 76 ») to fill it up to k and
-- read the few real members' values, or gain the right to query another region. A correction goes through a
-- platform admin (docs/benchmark-privacy.md). Service-role paths (seeding, jobs) are not concerned.
-- Admitted to a network (approved), whatever the RLS of the caller and whether archived or not.
create or replace function app.org_in_a_network(p_org uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.network_memberships nm where nm.org_id = p_org and nm.status = 'approved') $$;
revoke all on function app.org_in_a_network(uuid) from public;
grant execute on function app.org_in_a_network(uuid) to authenticated, service_role;

create or replace function app.organisations_frozen_when_validated() returns trigger
  language plpgsql set search_path = ''
  as $$
  begin
    if current_user <> 'authenticated' or app.is_platform_admin() then return new; end if;
    if (new.kind, new.region_code, new.departement_code, new.population)
         is not distinct from (old.kind, old.region_code, old.departement_code, old.population) then
      return new;
    end if;
    if old.validated_at is not null or app.org_in_a_network(old.id) then
      raise exception 'validated_org_frozen';
    end if;
    return new;
  end
  $$;
create trigger organisations_frozen_when_validated before update on public.organisations
  for each row execute function app.organisations_frozen_when_validated();
