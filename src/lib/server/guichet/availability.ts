// Guichet vert: the animators' profiles (session length, buffers, modalities), weekly hours and absences, and
// the free slots computed from them (slots.ts holds the pure rules) against everyone's busy sessions.
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { guard, notFound } from '$lib/server/kit/errors';
import type { ConfirmationMode, Modality } from '$lib/guichet/labels';
import { formatSlotFr, freeSlots, type AvailabilityRules, type Busy, type Slot, type WeeklyHours } from './slots';
import { requireAnimator, requireGuichet, requireOwnProfile } from './access';
import { exceptionRules, parseInput, profileRules, slotRangeRules, weeklyHoursRules } from './input';

const DAY = 86_400_000;

/** A row of public.guichet_profiles, with its animator's name and address. */
export interface ProfileRow {
	id: string;
	network_id: string;
	animator_id: string;
	animator_name: string;
	animator_email: string;
	session_minutes: number;
	buffer_before_minutes: number;
	buffer_after_minutes: number;
	min_notice_minutes: number;
	horizon_days: number;
	max_per_day: number | null;
	slot_step_minutes: number | null;
	modalities: Modality[];
	visio_url: string | null;
	phone: string | null;
	address: string | null;
	topics: string[];
	confirmation_mode: ConfirmationMode;
	active: boolean;
	social_clause_facilitator: boolean;
}

export interface LoadedProfile extends ProfileRow {
	rules: AvailabilityRules;
}

const hhmm = (t: string) => t.slice(0, 5);

export async function loadProfiles(
	tx: Tx,
	networkId: string,
	animatorId: string | 'any',
	onlyActive = true
): Promise<LoadedProfile[]> {
	const profiles = await tx.query<ProfileRow>(
		`select p.*, u.display_name as animator_name, u.email as animator_email
		   from public.guichet_profiles p join public.users u on u.id = p.animator_id
		  where p.network_id = $1 and ($2::uuid is null or p.animator_id = $2) and (not $3 or p.active)
		  order by p.animator_id`,
		[networkId, animatorId === 'any' ? null : animatorId, onlyActive]
	);
	if (!profiles.length) return [];
	const ids = profiles.map((p) => p.id);
	const hours = await tx.query<{ profile_id: string; weekday: number; start_time: string; end_time: string }>(
		`select profile_id, weekday, start_time::text, end_time::text from public.guichet_hours where profile_id = any ($1::uuid[]) order by weekday, start_time`,
		[ids]
	);
	const exceptions = await tx.query<{ profile_id: string; starts_at: Date; ends_at: Date }>(
		`select profile_id, lower(during) as starts_at, upper(during) as ends_at from public.guichet_exceptions where profile_id = any ($1::uuid[])`,
		[ids]
	);
	return profiles.map((p) => ({
		...p,
		rules: {
			weekly: hours
				.filter((h) => h.profile_id === p.id)
				.map((h) => ({
					weekday: h.weekday as WeeklyHours['weekday'],
					start: hhmm(h.start_time),
					end: h.end_time.startsWith('24') ? '24:00' : hhmm(h.end_time)
				})),
			sessionMinutes: p.session_minutes,
			bufferBeforeMinutes: p.buffer_before_minutes,
			bufferAfterMinutes: p.buffer_after_minutes,
			minNoticeMinutes: p.min_notice_minutes,
			horizonDays: p.horizon_days,
			maxPerDay: p.max_per_day,
			exceptions: exceptions
				.filter((x) => x.profile_id === p.id)
				.map((x) => ({ start: new Date(x.starts_at), end: new Date(x.ends_at) })),
			...(p.slot_step_minutes ? { slotStepMinutes: p.slot_step_minutes } : {})
		}
	}));
}

interface BusyRow {
	animator_id: string;
	starts_at: Date;
	ends_at: Date;
	live: boolean;
}

