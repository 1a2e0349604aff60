-- The benchmark's raw material never reaches a user: statistics come only through app.benchmark_stat, which reads
-- the consolidated publication and refuses in one way, without a count (docs/benchmark-privacy.md).
begin;
create schema if not exists extensions;
create extension if not exists pgtap with schema extensions;
grant usage on schema extensions to anon, authenticated;
set local search_path = extensions, public;
select plan(5);

insert into public.users (id, email, display_name, email_verified_at) values
  ('00000000-0000-4000-8000-0000000000a1', 'admin-a@test.invalid', 'Admin A', now());
insert into public.organisations (id, slug, name, kind, region_code, validated_at) values
  ('00000000-0000-4000-8001-00000000000a', 'ville-a', 'Ville A', 'commune', '76', now());
insert into public.organisation_members (org_id, user_id, role) values
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a1', 'admin');

select set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-0000000000a1","role":"authenticated"}', true);

select throws_ok('select * from public.benchmark_contributions', '42501', null,
  'a signed-in member cannot read the published contributions (rounded values of others)');
select throws_ok('select * from public.benchmark_cells', '42501', null, 'nor the published cells directly');
select is((select count(*)::int from public.indicator_values where org_id <> '00000000-0000-4000-8001-00000000000a'), 0,
  'other collectivités'' indicator values are invisible');
select is(
  app.benchmark_stat((select id from public.indicator_definitions where org_id is null order by code limit 1), 2025, 'r:11')
    ->> 'reason',
  'not_allowed', 'a region where the caller has no validated collectivité cannot be queried');
select is(
  app.benchmark_stat((select id from public.indicator_definitions where org_id is null order by code limit 1), 2025, 'r:76')
    - 'k',
  '{"status": "refused", "reason": "not_published"}'::jsonb,
  'its own region, before any publication: refused, and the refusal carries no count');

select * from finish();
rollback;
