-- Who may read and write a SPASER (app.spaser_access and the policies of spaser_documents / spaser_comments):
-- admins and editors of an owning collectivité write; its viewers read; the animators of its networks read only
-- when the SPASER is shared with them; anybody else — another collectivité's member, a visitor — sees nothing.
begin;
create schema if not exists extensions;
create extension if not exists pgtap with schema extensions;
grant usage on schema extensions to anon, authenticated;
set local search_path = extensions, public;
select plan(14);

-- Fixture (as the migration owner, which bypasses RLS).
insert into public.users (id, email, display_name, email_verified_at) values
  ('00000000-0000-4000-8000-0000000000a1', 'admin-a@test.invalid', 'Admin A', now()),
  ('00000000-0000-4000-8000-0000000000a2', 'viewer-a@test.invalid', 'Lecteur A', now()),
  ('00000000-0000-4000-8000-0000000000b1', 'admin-b@test.invalid', 'Admin B', now()),
  ('00000000-0000-4000-8000-0000000000c1', 'animateur@test.invalid', 'Animateur', now());
insert into public.organisations (id, slug, name, kind) values
  ('00000000-0000-4000-8001-00000000000a', 'ville-a', 'Ville A', 'commune'),
  ('00000000-0000-4000-8001-00000000000b', 'ville-b', 'Ville B', 'commune');
insert into public.organisation_members (org_id, user_id, role) values
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a1', 'admin'),
  ('00000000-0000-4000-8001-00000000000a', '00000000-0000-4000-8000-0000000000a2', 'viewer'),
  ('00000000-0000-4000-8001-00000000000b', '00000000-0000-4000-8000-0000000000b1', 'admin');
insert into public.networks (id, slug, name) values ('00000000-0000-4000-8002-000000000001', 'reseau-test', 'Réseau test');
insert into public.network_memberships (network_id, org_id, status) values
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8001-00000000000a', 'approved');
insert into public.network_animators (network_id, user_id) values
  ('00000000-0000-4000-8002-000000000001', '00000000-0000-4000-8000-0000000000c1');
insert into public.spaser_documents (id, slug, title) values
  ('00000000-0000-4000-8003-000000000001', 'spaser-a', 'SPASER de la Ville A');
insert into public.spaser_document_orgs (document_id, org_id, is_lead) values
  ('00000000-0000-4000-8003-000000000001', '00000000-0000-4000-8001-00000000000a', true);

create function pg_temp.act_as(p_user uuid) returns void language sql as $$
  select set_config('role', case when p_user is null then 'anon' else 'authenticated' end, true),
         set_config('request.jwt.claims', case when p_user is null then '{"role":"anon"}'
                    else json_build_object('sub', p_user, 'role', 'authenticated')::text end, true);
$$;
create function pg_temp.visible() returns int language sql as $$
  select count(*)::int from public.spaser_documents where id = '00000000-0000-4000-8003-000000000001' $$;
create function pg_temp.rename(p_title text) returns int language sql as $$
  with u as (update public.spaser_documents set title = p_title where id = '00000000-0000-4000-8003-000000000001' returning 1)
  select count(*)::int from u $$;

-- An admin of the owning collectivité writes.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a1');
select is(app.spaser_access('00000000-0000-4000-8003-000000000001'), 'write', 'the owner''s admin has write access');
select is(pg_temp.visible(), 1, 'the owner''s admin sees the SPASER');
select is(pg_temp.rename('SPASER 2026-2029 de la Ville A'), 1, 'the owner''s admin renames it');
select lives_ok($$ insert into public.spaser_comments (document_id, node_id, body)
  values ('00000000-0000-4000-8003-000000000001', gen_random_uuid(), 'À relire') $$, 'the owner''s admin comments');

-- A viewer of the owning collectivité reads only.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a2');
select is(app.spaser_access('00000000-0000-4000-8003-000000000001'), 'read', 'the owner''s viewer has read access');
select is(pg_temp.visible(), 1, 'the owner''s viewer sees the SPASER');
select is(pg_temp.rename('Titre du lecteur'), 0, 'the owner''s viewer cannot rename it (the update touches no row)');

-- Another collectivité's admin sees nothing, and cannot comment on it.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000b1');
select is(app.spaser_access('00000000-0000-4000-8003-000000000001'), null, 'another collectivité''s admin has no access');
select is(pg_temp.visible(), 0, 'another collectivité''s admin does not see the SPASER');
select throws_ok($$ insert into public.spaser_comments (document_id, node_id, body)
  values ('00000000-0000-4000-8003-000000000001', gen_random_uuid(), 'Intrusion') $$, '42501', null,
  'another collectivité''s admin cannot comment on it');

-- A network animator reads it only once it is shared with the networks.
select pg_temp.act_as('00000000-0000-4000-8000-0000000000c1');
select is(pg_temp.visible(), 0, 'the network animator does not see an unshared SPASER');
select pg_temp.act_as('00000000-0000-4000-8000-0000000000a1');
select lives_ok($$ update public.spaser_documents set shared_with_networks = true
  where id = '00000000-0000-4000-8003-000000000001' $$, 'the admin shares it with the networks');
select pg_temp.act_as('00000000-0000-4000-8000-0000000000c1');
select is(app.spaser_access('00000000-0000-4000-8003-000000000001'), 'read', 'the network animator then reads it, read-only');

-- A visitor sees nothing.
select pg_temp.act_as(null);
select throws_ok('select count(*) from public.spaser_documents', '42501', null, 'a visitor (anon) cannot even query SPASER documents');

select * from finish();
rollback;