/** Busy sessions per animator (all networks), plus their session count in the month of `monthOf`. */
export async function loadBusy(
	tx: Tx,
	animatorIds: string[],
	from: Date,
	to: Date,
	monthOf: Date,
	exceptBooking?: string
) {
	const monthStart = new Date(Date.UTC(monthOf.getUTCFullYear(), monthOf.getUTCMonth(), 1) - 2 * 3600_000);
	const monthEnd = new Date(Date.UTC(monthOf.getUTCFullYear(), monthOf.getUTCMonth() + 1, 1));
	const lo = new Date(Math.min(from.getTime() - DAY, monthStart.getTime()));
	const hi = new Date(Math.max(to.getTime() + DAY, monthEnd.getTime()));
	const rows = await tx.query<BusyRow>(`select * from app.guichet_busy($1::uuid[], $2, $3)`, [animatorIds, lo, hi]);
	let excluded: { starts_at: Date; animator_id: string } | undefined;
	if (exceptBooking)
		[excluded] = await tx.query<{ starts_at: Date; animator_id: string }>(
			`select lower(during) as starts_at, animator_id from public.guichet_bookings where id = $1`,
			[exceptBooking]
		);
	const busy = new Map<string, Busy[]>();
	const monthly = new Map<string, number>();
	for (const id of animatorIds) {
		busy.set(id, []);
		monthly.set(id, 0);
	}
	for (const r of rows) {
		const start = new Date(r.starts_at);
		if (
			excluded &&
			excluded.animator_id === r.animator_id &&
			new Date(excluded.starts_at).getTime() === start.getTime()
		)
			continue;
		if (r.live) busy.get(r.animator_id)!.push({ start, end: new Date(r.ends_at) });
		if (start >= monthStart && start < monthEnd) monthly.set(r.animator_id, (monthly.get(r.animator_id) ?? 0) + 1);
	}
	return { busy, monthly };
}

/** What an animator sets (saveProfile; the page and the API shape it from their forms). */
export interface ProfileInput extends Pick<
	AvailabilityRules,
	'sessionMinutes' | 'bufferBeforeMinutes' | 'bufferAfterMinutes' | 'minNoticeMinutes' | 'horizonDays' | 'maxPerDay'
> {
	slotStepMinutes?: number | null;
	modalities: Modality[];
	visioUrl?: string | null;
	phone?: string | null;
	address?: string | null;
	topics: string[];
	confirmationMode: ConfirmationMode;
	active: boolean;
	/** The animator acts as the network's « facilitateur clause sociale » (offered as a redirect target). */
	socialClauseFacilitator?: boolean;
}

/** The animator's own profile in the network (created or replaced); returns its id. */
export async function saveProfile(db: Database, actor: Actor, networkId: string, input: ProfileInput): Promise<string> {
	const mods = parseInput(profileRules, input).modalities;
	return guard(
		withUser(db, actor, async (tx) => {
			await requireAnimator(tx, networkId);
			const [row] = await tx.query<{ id: string }>(
				`insert into public.guichet_profiles (network_id, animator_id, session_minutes, buffer_before_minutes, buffer_after_minutes,
				   min_notice_minutes, horizon_days, max_per_day, slot_step_minutes, modalities, visio_url, phone, address, topics,
				   confirmation_mode, active, social_clause_facilitator)
				 values ($1, auth.uid(), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
				 on conflict (network_id, animator_id) do update set session_minutes = excluded.session_minutes,
				   buffer_before_minutes = excluded.buffer_before_minutes, buffer_after_minutes = excluded.buffer_after_minutes,
				   min_notice_minutes = excluded.min_notice_minutes, horizon_days = excluded.horizon_days, max_per_day = excluded.max_per_day,
				   slot_step_minutes = excluded.slot_step_minutes, modalities = excluded.modalities, visio_url = excluded.visio_url,
				   phone = excluded.phone, address = excluded.address, topics = excluded.topics,
				   confirmation_mode = excluded.confirmation_mode, active = excluded.active,
				   social_clause_facilitator = excluded.social_clause_facilitator, updated_at = now()
				 returning id`,
				[
					networkId,
					input.sessionMinutes,
					input.bufferBeforeMinutes,
					input.bufferAfterMinutes,
					input.minNoticeMinutes,
					input.horizonDays,
					input.maxPerDay,
					input.slotStepMinutes ?? null,
					mods,
					mods.includes('visio') ? input.visioUrl : null,
					mods.includes('telephone') ? input.phone!.trim() : null,
					mods.includes('sur_place') ? input.address!.trim() : null,
					input.topics.map((t) => t.trim()).filter(Boolean),
					input.confirmationMode,
					input.active,
					input.socialClauseFacilitator ?? false
				]
			);
			return row.id;
		})
	);
}

