-- SPASER Commun — demo indicator values (fictional) for the 12 approved collectivités of the demo network,
-- 2022 to 2025, spread around the national figures (OECP census: ~22 % of contracts with a social consideration
-- and ~29 % with an environmental one in 2022; ~60 % of contracts to SMEs; EGalim: 27.5 % sustainable and 13 %
-- organic products nationally in 2022), with a yearly progression. Values are deterministic (hash of the
-- collectivité, the indicator and the year), so loading twice changes nothing (on conflict do nothing).
--
-- Only approved members of the network have values: the network and the region (code 76) then have the same
-- contributors, and the anonymised benchmark is published for both (no differencing between them).

insert into public.indicator_values (org_id, indicator_id, year, value, perimeter, source, comment, created_at, updated_at)
select o.id, d.id, y.year,
       round(least(p.hi, greatest(p.lo,
         (case when p.per_volume then coalesce(o.purchase_volume_eur, 5000000) / 1000000.0
               when p.per_referent then greatest(coalesce(o.referents_count, 1), 1)
               else 1 end)
         * (p.base + p.slope * (y.year - 2022))
         * (1 + p.spread * ((abs(hashtext(o.id::text || d.code)) % 2001) - 1000) / 1000.0)
         * (1 + 0.06 * ((abs(hashtext(o.id::text || d.code || y.year::text)) % 201) - 100) / 100.0)
       ))::numeric, p.digits),
       p.perimeter, 'saisie', 'Donnée de démonstration (fictive).',
       make_timestamp(y.year + 1, 3, 15, 10, 0, 0), make_timestamp(y.year + 1, 3, 15, 10, 0, 0)
from public.organisations o
join public.network_memberships nm on nm.org_id = o.id and nm.status = 'approved'
  and nm.network_id = 'de000000-0000-4000-8002-000000000001'
cross join (values
  -- code,        base,  slope, spread, lo, hi,       digits, per_volume, per_referent, perimeter
  ('CAN-ENV-01',  27.0,  7.5,   0.45,  0, 100,        1, false, false, 'Marchés ≥ 40 000 € HT notifiés dans l''année'),
  ('CAN-ENV-02',  11.0,  3.0,   0.55,  0, 100,        1, false, false, 'Marchés ≥ 40 000 € HT notifiés dans l''année'),
  ('CAN-ENV-03',  4500,  600,   0.50,  0, 1e12,       0, true,  false, 'Familles AGEC'),
  ('CAN-ENV-04',  14.0,  3.0,   0.60,  0, 100,        1, false, false, 'Marchés de travaux notifiés'),
  ('CAN-ENV-05',  1.0,   0.6,   0.70,  0, 1000,       0, false, true,  'Consultations lancées'),
  ('CAN-ENV-06',  24.0,  7.0,   0.50,  0, 100,        1, false, false, 'Véhicules renouvelés'),
  ('CAN-ENV-07',  18.0,  6.0,   0.55,  0, 100,        1, false, false, 'Marchés numériques notifiés'),
  ('CAN-ALIM-01', 27.0,  4.5,   0.35,  0, 100,        1, false, false, 'Restauration collective en gestion directe'),
  ('CAN-ALIM-02', 12.5,  2.0,   0.40,  0, 100,        1, false, false, 'Restauration collective en gestion directe'),
  ('CAN-SOC-01',  16.0,  3.0,   0.50,  0, 100,        1, false, false, 'Marchés ≥ 40 000 € HT notifiés dans l''année'),
  ('CAN-SOC-02',  85.0,  12.0,  0.45,  0, 1e9,        0, true,  false, 'Heures réalisées (facilitateur)'),
  ('CAN-SOC-07',  1.4,   0.3,   0.60,  0, 100,        1, false, false, 'Marchés ≥ 40 000 € HT notifiés dans l''année'),
  ('CAN-SOC-08',  14000, 1800,  0.50,  0, 1e12,       0, true,  false, 'Mandats de l''année'),
  ('CAN-SOC-10',  3.0,   1.5,   0.70,  0, 100,        1, false, false, 'Marchés notifiés'),
  ('CAN-ECO-01',  60.0,  0.5,   0.18,  0, 100,        1, false, false, 'Marchés notifiés, catégorie du titulaire connue'),
  ('CAN-ECO-02',  42.0,  1.5,   0.30,  0, 100,        1, false, false, 'Montant notifié, titulaires du département'),
  ('CAN-ECO-04',  3.4,   0.1,   0.35,  1, 50,         1, false, false, 'Marchés ≥ 40 000 € HT notifiés'),
  ('CAN-ECO-06',  1.8,   0.4,   0.70,  0, 100,        1, false, false, 'Marchés notifiés'),
  ('CAN-ECO-07',  29.0,  -1.8,  0.25,  5, 90,         1, false, false, 'Budget principal'),
  ('CAN-GOV-01',  7.0,   1.5,   0.40,  0, 100000,     0, false, true,  'Agents acheteurs et prescripteurs'),
  ('CAN-GOV-02',  28.0,  6.0,   0.45,  0, 100,        1, false, false, 'Marchés stratégiques de l''année')
) as p (code, base, slope, spread, lo, hi, digits, per_volume, per_referent, perimeter)
join public.indicator_definitions d on d.code = p.code and d.org_id is null and d.is_current
cross join (values (2022), (2023), (2024), (2025)) as y (year)
where o.id::text like 'de000000-0000-4000-8001-%'
on conflict do nothing;
