-- SPASER Commun — demo data. EVERYTHING HERE IS FICTIONAL: the network, the collectivités, the people, the
-- e-mail addresses (reserved .test domain) and the SIREN numbers (prefix 99990, chosen so as not to collide with
-- real bodies, but Luhn-valid so that the app's checks accept them).
--
-- Loaded by `npm start` (src/lib/server/demo.ts runs the whole file in one transaction as the database owner, on
-- every start) and by the Supabase CLI (`supabase db reset` runs it after the migrations). It must therefore be
-- idempotent: fixed UUIDs and `on conflict do nothing` everywhere; rows that already exist are left as they are
-- (a demo account whose password was changed keeps it).
--
-- Every demo account has the password « Demo-Spaser-2026! » (argon2id, m=19456, t=2, p=1, computed once with
-- @node-rs/argon2 — the same parameters as src/lib/server/auth/password.ts) and a verified e-mail address.
--
-- UUID patterns: users de000000-0000-4000-8000-…, organisations …-8001-…, network …-8002-…,
-- network memberships …-8003-….

-- ---------------------------------------------------------------------------------------------------------
-- Accounts
-- ---------------------------------------------------------------------------------------------------------
insert into public.users (id, email, display_name, email_verified_at, is_platform_admin, created_at)
select v.id::uuid, v.email, v.display_name, now() - make_interval(days => v.age_days), v.is_platform_admin,
       now() - make_interval(days => v.age_days)
from (values
  ('de000000-0000-4000-8000-000000000001', 'admin.plateforme@demo.spaser.test', 'Joséphine Castagnol', true, 220),
  ('de000000-0000-4000-8000-000000000002', 'animatrice@demo.spaser.test', 'Margaux Estaniol', false, 210),
  ('de000000-0000-4000-8000-000000000003', 'admin@demo.spaser.test', 'Sandrine Aurelhac', false, 200),
  ('de000000-0000-4000-8000-000000000004', 'redacteur@demo.spaser.test', 'Thomas Bérengier', false, 190),
  ('de000000-0000-4000-8000-000000000005', 'lecteur@demo.spaser.test', 'Lucas Fabrègue', false, 185),
  ('de000000-0000-4000-8000-000000000006', 'achats.metropole@demo.spaser.test', 'Nadia Cazalbou', false, 198),
  ('de000000-0000-4000-8000-000000000007', 'achats.departement@demo.spaser.test', 'Olivier Rouquayrol', false, 196),
  ('de000000-0000-4000-8000-000000000008', 'redaction.departement@demo.spaser.test', 'Claire Montagnac', false, 150),
  ('de000000-0000-4000-8000-000000000009', 'achats.port-lirac@demo.spaser.test', 'Inès Marcorelle', false, 180),
  ('de000000-0000-4000-8000-000000000010', 'mairie.saint-brivadel@demo.spaser.test', 'Pierre Lagardelle', false, 170),
  ('de000000-0000-4000-8000-000000000011', 'mairie.vabrelongue@demo.spaser.test', 'Élodie Pujolas', false, 160),
  ('de000000-0000-4000-8000-000000000012', 'achats.lantares@demo.spaser.test', 'Hugo Daubèze', false, 175),
  ('de000000-0000-4000-8000-000000000013', 'achats.aubrenac@demo.spaser.test', 'Amandine Lacombrade', false, 140),
  ('de000000-0000-4000-8000-000000000014', 'achats.ch-sorbiere@demo.spaser.test', 'Karim Benazet', false, 130),
  ('de000000-0000-4000-8000-000000000015', 'achats.cerbelle@demo.spaser.test', 'Sophie Malavieille', false, 120),
  ('de000000-0000-4000-8000-000000000016', 'mairie.belveran@demo.spaser.test', 'Julien Escoubès', false, 110),
  ('de000000-0000-4000-8000-000000000017', 'mairie.mirevaux@demo.spaser.test', 'Nathalie Rieucros', false, 95),
  ('de000000-0000-4000-8000-000000000018', 'mairie.sainte-olverine@demo.spaser.test', 'Romain Labarthe', false, 12),
  ('de000000-0000-4000-8000-000000000019', 'achats.arveze@demo.spaser.test', 'Yasmina Ortalès', false, 6),
  ('de000000-0000-4000-8000-000000000020', 'mairie.fontcalviere@demo.spaser.test', 'Gilles Tarrieu', false, 45)
) as v (id, email, display_name, is_platform_admin, age_days)
on conflict do nothing;

-- The shared demo password « Demo-Spaser-2026! ». Only for accounts created by this file (fixed ids).
insert into public.user_credentials (user_id, password_hash)
-- The PHC string is assembled with concat_ws so that the file holds no text a naive SQL statement splitter
-- could mistake for a dollar-quoted string.
select u.id, concat_ws('$', '', 'argon2id', 'v=19', 'm=19456,t=2,p=1', 'gxw8kQ5sYTngs5lxhhVwJA',
                       'QqXjkB40qdKx5XL0ru94JWGOos3Q2Mb2Hy5mzXVRO08')
from public.users u
where u.id::text like 'de000000-0000-4000-8000-%'
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- The network and its animator
-- ---------------------------------------------------------------------------------------------------------
insert into public.networks (id, slug, name, description, region_codes, created_at)
values (
  'de000000-0000-4000-8002-000000000001',
  'reseau-achats-responsables-sud-ouest',
  'Réseau Achats Responsables Sud-Ouest',
  'Réseau régional fictif, créé pour la démonstration de SPASER Commun : aucune des collectivités, personnes ou données présentées n''existe.

Le réseau réunit les acheteurs publics d''Occitanie qui élaborent ou mettent à jour leur schéma de promotion des achats socialement et écologiquement responsables (SPASER). Il propose des ateliers d''écriture trimestriels, un partage de clauses sociales et environnementales éprouvées, et un accompagnement des collectivités pour qui le SPASER est obligatoire (plus de 50 millions d''euros HT d''achats annuels) comme pour celles qui s''y engagent volontairement.',
  array['76'],
  now() - interval '215 days'
)
on conflict do nothing;

insert into public.network_animators (network_id, user_id, created_at)
select 'de000000-0000-4000-8002-000000000001'::uuid, u.id, now() - interval '210 days'
from public.users u
where u.id = 'de000000-0000-4000-8000-000000000002'
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- Collectivités (fictional names; SIREN prefix 99990; purchase volumes in euros HT per year)
-- ---------------------------------------------------------------------------------------------------------
insert into public.organisations (id, slug, name, siren, kind, region_code, departement_code, population,
                                  purchase_volume_eur, referents_count, created_by, created_at)
select v.id::uuid, v.slug, v.name, v.siren, v.kind, '76', v.dep, v.population, v.volume, v.referents, u.id,
       now() - make_interval(days => v.age_days)
from (values
  ('de000000-0000-4000-8001-000000000001', 'agglomeration-du-val-d-aurence', 'Agglomération du Val d''Aurence',
   '999900079', 'communaute_agglomeration', '31', 128400, 74500000.00, 6, 'de000000-0000-4000-8000-000000000003', 200),
  ('de000000-0000-4000-8001-000000000002', 'metropole-de-garonne-veradene', 'Métropole de Garonne-Véradène',
   '999900145', 'metropole', '31', 512300, 610000000.00, 14, 'de000000-0000-4000-8000-000000000006', 198),
  ('de000000-0000-4000-8001-000000000003', 'departement-des-causses-mirandel', 'Département des Causses-Mirandel',
   '999900210', 'departement', '12', 281900, 192000000.00, 9, 'de000000-0000-4000-8000-000000000007', 196),
  ('de000000-0000-4000-8001-000000000004', 'communaute-urbaine-de-port-lirac', 'Communauté urbaine de Port-Lirac',
   '999900285', 'communaute_urbaine', '34', 236000, 118000000.00, 7, 'de000000-0000-4000-8000-000000000009', 180),
  ('de000000-0000-4000-8001-000000000005', 'commune-de-saint-brivadel', 'Commune de Saint-Brivadel',
   '999900350', 'commune', '81', 8420, 6200000.00, 2, 'de000000-0000-4000-8000-000000000010', 170),
  ('de000000-0000-4000-8001-000000000006', 'commune-de-vabrelongue', 'Commune de Vabrelongue',
   '999900426', 'commune', '09', 2310, 1450000.00, 1, 'de000000-0000-4000-8000-000000000011', 160),
  ('de000000-0000-4000-8001-000000000007', 'communaute-de-communes-des-coteaux-de-lantares',
   'Communauté de communes des Coteaux de Lantarès', '999900491', 'communaute_communes', '32', 18750, 9800000.00, 2,
   'de000000-0000-4000-8000-000000000012', 175),
  ('de000000-0000-4000-8001-000000000008', 'communaute-de-communes-du-causse-d-aubrenac',
   'Communauté de communes du Causse d''Aubrenac', '999900566', 'communaute_communes', '46', 11200, 4900000.00, 1,
   'de000000-0000-4000-8000-000000000013', 140),
  ('de000000-0000-4000-8001-000000000009', 'centre-hospitalier-du-val-de-sorbiere', 'Centre hospitalier du Val de Sorbière',
   '999900632', 'centre_hospitalier', '65', null, 58300000.00, 3, 'de000000-0000-4000-8000-000000000014', 130),
  ('de000000-0000-4000-8001-000000000010', 'syndicat-mixte-des-eaux-de-la-vallee-de-la-cerbelle',
   'Syndicat mixte des eaux de la Vallée de la Cerbelle', '999900707', 'etablissement_public', '82', 41500, 12300000.00, 1,
   'de000000-0000-4000-8000-000000000015', 120),
  ('de000000-0000-4000-8001-000000000011', 'commune-de-belveran', 'Commune de Belvéran',
   '999900772', 'commune', '12', 4120, 2900000.00, 1, 'de000000-0000-4000-8000-000000000016', 110),
  ('de000000-0000-4000-8001-000000000012', 'commune-de-mirevaux-les-cascades', 'Commune de Mirevaux-les-Cascades',
   '999900848', 'commune', '11', 15680, 11400000.00, 2, 'de000000-0000-4000-8000-000000000017', 95),
  ('de000000-0000-4000-8001-000000000013', 'commune-de-sainte-olverine', 'Commune de Sainte-Olvérine',
   '999900913', 'commune', '11', 6240, 3750000.00, 0, 'de000000-0000-4000-8000-000000000018', 12),
  ('de000000-0000-4000-8001-000000000014', 'communaute-d-agglomeration-des-rives-de-l-arveze',
   'Communauté d''agglomération des Rives de l''Arvèze', '999900988', 'communaute_agglomeration', '82', 96300, 63000000.00, 4,
   'de000000-0000-4000-8000-000000000019', 6),
  ('de000000-0000-4000-8001-000000000015', 'commune-de-fontcalviere', 'Commune de Fontcalvière',
   '999901051', 'commune', '34', 3480, 2100000.00, 1, 'de000000-0000-4000-8000-000000000020', 45)
) as v (id, slug, name, siren, kind, dep, population, volume, referents, creator, age_days)
left join public.users u on u.id = v.creator::uuid
on conflict do nothing;

-- Members. The creator trigger already made each creator an admin; listing them again keeps this file
-- explicit (and correct if the trigger changes).
insert into public.organisation_members (org_id, user_id, role, created_at)
select v.org_id::uuid, u.id, v.role, now() - make_interval(days => v.age_days)
from (values
  ('de000000-0000-4000-8001-000000000001', 'de000000-0000-4000-8000-000000000003', 'admin', 200),
  ('de000000-0000-4000-8001-000000000001', 'de000000-0000-4000-8000-000000000004', 'editor', 190),
  ('de000000-0000-4000-8001-000000000001', 'de000000-0000-4000-8000-000000000005', 'viewer', 185),
  ('de000000-0000-4000-8001-000000000002', 'de000000-0000-4000-8000-000000000006', 'admin', 198),
  ('de000000-0000-4000-8001-000000000003', 'de000000-0000-4000-8000-000000000007', 'admin', 196),
  ('de000000-0000-4000-8001-000000000003', 'de000000-0000-4000-8000-000000000008', 'editor', 150),
  ('de000000-0000-4000-8001-000000000004', 'de000000-0000-4000-8000-000000000009', 'admin', 180),
  ('de000000-0000-4000-8001-000000000005', 'de000000-0000-4000-8000-000000000010', 'admin', 170),
  ('de000000-0000-4000-8001-000000000006', 'de000000-0000-4000-8000-000000000011', 'admin', 160),
  ('de000000-0000-4000-8001-000000000007', 'de000000-0000-4000-8000-000000000012', 'admin', 175),
  -- the intercommunality's buyer also helps one of its member communes
  ('de000000-0000-4000-8001-000000000006', 'de000000-0000-4000-8000-000000000012', 'editor', 150),
  ('de000000-0000-4000-8001-000000000008', 'de000000-0000-4000-8000-000000000013', 'admin', 140),
  ('de000000-0000-4000-8001-000000000009', 'de000000-0000-4000-8000-000000000014', 'admin', 130),
  ('de000000-0000-4000-8001-000000000010', 'de000000-0000-4000-8000-000000000015', 'admin', 120),
  ('de000000-0000-4000-8001-000000000011', 'de000000-0000-4000-8000-000000000016', 'admin', 110),
  ('de000000-0000-4000-8001-000000000012', 'de000000-0000-4000-8000-000000000017', 'admin', 95),
  ('de000000-0000-4000-8001-000000000013', 'de000000-0000-4000-8000-000000000018', 'admin', 12),
  ('de000000-0000-4000-8001-000000000014', 'de000000-0000-4000-8000-000000000019', 'admin', 6),
  ('de000000-0000-4000-8001-000000000015', 'de000000-0000-4000-8000-000000000020', 'admin', 45)
) as v (org_id, user_id, role, age_days)
join public.users u on u.id = v.user_id::uuid
join public.organisations o on o.id = v.org_id::uuid
on conflict do nothing;

-- ---------------------------------------------------------------------------------------------------------
-- Network memberships: 12 approved, 2 pending requests, 1 refused
-- ---------------------------------------------------------------------------------------------------------
insert into public.network_memberships (id, network_id, org_id, status, message, reason, requested_by, requested_at,
                                        decided_by, decided_at)
select v.id::uuid, 'de000000-0000-4000-8002-000000000001'::uuid, v.org_id::uuid, v.status, v.message, v.reason,
       req.id, now() - make_interval(days => v.asked_days_ago),
       case when v.status = 'pending' then null else anim.id end,
       case when v.status = 'pending' then null else now() - make_interval(days => v.asked_days_ago - 2) end
from (values
  ('de000000-0000-4000-8003-000000000001', 'de000000-0000-4000-8001-000000000001', 'approved',
   'Notre agglomération révise son SPASER cette année et souhaite partager ses clauses sociales.', null,
   'de000000-0000-4000-8000-000000000003', 198),
  ('de000000-0000-4000-8003-000000000002', 'de000000-0000-4000-8001-000000000002', 'approved', null, null,
   'de000000-0000-4000-8000-000000000006', 196),
  ('de000000-0000-4000-8003-000000000003', 'de000000-0000-4000-8001-000000000003', 'approved', null, null,
   'de000000-0000-4000-8000-000000000007', 194),
  ('de000000-0000-4000-8003-000000000004', 'de000000-0000-4000-8001-000000000004', 'approved', null, null,
   'de000000-0000-4000-8000-000000000009', 178),
  ('de000000-0000-4000-8003-000000000005', 'de000000-0000-4000-8001-000000000005', 'approved',
   'Petite commune, premier SPASER volontaire : nous cherchons des exemples à notre échelle.', null,
   'de000000-0000-4000-8000-000000000010', 168),
  ('de000000-0000-4000-8003-000000000006', 'de000000-0000-4000-8001-000000000006', 'approved', null, null,
   'de000000-0000-4000-8000-000000000011', 158),
  ('de000000-0000-4000-8003-000000000007', 'de000000-0000-4000-8001-000000000007', 'approved', null, null,
   'de000000-0000-4000-8000-000000000012', 172),
  ('de000000-0000-4000-8003-000000000008', 'de000000-0000-4000-8001-000000000008', 'approved', null, null,
   'de000000-0000-4000-8000-000000000013', 138),
  ('de000000-0000-4000-8003-000000000009', 'de000000-0000-4000-8001-000000000009', 'approved',
   'Le centre hospitalier dépasse le seuil des 50 M€ HT et doit adopter son SPASER.', null,
   'de000000-0000-4000-8000-000000000014', 128),
  ('de000000-0000-4000-8003-000000000010', 'de000000-0000-4000-8001-000000000010', 'approved', null, null,
   'de000000-0000-4000-8000-000000000015', 118),
  ('de000000-0000-4000-8003-000000000011', 'de000000-0000-4000-8001-000000000011', 'approved', null, null,
   'de000000-0000-4000-8000-000000000016', 108),
  ('de000000-0000-4000-8003-000000000012', 'de000000-0000-4000-8001-000000000012', 'approved', null, null,
   'de000000-0000-4000-8000-000000000017', 93),
  ('de000000-0000-4000-8003-000000000013', 'de000000-0000-4000-8001-000000000013', 'pending',
   'Bonjour, notre commune souhaite rejoindre le réseau pour préparer son premier SPASER avec l''appui d''autres collectivités de l''Aude. Merci !',
   null, 'de000000-0000-4000-8000-000000000018', 10),
  ('de000000-0000-4000-8003-000000000014', 'de000000-0000-4000-8001-000000000014', 'pending',
   'Notre agglomération a franchi le seuil de 50 M€ HT d''achats : nous devons adopter un SPASER d''ici un an et aimerions bénéficier des ateliers du réseau.',
   null, 'de000000-0000-4000-8000-000000000019', 4),
  ('de000000-0000-4000-8003-000000000015', 'de000000-0000-4000-8001-000000000015', 'refused',
   'Nous souhaitons rejoindre le réseau.',
   'Votre commune est déjà représentée dans le réseau par la Communauté urbaine de Port-Lirac, qui porte un SPASER commun à ses membres. Rapprochez-vous de son service achats ; vous pourrez renouveler votre demande si vous élaborez un SPASER propre.',
   'de000000-0000-4000-8000-000000000020', 40)
) as v (id, org_id, status, message, reason, requested_by, asked_days_ago)
join public.organisations o on o.id = v.org_id::uuid
join public.networks n on n.id = 'de000000-0000-4000-8002-000000000001'::uuid
left join public.users req on req.id = v.requested_by::uuid
left join public.users anim on anim.id = 'de000000-0000-4000-8000-000000000002'::uuid
on conflict do nothing;
