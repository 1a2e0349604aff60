-- The security catalogue of the schema, proven on the database the migrations built (run with pg_prove, as
-- `supabase test db` does): what a reader of supabase/migrations should be able to rely on without reading it all.
begin;
create schema if not exists extensions;
create extension if not exists pgtap with schema extensions;
grant usage on schema extensions to anon, authenticated;
set local search_path = extensions, public;
select plan(7);

select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relrowsecurity),
  0, 'every table of the public schema has row-level security enabled');

select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relrowsecurity
      and not exists (select 1 from pg_policy p where p.polrelid = c.oid)
      and has_table_privilege('authenticated', c.oid, 'select')),
  0, 'no table readable by authenticated users relies on « RLS without policy » by accident (each has a policy)');

select is(
  (select array_agg(distinct privilege_type::text) from information_schema.table_privileges
    where grantee = 'anon' and table_schema = 'public'),
  array['SELECT'], 'visitors (anon) may only read, and only what policies show them');

select is(
  (select array_agg(table_name::text order by table_name) from information_schema.table_privileges
    where grantee = 'anon' and table_schema = 'public'),
  array['event_choice_groups', 'event_sessions', 'events', 'network_animators', 'networks'],
  'visitors (anon) read only the public agenda and the networks directory');

select is(
  (select count(*)::int from information_schema.table_privileges
    where grantee in ('anon', 'authenticated') and table_schema = 'public'
      and table_name in ('collab_updates', 'collab_snapshots', 'user_credentials',
                         'benchmark_contributions', 'benchmark_cells')),
  0, 'the collaboration log, password hashes and the raw benchmark publication have no user grant at all');

select is(
  (select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('app', 'public', 'auth') and p.prosecdef
      and not exists (select 1 from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%')),
  0, 'every security-definer function pins its search_path');


select is(
  (select array_agg(privilege_type::text) from information_schema.table_privileges
    where grantee = 'authenticated' and table_schema = 'public' and table_name = 'sessions'),
  array['DELETE'], 'signed-in people may only end sessions (their own, by policy), never read or write the stored hashes');

select * from finish();
rollback;
