-- Demo events of the « Réseau des achats responsables du Sud-Ouest » (fictional), idempotent (fixed ids, on conflict do
-- nothing). Dates are relative to the day the demo is loaded (Europe/Paris):
--   evt1  a forum six weeks ago, after the « Tour de France » programme (plenary, then workshops A/B/C at 14 h and
--         D/E/F at 15 h 15), with registrations, check-ins and one no-show, so that the figures are populated;
--   evt2  an upcoming webinar open to every public buyer;
--   evt3  an upcoming cohort (three collective days), limited to two people per collectivité;
--   evt4  a matinale next month, still a draft.
-- Ids: de000000-0000-4000-8e06-…

create temporary table if not exists demo_event_day (k text primary key, d date);
insert into demo_event_day values
  ('forum', (now() at time zone 'Europe/Paris')::date - 42),
  ('webinar', (now() at time zone 'Europe/Paris')::date + 16),
  ('cohort1', (now() at time zone 'Europe/Paris')::date + 30),
  ('cohort2', (now() at time zone 'Europe/Paris')::date + 58),
  ('cohort3', (now() at time zone 'Europe/Paris')::date + 86),
  ('matinale', (now() at time zone 'Europe/Paris')::date + 35)
on conflict do nothing;

create or replace function pg_temp.demo_at(p_key text, p_time time) returns timestamptz
  language sql stable as $$ select ((select d from demo_event_day where k = p_key) + p_time) at time zone 'Europe/Paris' $$;

insert into public.events (id, kind, title, description, organiser_network_id, partners, themes, audience, place, visio_url,
                           starts_at, ends_at, registration_closes_at, capacity, per_org_limit, offer_hours, status, created_by, created_at)
values
  ('de000000-0000-4000-8e06-000000000001', 'forum', 'Tour de France de l''achat responsable — étape Sud-Ouest',
   E'Une journée pour partager les pratiques d''achat socialement et écologiquement responsable entre collectivités du réseau.\nMatin : plénière sur le SPASER et les chiffres de l''observatoire. Après-midi : deux séries d''ateliers au choix.',
   'de000000-0000-4000-8002-000000000001', 'Chambre régionale de l''ESS, Agence de l''environnement', '{SPASER,"clauses sociales",environnement}',
   'network', 'Maison des associations, 12 allée des Platanes, Val d''Aurence', null,
   pg_temp.demo_at('forum', '09:30'), pg_temp.demo_at('forum', '16:30'), pg_temp.demo_at('forum', '08:00'), 80, null, 48, 'published',
   'de000000-0000-4000-8000-000000000002', now() - interval '90 days'),
  ('de000000-0000-4000-8e06-000000000002', 'webinaire', 'Webinaire : considérations environnementales dans les marchés de travaux',
   E'Critères d''attribution et conditions d''exécution environnementales : retours d''expérience de deux collectivités et questions-réponses.',
   'de000000-0000-4000-8002-000000000001', '', '{environnement,travaux}',
   'buyers', '', 'https://visio.demo.spaser.test/webinaire-travaux',
   pg_temp.demo_at('webinar', '11:00'), pg_temp.demo_at('webinar', '12:30'), null, 100, null, 24, 'published',
   'de000000-0000-4000-8000-000000000002', now() - interval '10 days'),
  ('de000000-0000-4000-8e06-000000000003', 'cohorte', 'Cohorte SPASER 2027 : élaborer son schéma en trois journées',
   E'Programme collectif pour les collectivités qui adoptent leur premier SPASER : diagnostic, objectifs et indicateurs, gouvernance et suivi. Deux personnes au plus par collectivité.',
   'de000000-0000-4000-8002-000000000001', '', '{SPASER}',
   'network', 'Salle du conseil, Hôtel d''agglomération, Val d''Aurence', null,
   pg_temp.demo_at('cohort1', '09:30'), pg_temp.demo_at('cohort3', '16:30'), pg_temp.demo_at('cohort1', '09:00'), 12, 2, 48, 'published',
   'de000000-0000-4000-8000-000000000002', now() - interval '5 days'),
  ('de000000-0000-4000-8e06-000000000004', 'matinale', 'Matinale : sourcing des structures de l''insertion',
   '', 'de000000-0000-4000-8002-000000000001', '', '{"clauses sociales",sourcing}',
   'network', 'En ligne', 'https://visio.demo.spaser.test/matinale-sourcing',
   pg_temp.demo_at('matinale', '08:30'), pg_temp.demo_at('matinale', '10:00'), null, null, null, 48, 'draft',
   'de000000-0000-4000-8000-000000000002', now() - interval '1 day')
on conflict (id) do nothing;

