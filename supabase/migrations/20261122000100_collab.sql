-- SPASER Commun — persistence of the real-time collaboration server (Yjs).
-- Append-only log of the binary Yjs updates of each document, and one compacted snapshot per document.
-- Only the collaboration server touches these tables, through `asService(db, 'collab persistence', …)`:
-- row-level security is enabled with no policy at all, and only service_role has grants, so no user role
-- (anon, authenticated) can read or write them even by mistake. Readers of a document's content go through
-- the server-side projection (relational tables read through RLS), never through these blobs.
--
-- doc_id has no foreign key here on purpose: the collaboration server is generic (any uuid-identified Y.Doc).
-- The SPASER schema may add `references … on delete cascade` once its documents table exists.

create table if not exists public.collab_updates (
  doc_id uuid not null,
  seq bigint not null check (seq > 0),
  update bytea not null,
  user_id uuid,
  created_at timestamptz not null default now(),
  primary key (doc_id, seq)
);

create table if not exists public.collab_snapshots (
  doc_id uuid primary key,
  state bytea not null,
  upto_seq bigint not null check (upto_seq >= 0),
  updated_at timestamptz not null default now()
);

alter table public.collab_updates enable row level security;
alter table public.collab_snapshots enable row level security;

revoke all on public.collab_updates, public.collab_snapshots from public;
revoke all on public.collab_updates, public.collab_snapshots from anon, authenticated;
grant select, insert, update, delete on public.collab_updates, public.collab_snapshots to service_role;

comment on table public.collab_updates is
  'Yjs updates of a collaborative document, appended in apply order (seq) before they are applied or broadcast.';
comment on table public.collab_snapshots is
  'Compacted Yjs state of a collaborative document: every update with seq <= upto_seq is merged into state.';

-- Deleting a SPASER deletes its collaboration log (no foreign key: the log is generic over document ids).
create or replace function app.spaser_documents_drop_collab() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  begin
    delete from public.collab_updates where doc_id = old.id;
    delete from public.collab_snapshots where doc_id = old.id;
    return old;
  end
  $$;
create trigger spaser_documents_drop_collab after delete on public.spaser_documents
  for each row execute function app.spaser_documents_drop_collab();
