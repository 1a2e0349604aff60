-- Guichet vert demo data (fictional, like supabase/seed.sql; idempotent: fixed ids, on conflict do nothing).
-- A social-clause facilitator of the demo network, to whom the animator can redirect a request. She does not
-- offer sessions herself (inactive profile): she answers the requests handed to her.
-- Password: the shared demo password « Demo-Spaser-2026! ».

insert into public.users (id, email, display_name, email_verified_at, created_at)
values ('de000000-0000-4000-8000-000000000501', 'facilitation.clauses@demo.spaser.test', 'Laure Castanet',
        now() - interval '150 days', now() - interval '150 days')
on conflict do nothing;

insert into public.user_credentials (user_id, password_hash)
select 'de000000-0000-4000-8000-000000000501'::uuid,
       concat_ws('$', '', 'argon2id', 'v=19', 'm=19456,t=2,p=1', 'gxw8kQ5sYTngs5lxhhVwJA', 'QqXjkB40qdKx5XL0ru94JWGOos3Q2Mb2Hy5mzXVRO08')
where exists (select 1 from public.users where id = 'de000000-0000-4000-8000-000000000501')
on conflict do nothing;

insert into public.network_animators (network_id, user_id, created_at)
values ('de000000-0000-4000-8002-000000000001', 'de000000-0000-4000-8000-000000000501', now() - interval '150 days')
on conflict do nothing;

insert into public.guichet_profiles (id, network_id, animator_id, modalities, phone, topics, confirmation_mode, active,
                                     social_clause_facilitator)
values ('de000000-0000-4000-8050-000000000001', 'de000000-0000-4000-8002-000000000001', 'de000000-0000-4000-8000-000000000501',
        '{telephone}', '05 00 00 00 00', '{"Clauses sociales d''insertion","Suivi des heures d''insertion"}', 'manual', false, true)
on conflict do nothing;