/** Replaces the weekly hours of the caller's profile. */
export async function setWeeklyHours(db: Database, actor: Actor, profileId: string, hours: WeeklyHours[]) {
	parseInput(weeklyHoursRules, hours);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireOwnProfile(tx, profileId);
			await tx.query('delete from public.guichet_hours where profile_id = $1', [profileId]);
			for (const h of hours)
				await tx.query(
					`insert into public.guichet_hours (profile_id, weekday, start_time, end_time) values ($1, $2, $3::time, $4::time)`,
					[profileId, h.weekday, h.start, h.end === '24:00' ? '24:00:00' : h.end]
				);
		})
	);
}

export async function addException(
	db: Database,
	actor: Actor,
	profileId: string,
	input: { start: Date | string; end: Date | string; reason?: string }
) {
	const { start, end } = parseInput(exceptionRules, input);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireOwnProfile(tx, profileId);
			const [row] = await tx.query<{ id: string }>(
				`insert into public.guichet_exceptions (profile_id, during, reason) values ($1, tstzrange($2, $3), $4) returning id`,
				[profileId, start, end, (input.reason ?? '').trim()]
			);
			return row.id;
		})
	);
}

export async function removeException(db: Database, actor: Actor, exceptionId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query('delete from public.guichet_exceptions where id = $1 returning id', [exceptionId]);
			if (!rows.length) throw notFound('Cette absence');
		})
	);
}

export async function listProfiles(db: Database, actor: Actor, networkId: string) {
	return guard(withUser(db, actor, (tx) => loadProfiles(tx, networkId, 'any', false)));
}

/** The animators of a network's guichet, for those who see it (404 otherwise). */
export async function listGuichetAnimators(db: Database, actor: Actor, networkId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireGuichet(tx, networkId);
			return loadProfiles(tx, networkId, 'any', false);
		})
	);
}

export interface FreeSlot extends Slot {
	animatorId: string;
	animatorName: string;
}

async function computeFreeSlots(
	tx: Tx,
	networkId: string,
	animatorId: string | 'any',
	from: Date,
	to: Date,
	now: Date
): Promise<FreeSlot[]> {
	const profiles = await loadProfiles(tx, networkId, animatorId);
	if (!profiles.length) return [];
	const { busy, monthly } = await loadBusy(
		tx,
		profiles.map((p) => p.animator_id),
		from,
		to,
		now
	);
	const byStart = new Map<number, FreeSlot & { load: number }>();
	for (const p of profiles) {
		const load = monthly.get(p.animator_id) ?? 0;
		for (const s of freeSlots(p.rules, busy.get(p.animator_id) ?? [], from, to, now)) {
			const cur = byStart.get(s.start.getTime());
			// Fair distribution: at one start time, offer the animator with the fewest sessions this month.
			if (!cur || load < cur.load)
				byStart.set(s.start.getTime(), { ...s, animatorId: p.animator_id, animatorName: p.animator_name, load });
		}
	}
	return [...byStart.values()].sort((a, b) => a.start.getTime() - b.start.getTime()).map(({ load: _load, ...s }) => s);
}

