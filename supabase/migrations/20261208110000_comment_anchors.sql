-- Comments anchored in the text (issue 15): a thread's first comment may carry the passage it is about, as two
-- Yjs relative positions into the element's body (encoded with Y.encodeRelativePosition, stored in base64) and
-- the text quoted when the comment was written. The anchor is opaque to the database: the editor resolves it in
-- the live document (a forged or stale anchor simply shows the thread without a highlighted passage).
alter table public.spaser_comments
  add column anchor_start text,
  add column anchor_end text,
  add column quote text;

alter table public.spaser_comments
  add constraint spaser_comments_anchor_shape check (
    (anchor_start is null and anchor_end is null and quote is null)
    or (anchor_start is not null and anchor_end is not null and quote is not null
        and thread_id is null
        and length(anchor_start) between 4 and 256 and anchor_start ~ '^[A-Za-z0-9+/]+={0,2}$'
        and length(anchor_end) between 4 and 256 and anchor_end ~ '^[A-Za-z0-9+/]+={0,2}$'
        and length(quote) between 1 and 1000));

-- Written once, with the comment; nobody moves an anchor afterwards (no update grant).
grant insert (anchor_start, anchor_end, quote) on public.spaser_comments to authenticated;

-- Every change of a SPASER's comments is announced on the `spaser_comments` channel with the SPASER's id, so that
-- each instance of the app tells the browsers it serves to fetch the discussions again (the announcement carries
-- no content: what they fetch is read under their own rights).
create or replace function app.spaser_comments_announce() returns trigger
  language plpgsql
  as $$
  begin
    perform pg_notify('spaser_comments', (case when tg_op = 'DELETE' then old.document_id else new.document_id end)::text);
    return null;
  end
  $$;
create trigger spaser_comments_announce after insert or update or delete on public.spaser_comments
  for each row execute function app.spaser_comments_announce();
