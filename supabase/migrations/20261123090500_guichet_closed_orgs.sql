-- Closing a collectivité (issue 8, data rights) no longer erases the network's Guichet vert history: its
-- requests and sessions stay as anonymous rows (org_id set to null when the collectivité row goes), their content
-- removed beforehand by closeOrganisation (src/lib/server/orgs/data.ts), so that the network's figures for past
-- months do not change after the fact. Nobody can create such a row: the insert policies require a buyer
-- collectivité (app.guichet_is_buyer is false for null).
alter table public.guichet_requests alter column org_id drop not null;
alter table public.guichet_requests drop constraint guichet_requests_org_id_fkey;
alter table public.guichet_requests add constraint guichet_requests_org_id_fkey
  foreign key (org_id) references public.organisations (id) on delete set null;

alter table public.guichet_bookings alter column org_id drop not null;
alter table public.guichet_bookings drop constraint guichet_bookings_org_id_fkey;
alter table public.guichet_bookings add constraint guichet_bookings_org_id_fkey
  foreign key (org_id) references public.organisations (id) on delete set null;