insert into public.event_choice_groups (id, event_id, title, position) values
  ('de000000-0000-4000-8e06-000000000101', 'de000000-0000-4000-8e06-000000000001', 'Ateliers de 14 h 00', 1),
  ('de000000-0000-4000-8e06-000000000102', 'de000000-0000-4000-8e06-000000000001', 'Ateliers de 15 h 15', 2)
on conflict (id) do nothing;

insert into public.event_sessions (id, event_id, choice_group_id, title, starts_at, ends_at, room, speakers, capacity)
select v.id::uuid, v.event_id::uuid, v.grp::uuid, v.title, pg_temp.demo_at(v.k, v.s::time), pg_temp.demo_at(v.k, v.e::time), v.room, v.speakers, v.cap
from (values
  ('de000000-0000-4000-8e06-000000000201', 'de000000-0000-4000-8e06-000000000001', null, 'forum', 'Plénière : le SPASER, cinq ans après', '09:30', '11:00', 'Grande salle', 'Animatrice : Margaux Estaniol (réseau)', null::int),
  ('de000000-0000-4000-8e06-000000000202', 'de000000-0000-4000-8e06-000000000001', null, 'forum', 'Table ronde : les chiffres de l''observatoire régional', '11:15', '12:30', 'Grande salle', 'Sandrine Aurelhac, Nadia Cazalbou', null),
  ('de000000-0000-4000-8e06-000000000203', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000101', 'forum', 'Atelier A : clause d''insertion, calibrer les heures', '14:00', '15:00', 'Salle 1', 'Facilitatrice du PLIE', 25),
  ('de000000-0000-4000-8e06-000000000204', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000101', 'forum', 'Atelier B : critères environnementaux en restauration collective', '14:00', '15:00', 'Salle 2', '', 25),
  ('de000000-0000-4000-8e06-000000000205', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000101', 'forum', 'Atelier C : marchés réservés SIAE et EA/ESAT', '14:00', '15:00', 'Salle 3', '', 25),
  ('de000000-0000-4000-8e06-000000000206', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000102', 'forum', 'Atelier D : sourcing et rencontres acheteurs–fournisseurs', '15:15', '16:15', 'Salle 1', '', 25),
  ('de000000-0000-4000-8e06-000000000207', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000102', 'forum', 'Atelier E : suivre les indicateurs du SPASER', '15:15', '16:15', 'Salle 2', '', 25),
  ('de000000-0000-4000-8e06-000000000208', 'de000000-0000-4000-8e06-000000000001', 'de000000-0000-4000-8e06-000000000102', 'forum', 'Atelier F : achats numériques responsables', '15:15', '16:15', 'Salle 3', '', 25),
  ('de000000-0000-4000-8e06-000000000209', 'de000000-0000-4000-8e06-000000000002', null, 'webinar', 'Webinaire', '11:00', '12:30', '', 'Animatrice : Margaux Estaniol', null),
  ('de000000-0000-4000-8e06-000000000210', 'de000000-0000-4000-8e06-000000000003', null, 'cohort1', 'Journée 1 : diagnostic des achats', '09:30', '16:30', 'Salle du conseil', '', null),
  ('de000000-0000-4000-8e06-000000000211', 'de000000-0000-4000-8e06-000000000003', null, 'cohort2', 'Journée 2 : objectifs et indicateurs', '09:30', '16:30', 'Salle du conseil', '', null),
  ('de000000-0000-4000-8e06-000000000212', 'de000000-0000-4000-8e06-000000000003', null, 'cohort3', 'Journée 3 : gouvernance, suivi et bilan', '09:30', '16:30', 'Salle du conseil', '', null),
  ('de000000-0000-4000-8e06-000000000213', 'de000000-0000-4000-8e06-000000000004', null, 'matinale', 'Matinale', '08:30', '10:00', '', '', null)
) as v (id, event_id, grp, k, title, s, e, room, speakers, cap)
on conflict (id) do nothing;

-- The forum's participants (user, collectivité, workshop at 14 h, workshop at 15 h 15, present?).
insert into public.event_registrations (id, event_id, user_id, org_id, full_name, email, registered_by, status, no_show, created_at)
select v.id::uuid, 'de000000-0000-4000-8e06-000000000001', u.id, v.org_id::uuid, u.display_name, u.email, u.id, 'confirmed', not v.present,
       pg_temp.demo_at('forum', '09:00') - interval '20 days'
from (values
  ('de000000-0000-4000-8e06-000000000301', 'de000000-0000-4000-8000-000000000003', 'de000000-0000-4000-8001-000000000001', true),
  ('de000000-0000-4000-8e06-000000000302', 'de000000-0000-4000-8000-000000000004', 'de000000-0000-4000-8001-000000000001', true),
  ('de000000-0000-4000-8e06-000000000303', 'de000000-0000-4000-8000-000000000006', 'de000000-0000-4000-8001-000000000002', true),
  ('de000000-0000-4000-8e06-000000000304', 'de000000-0000-4000-8000-000000000007', 'de000000-0000-4000-8001-000000000003', true),
  ('de000000-0000-4000-8e06-000000000305', 'de000000-0000-4000-8000-000000000009', 'de000000-0000-4000-8001-000000000004', true),
  ('de000000-0000-4000-8e06-000000000306', 'de000000-0000-4000-8000-000000000010', 'de000000-0000-4000-8001-000000000005', true),
  ('de000000-0000-4000-8e06-000000000307', 'de000000-0000-4000-8000-000000000012', 'de000000-0000-4000-8001-000000000007', false),
  ('de000000-0000-4000-8e06-000000000308', 'de000000-0000-4000-8000-000000000014', 'de000000-0000-4000-8001-000000000009', true)
) as v (id, user_id, org_id, present)
join public.users u on u.id = v.user_id::uuid
on conflict (id) do nothing;

insert into public.event_registration_choices (registration_id, choice_group_id, session_id)
select v.reg::uuid, g.grp::uuid, (case g.grp when 'de000000-0000-4000-8e06-000000000101' then v.first else v.second end)::uuid
from (values
  ('de000000-0000-4000-8e06-000000000301', 'de000000-0000-4000-8e06-000000000203', 'de000000-0000-4000-8e06-000000000207'),
  ('de000000-0000-4000-8e06-000000000302', 'de000000-0000-4000-8e06-000000000204', 'de000000-0000-4000-8e06-000000000206'),
  ('de000000-0000-4000-8e06-000000000303', 'de000000-0000-4000-8e06-000000000203', 'de000000-0000-4000-8e06-000000000208'),
  ('de000000-0000-4000-8e06-000000000304', 'de000000-0000-4000-8e06-000000000205', 'de000000-0000-4000-8e06-000000000207'),
  ('de000000-0000-4000-8e06-000000000305', 'de000000-0000-4000-8e06-000000000204', 'de000000-0000-4000-8e06-000000000206'),
  ('de000000-0000-4000-8e06-000000000306', 'de000000-0000-4000-8e06-000000000205', 'de000000-0000-4000-8e06-000000000206'),
  ('de000000-0000-4000-8e06-000000000307', 'de000000-0000-4000-8e06-000000000203', 'de000000-0000-4000-8e06-000000000207'),
  ('de000000-0000-4000-8e06-000000000308', 'de000000-0000-4000-8e06-000000000205', 'de000000-0000-4000-8e06-000000000208')
) as v (reg, first, second)
cross join (values ('de000000-0000-4000-8e06-000000000101'), ('de000000-0000-4000-8e06-000000000102')) as g (grp)
join public.event_registrations r on r.id = v.reg::uuid
on conflict do nothing;

-- Present participants: every session of their programme (the animator checked them in at the start).
insert into public.event_checkins (registration_id, session_id, method, checked_by, checked_at)
select r.id, s.id, case when r.id::text like '%3' then 'manual' else 'qr' end, 'de000000-0000-4000-8000-000000000002', s.starts_at + interval '5 minutes'
from public.event_registrations r
join public.event_sessions s on s.event_id = r.event_id
where r.event_id = 'de000000-0000-4000-8e06-000000000001' and not r.no_show
  and (s.choice_group_id is null or exists (select 1 from public.event_registration_choices c where c.registration_id = r.id and c.session_id = s.id))
  and not exists (select 1 from public.event_checkins c where c.registration_id = r.id and c.session_id = s.id);

-- A few people registered for the webinar and the cohort.
insert into public.event_registrations (id, event_id, user_id, org_id, full_name, email, registered_by, status, created_at)
select v.id::uuid, v.event_id::uuid, u.id, v.org_id::uuid, u.display_name, u.email, u.id, 'confirmed', now() - interval '2 days'
from (values
  ('de000000-0000-4000-8e06-000000000311', 'de000000-0000-4000-8e06-000000000002', 'de000000-0000-4000-8000-000000000006', 'de000000-0000-4000-8001-000000000002'),
  ('de000000-0000-4000-8e06-000000000312', 'de000000-0000-4000-8e06-000000000002', 'de000000-0000-4000-8000-000000000011', 'de000000-0000-4000-8001-000000000006'),
  ('de000000-0000-4000-8e06-000000000313', 'de000000-0000-4000-8e06-000000000003', 'de000000-0000-4000-8000-000000000010', 'de000000-0000-4000-8001-000000000005'),
  ('de000000-0000-4000-8e06-000000000314', 'de000000-0000-4000-8e06-000000000003', 'de000000-0000-4000-8000-000000000016', 'de000000-0000-4000-8001-000000000011')
) as v (id, event_id, user_id, org_id)
join public.users u on u.id = v.user_id::uuid
on conflict (id) do nothing;

drop table if exists demo_event_day;
