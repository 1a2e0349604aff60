-- An account whose e-mail address is not verified can do nothing but verify it (issue 14, item 5): no
-- collectivité, no membership, no API token, no write of any kind under its own rights.
--
-- Enforced by the database for every write made as `authenticated`: a statement-level trigger on every table of
-- the public schema refuses INSERT, UPDATE and DELETE when the caller's account is not verified. Unlike a
-- policy, it also holds inside the security-definer functions that write for the caller (the `role` setting
-- stays `authenticated` there, while the owner's rights bypass row-level security). The exceptions are what
-- « se déconnecter partout » does: end its `sessions` and revoke its `api_tokens` (users may only set revoked_at
-- and name there; tokens are created by the service, which refuses an unverified account). Server code acting for an unverified person (sign-up,
-- verification, resending the link, account deletion) runs as the named service role and is not affected.

create or replace function app.is_verified() returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.users u where u.id = auth.uid() and u.email_verified_at is not null
                          and u.deleted_at is null) $$;
revoke all on function app.is_verified() from public;
grant execute on function app.is_verified() to anon, authenticated, service_role;

create or replace function app.forbid_unverified_writes() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    if current_setting('role', true) = 'authenticated' and not app.is_verified() then
      raise exception 'email_not_verified' using errcode = '42501',
        detail = 'Confirmez votre adresse e-mail avant toute modification.';
    end if;
    return null;
  end
  $$;
revoke all on function app.forbid_unverified_writes() from public;

do $$
declare
  t record;
begin
  for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname not in ('sessions', 'api_tokens', 'spaser_migrations')
              and not exists (select 1 from pg_inherits i where i.inhrelid = c.oid)
  loop
    execute format('drop trigger if exists zz_forbid_unverified_writes on public.%I', t.relname);
    execute format('create trigger zz_forbid_unverified_writes before insert or update or delete on public.%I '
                   'for each statement execute function app.forbid_unverified_writes()', t.relname);
  end loop;
end
$$;
