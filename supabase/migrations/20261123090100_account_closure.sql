-- Account deletion (RGPD): the person's row stays so that what they wrote for their collectivité keeps its
-- author (shown as « Ancien membre »), but it is emptied: no e-mail address, no name, no credentials, sessions,
-- tokens or memberships (see src/lib/server/account/data.ts). deleted_at marks it.
alter table public.users add column deleted_at timestamptz;
