-- Membership of a collectivité (policies of organisation_members) and the read-only state of an account whose
-- e-mail address is not verified yet (statement trigger zz_forbid_unverified_writes on every public table).
begin;
create schema if not exists extensions;
create extension if not exists pgtap with schema extensions;
grant usage on schema extensions to anon, authenticated;
set local search_path = extensions, public;
select plan(9);

insert into public.users (id, email, display_name, email_verified_at) values
  ('00000000-0000-4000-8000-0000000000a1', 'admin-a@test.invalid', 'Admin A', now()),
  ('00000000-0000-4000-8000-0000000000a2', 'editor-a@test.invalid', 'Rédacteur A', now()),
  ('00000000-0000-4000-8000-0000000000a3', 'new-a@test.invalid', 'Nouvelle A', null),
  ('00000000-0000-4000-8000-0000000000b1', 'admin-b@test.invalid', 'Admin B', now());
insert into public.organisations (id, slug, name, kind) values
  ('00000000-0000-4000-8001-00000000000a', 'ville-a', 'Ville A', 'commune'),
  ('00000000-0000-4000-8001-00000000000b', 'ville-b', 'Ville B', 'commune');
insert into public.organisation_members (org_id, user_id, role) values
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a1', 'admin'),
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a2', 'editor'),
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a3', 'admin'),
  ('00000000-0000-4000-8001-00000000000b', '00000000-0000-4000-8000-0000000000b1', 'admin');

create function pg_temp.act_as(p_user uuid) returns void language sql as $$
  select set_config('role', 'authenticated', true),
         set_config('request.jwt.claims', json_build_object('sub', p_user, 'role', 'authenticated')::text, true);
$$;
create function pg_temp.members_of(p_org uuid) returns int language sql as $$
  select count(*)::int from public.organisation_members where org_id = p_org $$;
create function pg_temp.promote(p_org uuid, p_user uuid) returns int language sql as $$
  with u as (update public.organisation_members set role = 'admin' where org_id = p_org and user_id = p_user returning 1)
  select count(*)::int from u $$;

-- Members see their collectivité's members; another collectivité's admin sees none of them.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a2');
select is(pg_temp.members_of('00000000-0000-4000-8001-00000000000a'), 3, 'a member sees the members of their collectivité');
select pg_temp.act_as('00000000-0000-4000-8000-0000000000b1');
select is(pg_temp.members_of('00000000-0000-4000-8001-00000000000a'), 0, 'another collectivité''s admin sees none of them');
select is(pg_temp.promote('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000b1'), 0,
  'another collectivité''s admin cannot change roles there');

-- Only an admin changes roles.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a2');
select is(pg_temp.promote('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a2'), 0,
  'an editor cannot make themself admin');
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a1');
select is(pg_temp.promote('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a2'), 1,
  'an admin makes the editor admin');

-- An unverified account reads but writes nothing, even where its role would allow it.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a3');
select is(pg_temp.members_of('00000000-0000-4000-8001-00000000000a'), 3, 'an unverified admin still reads');
select throws_like($$ update public.organisations set name = 'Ville A renommée' where id = '00000000-0000-4000-8001-00000000000a' $$,
  '%email_not_verified%', 'an unverified admin cannot rename the collectivité');
select throws_like($$ delete from public.organisation_members where user_id = '00000000-0000-4000-8000-0000000000a2' $$,
  '%email_not_verified%', 'an unverified admin cannot remove a member');

-- The last admin stays.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000b1');
select throws_like($$ delete from public.organisation_members where user_id = '00000000-0000-4000-8000-0000000000b1' $$,
  '%last_admin%', 'the last admin of a collectivité cannot leave it');

select * from finish();
rollback;