export async function listFreeSlots(
	db: Database,
	actor: Actor,
	networkId: string,
	opts: { animatorId: string | 'any'; from: Date; to: Date; now?: Date }
): Promise<FreeSlot[]> {
	parseInput(slotRangeRules, opts);
	return guard(
		withUser(db, actor, async (tx) => {
			await requireGuichet(tx, networkId);
			return computeFreeSlots(tx, networkId, opts.animatorId, opts.from, opts.to, opts.now ?? new Date());
		})
	);
}

export async function nextSlots(
	db: Database,
	actor: Actor,
	networkId: string,
	animatorId: string | 'any',
	after: Date,
	now: Date,
	count = 3
) {
	const from = new Date(Math.max(after.getTime(), now.getTime()));
	const slots = await withUser(db, actor, (tx) =>
		computeFreeSlots(tx, networkId, animatorId, from, new Date(from.getTime() + 92 * DAY), now)
	);
	return slots.slice(0, count).map((s) => ({ ...s, label: formatSlotFr(s) }));
}

export interface Absence {
	id: string;
	starts_at: Date;
	ends_at: Date;
	reason: string;
}

function listAbsences(tx: Tx, profileId: string, futureOnly: boolean) {
	return tx.query<Absence>(
		`select id, lower(during) as starts_at, upper(during) as ends_at, reason from public.guichet_exceptions
		  where profile_id = $1 and (not $2 or upper(during) > now()) order by lower(during)`,
		[profileId, futureOnly]
	);
}

/** The caller's profile in a network, with weekly hours (ids included) and the absences to come (the page). */
export async function myProfile(db: Database, actor: Actor, networkId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [profile] = await tx.query<Omit<ProfileRow, 'animator_name' | 'animator_email'>>(
				`select * from public.guichet_profiles where network_id = $1 and animator_id = auth.uid()`,
				[networkId]
			);
			if (!profile) return { profile: null, hours: [], absences: [] };
			const hours = await tx.query<{ id: string; weekday: number; start: string; end: string }>(
				`select id, weekday, to_char(start_time, 'HH24:MI') as start,
				        case when end_time = '24:00'::time then '24:00' else to_char(end_time, 'HH24:MI') end as "end"
				   from public.guichet_hours where profile_id = $1 order by weekday, start_time`,
				[profile.id]
			);
			return { profile, hours, absences: await listAbsences(tx, profile.id, true) };
		})
	);
}

/** The caller's availability as an animator of the network: profile and rules, and every absence (the API). */
export async function myAvailability(
	db: Database,
	actor: Actor,
	networkId: string
): Promise<{ profile: LoadedProfile | null; absences: Absence[] }> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireGuichet(tx, networkId);
			await requireAnimator(tx, networkId, 'Seuls les animateurs du réseau ont des disponibilités au guichet.');
			const [profile] = await loadProfiles(tx, networkId, actor.id, false);
			return { profile: profile ?? null, absences: profile ? await listAbsences(tx, profile.id, false) : [] };
		})
	);
}

/** Replaces the caller's profile, weekly hours and, when given, all their absences (the API's PUT). */
export async function saveAvailability(
	db: Database,
	actor: Actor,
	networkId: string,
	input: {
		profile: ProfileInput;
		weeklyHours: WeeklyHours[];
		absences?: { start: string; end: string; reason?: string }[];
	}
) {
	await guard(withUser(db, actor, (tx) => requireGuichet(tx, networkId)));
	const profileId = await saveProfile(db, actor, networkId, input.profile);
	await setWeeklyHours(db, actor, profileId, input.weeklyHours);
	if (!input.absences) return;
	for (const a of await guard(withUser(db, actor, (tx) => listAbsences(tx, profileId, false))))
		await removeException(db, actor, a.id);
	for (const a of input.absences)
		await addException(db, actor, profileId, { start: a.start, end: a.end, reason: a.reason ?? '' });
}
