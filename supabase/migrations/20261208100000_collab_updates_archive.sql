-- SPASER Commun — nothing deleted is lost (issue 15): the per-element history reads the update log, so the
-- compaction of the collaboration log no longer erases what it merges into the snapshot; it moves those rows
-- here, in the same transaction. Loading a document never reads this table (the snapshot has it all): only the
-- history service does, through `asService(db, 'spaser element history', …)`, after checking under the reader's
-- own rights (withUser, RLS) that they may read the document.
-- Like collab_updates: row-level security with no policy at all and grants to service_role only, so no user
-- role (anon, authenticated) can read or write it even by mistake.

-- seq 0 holds the snapshot the document had when archiving began (the first compaction after this migration):
-- the rows merged before were erased, and the later rows build on it.
create table if not exists public.collab_updates_archive (
  doc_id uuid not null,
  seq bigint not null check (seq >= 0),
  update bytea not null,
  user_id uuid,
  created_at timestamptz not null,
  archived_at timestamptz not null default now(),
  primary key (doc_id, seq)
);

alter table public.collab_updates_archive enable row level security;
revoke all on public.collab_updates_archive from public;
revoke all on public.collab_updates_archive from anon, authenticated;
grant select, insert, delete on public.collab_updates_archive to service_role;

comment on table public.collab_updates_archive is
  'Yjs updates already merged into collab_snapshots by a compaction, kept for the per-element history (who changed what, when).';

-- Writes as an unverified account are refused on every public table (20261207130000_unverified_read_only.sql).
drop trigger if exists zz_forbid_unverified_writes on public.collab_updates_archive;
create trigger zz_forbid_unverified_writes before insert or update or delete on public.collab_updates_archive
  for each statement execute function app.forbid_unverified_writes();

-- Deleting a SPASER deletes its whole collaboration log, the archive included.
create or replace function app.spaser_documents_drop_collab() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    delete from public.collab_updates where doc_id = old.id;
    delete from public.collab_snapshots where doc_id = old.id;
    delete from public.collab_updates_archive where doc_id = old.id;
    return old;
  end
  $$;
