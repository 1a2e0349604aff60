-- Security suite demo data (fictional, like supabase/seed.sql; idempotent: fixed ids, on conflict do nothing).
-- A second, unrelated network with its own animator, so that tests/e2e/security-crawler.e2e.ts can check that
-- animating *a* network opens nothing of another network's members (the Val d'Aurence SPASER, its Guichet…).
-- The network has no member collectivité and no link to the demo network's data.
-- Password: the shared demo password « Demo-Spaser-2026! ».

insert into public.users (id, email, display_name, email_verified_at, created_at)
values ('de000000-0000-4000-8000-000000000901', 'animateur.autre-reseau@demo.spaser.test', 'Bastien Cazeneuve',
        now() - interval '120 days', now() - interval '120 days')
on conflict do nothing;

insert into public.user_credentials (user_id, password_hash)
select 'de000000-0000-4000-8000-000000000901'::uuid,
       concat_ws('$', '', 'argon2id', 'v=19', 'm=19456,t=2,p=1', 'gxw8kQ5sYTngs5lxhhVwJA', 'QqXjkB40qdKx5XL0ru94JWGOos3Q2Mb2Hy5mzXVRO08')
where exists (select 1 from public.users where id = 'de000000-0000-4000-8000-000000000901')
on conflict do nothing;

insert into public.networks (id, slug, name, description, region_codes, created_at)
values ('de000000-0000-4000-8002-000000000901', 'reseau-commande-publique-durable-nord-est',
        'Réseau Commande Publique Durable Nord-Est',
        'Réseau régional fictif, créé pour la démonstration de SPASER Commun : aucune des collectivités, personnes ou données présentées n''existe.',
        array['44'], now() - interval '125 days')
on conflict do nothing;

insert into public.network_animators (network_id, user_id, created_at)
select 'de000000-0000-4000-8002-000000000901'::uuid, 'de000000-0000-4000-8000-000000000901'::uuid, now() - interval '120 days'
where exists (select 1 from public.users where id = 'de000000-0000-4000-8000-000000000901')
  and exists (select 1 from public.networks where id = 'de000000-0000-4000-8002-000000000901')
on conflict do nothing;
