-- Guichet vert, follow-up: reminders the day before, the animator's daily maximum enforced in the database,
-- attachments on requests and messages, social-clause facilitators as redirect targets.

-- ---------------------------------------------------------------------------------------------------------
-- Reminders: a booking is reminded once; moving it (new time) makes it due again.
-- ---------------------------------------------------------------------------------------------------------
alter table public.guichet_bookings add column if not exists reminder_sent_at timestamptz;
create index if not exists guichet_bookings_reminder_idx on public.guichet_bookings (lower(during))
  where status = 'confirmed' and reminder_sent_at is null;

create or replace function app.guichet_reset_reminder() returns trigger
  language plpgsql set search_path = ''
  as $$ begin
    if new.during is distinct from old.during then new.reminder_sent_at := null; end if;
    return new;
  end $$;
create trigger guichet_bookings_reset_reminder before update of during on public.guichet_bookings
  for each row execute function app.guichet_reset_reminder();

-- ---------------------------------------------------------------------------------------------------------
-- Maximum sessions per day per animator (Europe/Paris day), whatever the race: concurrent bookings of one
-- animator on one day are serialised by a transaction-scoped advisory lock, then counted.
-- ---------------------------------------------------------------------------------------------------------
create or replace function app.guichet_enforce_max_per_day() returns trigger
  language plpgsql security definer set search_path = ''
  as $$
  declare
    v_max integer;
    v_day date;
    v_count integer;
  begin
    if new.status not in ('pending', 'confirmed') then return new; end if;
    if tg_op = 'UPDATE' and old.status in ('pending', 'confirmed') and old.animator_id = new.animator_id
       and old.during = new.during then return new; end if;
    select p.max_per_day into v_max from public.guichet_profiles p
     where p.network_id = new.network_id and p.animator_id = new.animator_id;
    if v_max is null then return new; end if;
    v_day := (lower(new.during) at time zone 'Europe/Paris')::date;
    perform pg_advisory_xact_lock(hashtextextended('guichet_day/' || new.animator_id::text || '/' || v_day::text, 0));
    select count(*) into v_count from public.guichet_bookings b
     where b.animator_id = new.animator_id and b.id <> new.id and b.status in ('pending', 'confirmed')
       and (lower(b.during) at time zone 'Europe/Paris')::date = v_day;
    if v_count >= v_max then
      raise exception 'guichet_day_full' using detail = v_max::text;
    end if;
    return new;
  end $$;
revoke all on function app.guichet_enforce_max_per_day() from public;
create trigger guichet_bookings_max_per_day before insert or update of during, animator_id, status on public.guichet_bookings
  for each row execute function app.guichet_enforce_max_per_day();

-- ---------------------------------------------------------------------------------------------------------
-- Social-clause facilitators: animators of the network who hold that role in their Guichet profile; a
-- request may be redirected to them like to any animator.
-- ---------------------------------------------------------------------------------------------------------
alter table public.guichet_profiles add column if not exists social_clause_facilitator boolean not null default false;
grant update (social_clause_facilitator) on public.guichet_profiles to authenticated;

-- ---------------------------------------------------------------------------------------------------------
-- Attachments of a request (at creation, or with a follow-up message). Visible to whoever sees the request;
-- added by its two sides; never changed nor deleted (every exchange is kept). Types are checked from the
-- content by the application; the database bounds size and declared type.
-- ---------------------------------------------------------------------------------------------------------
create table public.guichet_attachments (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null references public.guichet_requests (id) on delete cascade,
  message_id uuid references public.guichet_messages (id) on delete cascade,
  uploader_id uuid not null default auth.uid() references public.users (id),
  filename text not null check (length(filename) between 1 and 255),
  mime text not null check (mime in (
    'application/pdf',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    'application/vnd.oasis.opendocument.text',
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'image/png', 'image/jpeg')),
  size integer not null check (size between 1 and 10485760),
  content bytea not null check (octet_length(content) = size),
  created_at timestamptz not null default now()
);
create index guichet_attachments_request_idx on public.guichet_attachments (request_id, created_at);
alter table public.guichet_attachments enable row level security;

revoke all on public.guichet_attachments from anon, authenticated;
grant all on public.guichet_attachments to service_role;
grant select, insert on public.guichet_attachments to authenticated;

create policy guichet_attachments_select on public.guichet_attachments for select to authenticated
  using (app.guichet_request_side(request_id) is not null);
create policy guichet_attachments_insert on public.guichet_attachments for insert to authenticated
  with check (uploader_id = auth.uid() and app.guichet_request_side(request_id) in ('buyer', 'animator')
              and (message_id is null or exists (select 1 from public.guichet_messages m
                                                  where m.id = message_id and m.request_id = guichet_attachments.request_id
                                                    and m.author_id = auth.uid())));
