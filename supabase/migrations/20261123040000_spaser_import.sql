-- SPASER import from a DOCX, Markdown or text file: the uploaded file and its detected structure while the user
-- reviews it (a draft, seen only by its author), then the original file attached to the created SPASER (read by
-- whoever reads the SPASER). The import records an 'imported' version, which users may now write for an import
-- of their own.

create table public.spaser_imports (
  id uuid primary key default gen_random_uuid(),
  -- The collectivité that will lead the SPASER.
  org_id uuid not null references public.organisations (id) on delete cascade,
  -- Null while the import is under review; the created SPASER afterwards.
  document_id uuid references public.spaser_documents (id) on delete cascade,
  created_by uuid not null default auth.uid() references public.users (id) on delete cascade,
  file_name text not null check (length(btrim(file_name)) between 1 and 255),
  -- Checked from the content by the server (src/lib/server/files/sniff.ts), never taken from the browser.
  kind text not null check (kind in ('docx', 'md', 'txt')),
  mime text not null check (mime in (
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'text/markdown; charset=utf-8',
    'text/plain; charset=utf-8')),
  size integer not null check (size between 1 and 10485760),
  content bytea not null,
  -- The detected structure under review (null once imported).
  review jsonb,
  created_at timestamptz not null default now(),
  imported_at timestamptz,
  constraint spaser_imports_size check (octet_length(content) = size),
  constraint spaser_imports_imported check ((document_id is null) = (imported_at is null))
);
create index spaser_imports_document_idx on public.spaser_imports (document_id) where document_id is not null;
create index spaser_imports_drafts_idx on public.spaser_imports (created_by, created_at) where document_id is null;
alter table public.spaser_imports enable row level security;

grant select, insert, delete on public.spaser_imports to authenticated;
-- The author saves the review and links the draft to the SPASER it created; the file itself never changes.
grant update (review, document_id, imported_at) on public.spaser_imports to authenticated;
grant all on public.spaser_imports to service_role;
revoke all on public.spaser_imports from anon;

-- Drafts: their author only. Imported files: whoever can read the SPASER.
create policy spaser_imports_select on public.spaser_imports for select to authenticated
  using ((document_id is null and created_by = auth.uid())
         or (document_id is not null and app.spaser_access(document_id) is not null));
-- Uploaded by an admin or editor of the collectivité that will lead the SPASER, as a draft.
create policy spaser_imports_insert on public.spaser_imports for insert to authenticated
  with check (created_by = auth.uid() and document_id is null and imported_at is null
              and app.has_org_role(org_id, array['admin', 'editor']));
-- Only a draft changes, and only to be linked to a SPASER its author writes.
create policy spaser_imports_update on public.spaser_imports for update to authenticated
  using (document_id is null and created_by = auth.uid())
  with check (created_by = auth.uid()
              and (document_id is null
                   or (app.spaser_access(document_id) = 'write'
                       and exists (select 1 from public.spaser_document_orgs d
                                   where d.document_id = spaser_imports.document_id and d.org_id = spaser_imports.org_id))));
-- The author abandons a draft; an imported file goes with its SPASER.
create policy spaser_imports_delete on public.spaser_imports for delete to authenticated
  using (document_id is null and created_by = auth.uid());

-- « Importé le … »: the version of an import, written by the author of that import on a SPASER they write, when
-- the import is confirmed (not later: afterwards the SPASER has its own history).
create policy spaser_versions_insert_imported on public.spaser_versions for insert to authenticated
  with check (kind = 'imported' and created_by = auth.uid() and app.spaser_access(document_id) = 'write'
              and exists (select 1 from public.spaser_imports i
                          where i.document_id = spaser_versions.document_id and i.created_by = auth.uid()
                            and i.imported_at > now() - interval '10 minutes'));
