-- A REX (or clause) anonymised after it was shared no longer names its collectivité in the network's journal
-- (security review of issue 14, item 4). Before, 20261207140000_resource_anonymity.sql rewrote the network's
-- entries once, at migration time, and the audit trigger looked at `anonymised` only when an entry was written:
-- the animator's journal kept the collectivité and the author of the submissions made before the switch.
--
-- One rule, app.audit_anonymise_network_entries: whenever a resource becomes anonymised, the network-visible
-- entries of its sharing are rewritten as the audit trigger writes them for an anonymised item — the collectivité's
-- journal keeps the full entry (org_id, network_id cleared), and the network gets its own copy with neither the
-- collectivité nor an actor other than the network's animators. The migration-time rewrite now calls it too.

create or replace function app.audit_anonymise_network_entries(p_resource uuid) returns void
  language sql security definer set search_path = ''
  as $$
    insert into public.audit_log (at, actor_id, org_id, network_id, action, target_table, target_id, details)
    select a.at, case when exists (select 1 from public.network_animators n where n.network_id = a.network_id and n.user_id = a.actor_id)
                      then a.actor_id end,
           null, a.network_id, a.action, a.target_table, a.target_id, a.details
      from public.audit_log a
     where a.target_table = 'resource_shares' and a.target_id = p_resource::text
       and a.org_id is not null and a.network_id is not null;
    update public.audit_log a set network_id = null
     where a.target_table = 'resource_shares' and a.target_id = p_resource::text
       and a.org_id is not null and a.network_id is not null;
  $$;
revoke all on function app.audit_anonymise_network_entries(uuid) from public;

create or replace function app.resources_anonymised_journal() returns trigger
  language plpgsql security definer set search_path = ''
as $$
begin
  if new.anonymised and not coalesce(old.anonymised, false) then
    perform app.audit_anonymise_network_entries(new.id);
  end if;
  return null;
end $$;
revoke all on function app.resources_anonymised_journal() from public;
create trigger resources_anonymised_journal after update of anonymised on public.resources
  for each row execute function app.resources_anonymised_journal();

-- Resources anonymised since the previous rewrite.
select app.audit_anonymise_network_entries(x.id) from public.resources x where x.anonymised;
