// Guichet vert: animators' availability, questions minute, sessions without double booking, follow-up.
// Every call runs through withUser (row-level security decides); e-mails are queued in the same transaction.
// The exclusion constraints of guichet_bookings are the guarantee against double booking: the checks made
// here give clear messages, the database refuses what slips through a race (SQLSTATE 23P01).
import type { Actor, Database, Tx } from '../db';
import { asService, withUser } from '../db';
import { randomToken, hashSecret } from '../auth/crypto';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { READER_MESSAGE } from '../../guichet';
import { AppError, forbidden, notFound, toAppError, guard } from '$lib/server/kit/errors';
import { blockedRange, formatSlotFr, freeSlots, isBookable, type AvailabilityRules, type Busy, type Slot, type WeeklyHours } from './slots';
import { calendarToIcs, eventToIcs, type IcsEvent } from './ics';
export { animatedNetworks, buyerNetworks, myProfile, myRequests, networkRequests, userNames, type GuichetNetwork, type RequestListRow } from './lists';
import { listAttachments, prepareAttachments, storeAttachments, type UploadedFile } from './attachments';

export type Modality = 'visio' | 'telephone' | 'sur_place';
export type Stage = 'definition_besoin' | 'redaction_dce' | 'analyse_offres' | 'execution' | 'spaser';
export type BookingStatus = 'pending' | 'confirmed' | 'cancelled' | 'done' | 'no_show';

export const STAGES: Record<Stage, string> = {
	definition_besoin: 'Définition du besoin',
	redaction_dce: 'Rédaction du DCE',
	analyse_offres: 'Analyse des offres',
	execution: 'Exécution',
	spaser: 'SPASER'
};
export const MODALITIES: Record<Modality, string> = { visio: 'Visioconférence', telephone: 'Téléphone', sur_place: 'Sur place' };

const NBSP = '\u00a0';
const MINUTE = 60_000;
const DAY = 86_400_000;
export const SLOT_TAKEN_MESSAGE = "Ce créneau vient d'être réservé. Voici les trois prochains créneaux libres.";
export const DAY_FULL_MESSAGE = "L'animateur a atteint son nombre maximal de séances pour cette journée. Voici les trois prochains créneaux libres.";

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------
const invalid = (message: string, field?: string) => new AppError('invalid', message, 400, field ? { field } : undefined);

function pgCode(e: unknown): { code?: string; constraint?: string } {
	const err = e as { code?: string; constraint_name?: string; constraint?: string };
	return { code: err?.code, constraint: err?.constraint_name ?? err?.constraint };
}

/** The database refused a session beyond the animator's maximum per day (trigger guichet_bookings_max_per_day). */
function isDayFull(e: unknown): boolean {
	if (e instanceof DayFull) return true;
	return pgCode(e).code === 'P0001' && /guichet_day_full/.test(String((e as Error)?.message ?? ''));
}

function text(value: unknown, field: string, label: string, max: number, required = true): string {
	const s = typeof value === 'string' ? value.trim() : '';
	if (required && !s) throw invalid(`Indiquez ${label}.`, field);
	if (s.length > max) throw invalid(`${label[0].toUpperCase()}${label.slice(1)} ne doit pas dépasser ${max}${NBSP}caractères.`, field);
	return s;
}

function stageOf(value: unknown): Stage {
	if (typeof value === 'string' && value in STAGES) return value as Stage;
	throw invalid("Choisissez l'étape de l'achat.", 'stage');
}

function toDate(value: Date | string, field: string): Date {
	const d = value instanceof Date ? value : new Date(value);
	if (Number.isNaN(d.getTime())) throw invalid('La date indiquée est invalide.', field);
	return d;
}

const range = (s: Slot) => `[${s.start.toISOString()},${s.end.toISOString()})`;

interface ProfileRow {
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
	confirmation_mode: 'auto' | 'manual';
	active: boolean;
	social_clause_facilitator: boolean;
}

interface LoadedProfile extends ProfileRow {
	rules: AvailabilityRules;
}

const hhmm = (t: string) => t.slice(0, 5);

async function loadProfiles(tx: Tx, networkId: string, animatorId: string | 'any', onlyActive = true): Promise<LoadedProfile[]> {
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
				.map((h) => ({ weekday: h.weekday as WeeklyHours['weekday'], start: hhmm(h.start_time), end: h.end_time.startsWith('24') ? '24:00' : hhmm(h.end_time) })),
			sessionMinutes: p.session_minutes,
			bufferBeforeMinutes: p.buffer_before_minutes,
			bufferAfterMinutes: p.buffer_after_minutes,
			minNoticeMinutes: p.min_notice_minutes,
			horizonDays: p.horizon_days,
			maxPerDay: p.max_per_day,
			exceptions: exceptions.filter((x) => x.profile_id === p.id).map((x) => ({ start: new Date(x.starts_at), end: new Date(x.ends_at) })),
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
async function loadBusy(tx: Tx, animatorIds: string[], from: Date, to: Date, monthOf: Date, exceptBooking?: string) {
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
		if (excluded && excluded.animator_id === r.animator_id && new Date(excluded.starts_at).getTime() === start.getTime()) continue;
		if (r.live) busy.get(r.animator_id)!.push({ start, end: new Date(r.ends_at) });
		if (start >= monthStart && start < monthEnd) monthly.set(r.animator_id, (monthly.get(r.animator_id) ?? 0) + 1);
	}
	return { busy, monthly };
}

function requireAnimator(tx: Tx, networkId: string) {
	return tx.query<{ ok: boolean }>('select app.is_network_animator($1) as ok', [networkId]).then(([r]) => {
		if (!r?.ok) throw forbidden("Seuls les animateurs du réseau peuvent faire cette action.");
	});
}

// ---------------------------------------------------------------------------------------------------------
// Network rules and animators' availability
// ---------------------------------------------------------------------------------------------------------
export interface GuichetSettings {
	cancelMinNoticeMinutes: number;
	rescheduleMinNoticeMinutes: number;
	buyerMayCancel: boolean;
	buyerMayReschedule: boolean;
}
const DEFAULT_SETTINGS: GuichetSettings = { cancelMinNoticeMinutes: 1440, rescheduleMinNoticeMinutes: 1440, buyerMayCancel: true, buyerMayReschedule: true };

async function readSettings(tx: Tx, networkId: string): Promise<GuichetSettings> {
	const [s] = await tx.query<{ c: number; r: number; bc: boolean; br: boolean }>(
		`select cancel_min_notice_minutes as c, reschedule_min_notice_minutes as r, buyer_may_cancel as bc, buyer_may_reschedule as br
		   from public.guichet_settings where network_id = $1`,
		[networkId]
	);
	return s ? { cancelMinNoticeMinutes: s.c, rescheduleMinNoticeMinutes: s.r, buyerMayCancel: s.bc, buyerMayReschedule: s.br } : { ...DEFAULT_SETTINGS };
}

export async function getSettings(db: Database, actor: Actor, networkId: string) {
	return guard(withUser(db, actor, (tx) => readSettings(tx, networkId)));
}

export async function updateSettings(db: Database, actor: Actor, networkId: string, input: GuichetSettings) {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireAnimator(tx, networkId);
			for (const k of ['cancelMinNoticeMinutes', 'rescheduleMinNoticeMinutes'] as const)
				if (!Number.isInteger(input[k]) || input[k] < 0 || input[k] > 43200) throw invalid('Le délai doit être un nombre de minutes entre 0 et 43 200 (30 jours).', k);
			await tx.query(
				`insert into public.guichet_settings (network_id, cancel_min_notice_minutes, reschedule_min_notice_minutes, buyer_may_cancel, buyer_may_reschedule)
				 values ($1, $2, $3, $4, $5)
				 on conflict (network_id) do update set cancel_min_notice_minutes = excluded.cancel_min_notice_minutes,
				   reschedule_min_notice_minutes = excluded.reschedule_min_notice_minutes, buyer_may_cancel = excluded.buyer_may_cancel,
				   buyer_may_reschedule = excluded.buyer_may_reschedule, updated_at = now()`,
				[networkId, input.cancelMinNoticeMinutes, input.rescheduleMinNoticeMinutes, input.buyerMayCancel, input.buyerMayReschedule]
			);
		})
	);
}

export interface ProfileInput {
	sessionMinutes: number;
	bufferBeforeMinutes: number;
	bufferAfterMinutes: number;
	minNoticeMinutes: number;
	horizonDays: number;
	maxPerDay: number | null;
	slotStepMinutes?: number | null;
	modalities: Modality[];
	visioUrl?: string | null;
	phone?: string | null;
	address?: string | null;
	topics: string[];
	confirmationMode: 'auto' | 'manual';
	active: boolean;
	/** The animator acts as the network's « facilitateur clause sociale » (offered as a redirect target). */
	socialClauseFacilitator?: boolean;
}

/** The animator's own profile in the network (created or replaced); returns its id. */
export async function saveProfile(db: Database, actor: Actor, networkId: string, input: ProfileInput): Promise<string> {
	const mods = [...new Set(input.modalities)];
	if (!mods.length || mods.some((m) => !(m in MODALITIES))) throw invalid('Choisissez au moins une modalité (visio, téléphone ou sur place).', 'modalities');
	if (mods.includes('visio') && !/^https:\/\//.test(input.visioUrl ?? '')) throw invalid('Indiquez le lien de visioconférence (adresse commençant par https://).', 'visioUrl');
	if (mods.includes('telephone') && !input.phone?.trim()) throw invalid('Indiquez le numéro de téléphone.', 'phone');
	if (mods.includes('sur_place') && !input.address?.trim()) throw invalid("Indiquez l'adresse du rendez-vous sur place.", 'address');
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

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

/** Replaces the weekly hours of the caller's profile. */
export async function setWeeklyHours(db: Database, actor: Actor, profileId: string, hours: WeeklyHours[]) {
	for (const h of hours) {
		if (!Number.isInteger(h.weekday) || h.weekday < 1 || h.weekday > 7) throw invalid('Jour de la semaine invalide.', 'weekday');
		if (!HHMM.test(h.start) || !HHMM.test(h.end) || h.start >= h.end) throw invalid("Chaque plage horaire doit avoir un début avant la fin (format HH:MM).", 'hours');
	}
	return guard(
		withUser(db, actor, async (tx) => {
			const [own] = await tx.query<{ ok: boolean }>('select app.guichet_owns_profile($1) as ok', [profileId]);
			if (!own.ok) throw forbidden();
			await tx.query('delete from public.guichet_hours where profile_id = $1', [profileId]);
			for (const h of hours)
				await tx.query(
					`insert into public.guichet_hours (profile_id, weekday, start_time, end_time) values ($1, $2, $3::time, $4::time)`,
					[profileId, h.weekday, h.start, h.end === '24:00' ? '24:00:00' : h.end]
				);
		})
	);
}

export async function addException(db: Database, actor: Actor, profileId: string, input: { start: Date | string; end: Date | string; reason?: string }) {
	const start = toDate(input.start, 'start');
	const end = toDate(input.end, 'end');
	if (end <= start) throw invalid("La fin de l'absence doit suivre son début.", 'end');
	return guard(
		withUser(db, actor, async (tx) => {
			const [own] = await tx.query<{ ok: boolean }>('select app.guichet_owns_profile($1) as ok', [profileId]);
			if (!own.ok) throw forbidden();
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

// ---------------------------------------------------------------------------------------------------------
// Free slots
// ---------------------------------------------------------------------------------------------------------
export interface FreeSlot extends Slot {
	animatorId: string;
	animatorName: string;
}

async function computeFreeSlots(tx: Tx, networkId: string, animatorId: string | 'any', from: Date, to: Date, now: Date): Promise<FreeSlot[]> {
	const profiles = await loadProfiles(tx, networkId, animatorId);
	if (!profiles.length) return [];
	const { busy, monthly } = await loadBusy(tx, profiles.map((p) => p.animator_id), from, to, now);
	const byStart = new Map<number, FreeSlot & { load: number }>();
	for (const p of profiles) {
		const load = monthly.get(p.animator_id) ?? 0;
		for (const s of freeSlots(p.rules, busy.get(p.animator_id) ?? [], from, to, now)) {
			const cur = byStart.get(s.start.getTime());
			// Fair distribution: at one start time, offer the animator with the fewest sessions this month.
			if (!cur || load < cur.load) byStart.set(s.start.getTime(), { ...s, animatorId: p.animator_id, animatorName: p.animator_name, load });
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
	if (opts.to.getTime() - opts.from.getTime() > 92 * DAY) throw invalid('La période demandée ne doit pas dépasser trois mois.', 'to');
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<{ ok: boolean }>('select app.guichet_sees_network($1) as ok', [networkId]);
			if (!r.ok) throw notFound('Ce guichet');
			return computeFreeSlots(tx, networkId, opts.animatorId, opts.from, opts.to, opts.now ?? new Date());
		})
	);
}

async function nextSlots(db: Database, actor: Actor, networkId: string, animatorId: string | 'any', after: Date, now: Date, count = 3) {
	const from = new Date(Math.max(after.getTime(), now.getTime()));
	const slots = await withUser(db, actor, (tx) => computeFreeSlots(tx, networkId, animatorId, from, new Date(from.getTime() + 92 * DAY), now));
	return slots.slice(0, count).map((s) => ({ ...s, label: formatSlotFr(s) }));
}

// ---------------------------------------------------------------------------------------------------------
// Requests: questions minute
// ---------------------------------------------------------------------------------------------------------
export interface RequestInput {
	networkId: string;
	/** The collectivité the buyer asks for; defaults to their (first) collectivité member of the network. */
	orgId?: string;
	topic: string;
	segment?: string;
	stage: Stage | string;
	question: string;
	deadline?: string | null;
	animatorId?: string | null;
	/** Files joined to the request (checked from their content). */
	attachments?: UploadedFile[];
}

/** The collectivité the caller asks or books for: one where they may act (admin or rédacteur, app.guichet_may_act). */
async function buyerOrg(tx: Tx, networkId: string, orgId?: string): Promise<string> {
	const [row] = await tx.query<{ org_id: string; may_act: boolean }>(
		`select m.org_id, app.guichet_may_act($1, m.org_id) as may_act from public.organisation_members m
		  where m.user_id = auth.uid() and ($2::uuid is null or m.org_id = $2) and app.guichet_is_buyer($1, m.org_id)
		  order by app.guichet_may_act($1, m.org_id) desc, m.created_at limit 1`,
		[networkId, orgId ?? null]
	);
	if (!row) throw forbidden("Le guichet est réservé aux membres des collectivités adhérentes du réseau.");
	if (!row.may_act) throw forbidden(READER_MESSAGE);
	return row.org_id;
}

/** Inserts a request; its attachments are read (typed, checked) only once the caller's right to ask is known. */
async function insertRequest(tx: Tx, kind: 'question' | 'session', input: RequestInput) {
	const topic = text(input.topic, 'topic', 'le sujet', 200);
	const segment = text(input.segment ?? '', 'segment', "le segment d'achat", 200, false);
	const question = text(input.question, 'question', 'votre question', 10000);
	const stage = stageOf(input.stage);
	if (input.deadline && !/^\d{4}-\d{2}-\d{2}$/.test(input.deadline)) throw invalid("La date d'échéance est invalide.", 'deadline');
	const orgId = await buyerOrg(tx, input.networkId, input.orgId);
	const files = prepareAttachments(input.attachments);
	const [row] = await tx.query<{ id: string }>(
		`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, segment, stage, question, deadline, assigned_animator_id)
		 values ($1, $2, auth.uid(), $3, $4, $5, $6, $7, $8, $9) returning id`,
		[input.networkId, orgId, kind, topic, segment, stage, question, input.deadline || null, input.animatorId ?? null]
	);
	await storeAttachments(tx, row.id, null, files);
	return { id: row.id, orgId, topic };
}

async function animatorEmails(tx: Tx, networkId: string, animatorId: string | null) {
	return tx.query<{ email: string }>(
		`select u.email from public.network_animators a join public.users u on u.id = a.user_id
		  where a.network_id = $1 and ($2::uuid is null or a.user_id = $2)`,
		[networkId, animatorId]
	);
}

export async function askQuestion(db: Database, actor: Actor, input: RequestInput): Promise<string> {
	return guard(
		withUser(db, actor, async (tx) => {
			const req = await insertRequest(tx, 'question', input);
			for (const a of await animatorEmails(tx, input.networkId, input.animatorId ?? null))
				await enqueueEmail(tx, {
					to: a.email,
					kind: 'guichet_question',
					subject: `Guichet vert : nouvelle question « ${req.topic} »`,
					...renderEmail({
						paragraphs: [`Une collectivité a posé une question minute sur « ${req.topic} ».`],
						action: { label: 'Répondre', url: `${appOrigin()}/guichet/demande/${req.id}` }
					})
				});
			return req.id;
		})
	);
}

interface RequestRow {
	id: string;
	network_id: string;
	org_id: string;
	requester_id: string;
	kind: 'question' | 'session';
	topic: string;
	status: 'open' | 'answered' | 'closed';
	assigned_animator_id: string | null;
}

async function loadRequest(tx: Tx, requestId: string) {
	const [r] = await tx.query<RequestRow & { side: string | null }>(
		`select r.id, r.network_id, r.org_id, r.requester_id, r.kind, r.topic, r.status, r.assigned_animator_id,
		        app.guichet_request_side(r.id) as side
		   from public.guichet_requests r where r.id = $1`,
		[requestId]
	);
	if (!r) throw notFound('Cette demande');
	return r;
}

/** A follow-up message; an animator's message answers the question, a buyer's reopens it. */
export async function reply(db: Database, actor: Actor, requestId: string, body: string, attachments?: UploadedFile[]): Promise<string> {
	const message = text(body, 'body', 'votre message', 10000);
	return guard(
		withUser(db, actor, async (tx) => {
			const r = await loadRequest(tx, requestId);
			if (r.side === 'reader') throw forbidden(READER_MESSAGE);
			if (r.side !== 'animator' && r.side !== 'buyer') throw forbidden();
			if (r.status === 'closed') throw new AppError('closed', 'Cette demande est close : posez une nouvelle question.', 409);
			// The files are read only now that the caller's side of the request is known.
			const files = prepareAttachments(attachments);
			const [m] = await tx.query<{ id: string }>(
				`insert into public.guichet_messages (request_id, author_id, body) values ($1, auth.uid(), $2) returning id`,
				[requestId, message]
			);
			await storeAttachments(tx, requestId, m.id, files);
			if (r.side === 'animator') {
				await tx.query(
					`update public.guichet_requests set status = case when kind = 'question' then 'answered' else status end,
					        answered_at = coalesce(answered_at, now()), assigned_animator_id = coalesce(assigned_animator_id, auth.uid())
					  where id = $1`,
					[requestId]
				);
				const [to] = await tx.query<{ email: string }>('select email from public.users where id = $1', [r.requester_id]);
				if (to)
					await enqueueEmail(tx, {
						to: to.email,
						kind: 'guichet_answer',
						subject: `Guichet vert : réponse à « ${r.topic} »`,
						...renderEmail({
							paragraphs: [`Un animateur du réseau a répondu à votre demande « ${r.topic} ».`],
							action: { label: 'Lire la réponse', url: `${appOrigin()}/guichet/demande/${r.id}` }
						})
					});
			} else {
				if (r.status === 'answered') await tx.query(`update public.guichet_requests set status = 'open' where id = $1`, [requestId]);
				for (const a of await animatorEmails(tx, r.network_id, r.assigned_animator_id))
					await enqueueEmail(tx, {
						to: a.email,
						kind: 'guichet_followup',
						subject: `Guichet vert : nouveau message sur « ${r.topic} »`,
						...renderEmail({
							paragraphs: [`La collectivité a ajouté un message à la demande « ${r.topic} ».`],
							action: { label: 'Voir la demande', url: `${appOrigin()}/guichet/demande/${r.id}` }
						})
					});
			}
			return m.id;
		})
	);
}

export async function closeQuestion(db: Database, actor: Actor, requestId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const r = await loadRequest(tx, requestId);
			if (r.side === 'reader') throw forbidden(READER_MESSAGE);
			if (r.side !== 'animator' && r.requester_id !== actor.id) throw forbidden();
			if (r.status === 'closed') return;
			await tx.query(`update public.guichet_requests set status = 'closed', closed_at = now() where id = $1`, [requestId]);
		})
	);
}

export interface GuichetRequest {
	id: string;
	network_id: string;
	org_id: string;
	requester_id: string;
	kind: 'question' | 'session';
	topic: string;
	segment: string;
	stage: Stage;
	question: string;
	deadline: string | null;
	status: 'open' | 'answered' | 'closed';
	assigned_animator_id: string | null;
	redirected_from: string | null;
	created_at: Date;
	answered_at: Date | null;
	closed_at: Date | null;
}

export async function getRequest(db: Database, actor: Actor, requestId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<GuichetRequest & { network_name: string; network_slug: string; org_name: string; side: 'buyer' | 'reader' | 'animator' | 'admin' | null; booking_id: string | null }>(
				`select r.id, r.network_id, r.org_id, r.requester_id, r.kind, r.topic, r.segment, r.stage, r.question, r.deadline::text, r.status,
				        r.assigned_animator_id, r.redirected_from, r.created_at, r.answered_at, r.closed_at,
				        n.name as network_name, n.slug as network_slug, o.name as org_name, app.guichet_request_side(r.id) as side,
				        (select b.id from public.guichet_bookings b where b.request_id = r.id order by b.created_at desc limit 1) as booking_id
				   from public.guichet_requests r
				   join public.networks n on n.id = r.network_id
				   join public.organisations o on o.id = r.org_id
				  where r.id = $1`,
				[requestId]
			);
			if (!r) throw notFound('Cette demande');
			const messages = await tx.query<{ id: string; author_id: string; body: string; created_at: Date }>(
				`select id, author_id, body, created_at from public.guichet_messages where request_id = $1 order by created_at, id`,
				[requestId]
			);
			const attachments = await listAttachments(tx, requestId);
			return { ...r, messages, attachments };
		})
	);
}

export interface RedirectTarget {
	id: string;
	name: string;
	facilitator: boolean;
}

/** The people a request of the network may be redirected to: its animators and social-clause facilitators. */
export async function listRedirectTargets(db: Database, actor: Actor, networkId: string): Promise<RedirectTarget[]> {
	return guard(
		withUser(db, actor, async (tx) => {
			await requireAnimator(tx, networkId);
			return tx.query<RedirectTarget>(
				`select a.user_id as id, coalesce(nullif(u.display_name, ''), u.email) as name, coalesce(p.social_clause_facilitator, false) as facilitator
				   from public.network_animators a join public.users u on u.id = a.user_id
				   left join public.guichet_profiles p on p.network_id = a.network_id and p.animator_id = a.user_id
				  where a.network_id = $1 order by facilitator desc, name`,
				[networkId]
			);
		})
	);
}

/**
 * Hands a request (and its live booking, if any) to another animator of the network or to one of its
 * social-clause facilitators. Both the new person and the buyer are told; the thread and the booking's
 * history keep the reason.
 */
export async function redirectRequest(db: Database, actor: Actor, requestId: string, toAnimatorId: string, reason: string) {
	const why = text(reason, 'reason', 'le motif', 2000);
	return guard(
		withUser(db, actor, async (tx) => {
			const r = await loadRequest(tx, requestId);
			if (r.side !== 'animator') throw forbidden('Seuls les animateurs du réseau peuvent réorienter une demande.');
			if (r.status === 'closed') throw new AppError('closed', 'Cette demande est close : elle ne peut plus être réorientée.', 409);
			const [target] = await tx.query<{ name: string; email: string; facilitator: boolean }>(
				`select coalesce(nullif(u.display_name, ''), u.email) as name, u.email, coalesce(p.social_clause_facilitator, false) as facilitator
				   from public.network_animators a join public.users u on u.id = a.user_id
				   left join public.guichet_profiles p on p.network_id = a.network_id and p.animator_id = a.user_id
				  where a.network_id = $1 and a.user_id = $2`,
				[r.network_id, toAnimatorId]
			);
			if (!target) throw invalid("Cette personne n'anime pas ce réseau.", 'animatorId');
			if (toAnimatorId === (r.assigned_animator_id ?? actor.id)) throw invalid('La demande est déjà confiée à cette personne.', 'animatorId');
			const role = target.facilitator ? 'la facilitatrice ou au facilitateur clause sociale' : "l'animatrice ou à l'animateur";
			await tx.query(
				`update public.guichet_requests set redirected_from = coalesce(assigned_animator_id, auth.uid()), assigned_animator_id = $2 where id = $1`,
				[requestId, toAnimatorId]
			);
			const bookings = await tx.query<{ id: string }>(
				`update public.guichet_bookings set animator_id = $2, sequence = sequence + 1, updated_at = now()
				  where request_id = $1 and status in ('pending', 'confirmed') returning id`,
				[requestId, toAnimatorId]
			);
			for (const b of bookings)
				await tx.query(`insert into public.guichet_booking_events (booking_id, actor_id, action, reason) values ($1, auth.uid(), 'redirected', $2)`, [b.id, why]);
			await tx.query(`insert into public.guichet_messages (request_id, author_id, body) values ($1, auth.uid(), $2)`, [
				requestId,
				`Demande confiée à ${role} ${target.name}. Motif : ${why}`
			]);
			await enqueueEmail(tx, {
				to: target.email,
				kind: 'guichet_redirect',
				subject: `Guichet vert : une demande vous est confiée`,
				...renderEmail({
					paragraphs: [`La demande « ${r.topic} » vous a été confiée. Motif : ${why}`],
					action: { label: 'Voir la demande', url: `${appOrigin()}/guichet/demande/${r.id}` }
				})
			});
			const [requester] = await tx.query<{ email: string }>('select email from public.users where id = $1', [r.requester_id]);
			if (requester)
				await enqueueEmail(tx, {
					to: requester.email,
					kind: 'guichet_redirect',
					subject: `Guichet vert : votre demande « ${r.topic} » a été réorientée`,
					...renderEmail({
						paragraphs: [`Votre demande « ${r.topic} » est désormais suivie par ${target.name} (${target.facilitator ? 'facilitation clause sociale' : 'animation du réseau'}).`, `Motif : ${why}`],
						action: { label: 'Voir la demande', url: `${appOrigin()}/guichet/demande/${r.id}` }
					})
				});
			for (const b of bookings) await notify(tx, await loadBooking(tx, b.id), 'both', 'rendez-vous confié à une autre personne', `Le rendez-vous est désormais assuré par ${target.name}. Motif : ${why}`, 'REQUEST');
		}).catch((e) => {
			if (pgCode(e).code === '23P01') throw new AppError('slot_taken', "La personne choisie a déjà une séance à ce moment-là.", 409);
			if (isDayFull(e)) throw new AppError('day_full', "La personne choisie a déjà atteint son nombre maximal de séances ce jour-là.", 409);
			throw e;
		})
	);
}

// ---------------------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------------------
export interface BookingInput extends Omit<RequestInput, 'animatorId'> {
	animatorId: string | 'any';
	start: Date | string;
	modality: Modality;
	/** For tests and benchmarks: the current instant. */
	now?: Date;
}

export interface BookingRow {
	id: string;
	request_id: string;
	network_id: string;
	animator_id: string;
	booker_id: string;
	org_id: string;
	starts_at: Date;
	ends_at: Date;
	modality: Modality;
	status: BookingStatus;
	ical_uid: string;
	sequence: number;
	topic: string;
	animator_name: string;
	animator_email: string;
	booker_name: string;
	booker_email: string;
	location: string | null;
}

export const BOOKING_SELECT = `select b.id, b.request_id, b.network_id, b.animator_id, b.booker_id, b.org_id, lower(b.during) as starts_at,
	upper(b.during) as ends_at, b.modality, b.status, b.ical_uid, b.sequence, r.topic,
	au.display_name as animator_name, au.email as animator_email, bu.display_name as booker_name, bu.email as booker_email,
	case b.modality when 'visio' then p.visio_url when 'telephone' then p.phone else p.address end as location
	from public.guichet_bookings b
	join public.guichet_requests r on r.id = b.request_id
	join public.users au on au.id = b.animator_id
	join public.users bu on bu.id = b.booker_id
	left join public.guichet_profiles p on p.network_id = b.network_id and p.animator_id = b.animator_id`;

async function loadBooking(tx: Tx, bookingId: string) {
	const [b] = await tx.query<BookingRow & { side: string | null }>(`${BOOKING_SELECT.replace('select b.id', 'select app.guichet_booking_side(b.id) as side, b.id')} where b.id = $1`, [bookingId]);
	if (!b) throw notFound('Ce rendez-vous');
	return b;
}

export function icsFor(b: BookingRow, method: IcsEvent['method']): IcsEvent {
	return {
		uid: b.ical_uid,
		sequence: b.sequence,
		method,
		status: b.status === 'cancelled' ? 'CANCELLED' : b.status === 'pending' ? 'TENTATIVE' : 'CONFIRMED',
		start: new Date(b.starts_at),
		end: new Date(b.ends_at),
		stamp: new Date(),
		summary: `Guichet vert : ${b.topic}`,
		description: `Séance de conseil du Guichet vert (${MODALITIES[b.modality]}).`,
		location: b.location ?? undefined,
		url: `${appOrigin()}/guichet/seance/${b.id}`,
		organizer: { name: b.animator_name, email: b.animator_email },
		attendees: [{ name: b.booker_name, email: b.booker_email }]
	};
}

async function notify(tx: Tx, b: BookingRow, to: 'animator' | 'booker' | 'both', subject: string, paragraph: string, method: IcsEvent['method']) {
	const ics = eventToIcs(icsFor(b, method));
	const targets = to === 'both' ? [b.animator_email, b.booker_email] : [to === 'animator' ? b.animator_email : b.booker_email];
	for (const address of targets)
		await enqueueEmail(tx, {
			to: address,
			kind: 'guichet_booking',
			subject: `Guichet vert : ${subject}`,
			...renderEmail({
				paragraphs: [paragraph, `Séance : ${formatSlotFr({ start: new Date(b.starts_at), end: new Date(b.ends_at) })} (${MODALITIES[b.modality]}).`],
				action: { label: 'Voir le rendez-vous', url: `${appOrigin()}/guichet/seance/${b.id}` }
			}),
			attachments: [{ filename: 'guichet-vert.ics', contentType: `text/calendar; charset=utf-8; method=${method}`, content: ics }]
		});
}

/**
 * Before a collectivité is closed (organisations/data.ts, as the service role, in the closure's transaction): what the
 * network keeps of its Guichet vert history is anonymous. Its sessions to come are cancelled (the animator is
 * told, with the calendar cancellation), its open requests closed, its messages, attached files and survey
 * comments deleted and its questions' text replaced; dates, topics, stages, statuses and ratings stay for the
 * network's figures. The foreign keys then set org_id to null.
 */
export async function anonymiseForClosedOrganisation(tx: Tx, orgId: string, orgName: string): Promise<{ cancelledSessions: number; requests: number }> {
	const upcoming = await tx.query<{ id: string }>(
		`update public.guichet_bookings set status = 'cancelled', sequence = sequence + 1, updated_at = now()
		  where org_id = $1 and status in ('pending', 'confirmed') and upper(during) > now()
		 returning id`,
		[orgId]
	);
	for (const { id } of upcoming) {
		await tx.query(
			`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during)
			 select $1, auth.uid(), 'cancelled', 'Collectivité fermée', during from public.guichet_bookings where id = $1`,
			[id]
		);
		await notify(tx, await loadBooking(tx, id), 'animator', 'rendez-vous annulé', `Le rendez-vous a été annulé : la collectivité « ${orgName} » a été fermée sur SPASER Commun.`, 'CANCEL');
	}
	await tx.query(`delete from public.guichet_attachments where request_id in (select id from public.guichet_requests where org_id = $1)`, [orgId]);
	await tx.query(`delete from public.guichet_messages where request_id in (select id from public.guichet_requests where org_id = $1)`, [orgId]);
	await tx.query(`update public.guichet_surveys set comment = '' where booking_id in (select id from public.guichet_bookings where org_id = $1)`, [orgId]);
	const requests = await tx.query<{ id: string }>(
		`update public.guichet_requests
		    set question = 'Demande d’une collectivité fermée : son contenu a été supprimé.', segment = '',
		        status = case when status = 'open' then 'closed' else status end,
		        closed_at = case when status = 'open' then now() else closed_at end
		  where org_id = $1 returning id`,
		[orgId]
	);
	return { cancelledSessions: upcoming.length, requests: requests.length };
}

class SlotTaken extends Error {}
class DayFull extends Error {}

/**
 * Books a session. Exactly one of several concurrent attempts on one slot wins (exclusion constraint); the
 * others get AppError 409 `slot_taken` with `details.nextSlots` (the next three free slots).
 */
export async function bookSession(db: Database, actor: Actor, input: BookingInput): Promise<{ id: string; status: BookingStatus; animatorId: string }> {
	const start = toDate(input.start, 'start');
	const now = input.now ?? new Date();
	if (!(input.modality in MODALITIES)) throw invalid('Choisissez une modalité.', 'modality');
	try {
		return await withUser(db, actor, async (tx) => {
			// Outside the network's guichet: as if it did not exist. Then who may book for this collectivité comes
			// before whether an animator has opened slots or the slot is free: nobody learns about the agenda by
			// probing it in another collectivité's name.
			const [seen] = await tx.query<{ ok: boolean }>('select app.guichet_sees_network($1) as ok', [input.networkId]);
			if (!seen?.ok) throw notFound('Le guichet de ce réseau');
			await buyerOrg(tx, input.networkId, input.orgId);
			const profiles = await loadProfiles(tx, input.networkId, input.animatorId);
			if (!profiles.length) throw notFound(input.animatorId === 'any' ? 'Le guichet de ce réseau' : 'Cet animateur');
			const probe = { start, end: new Date(start.getTime() + 1) };
			const { busy, monthly } = await loadBusy(tx, profiles.map((p) => p.animator_id), probe.start, probe.start, now);
			let firstReason: string | null = null;
			let taken = false;
			let dayFull = false;
			const candidates: LoadedProfile[] = [];
			for (const p of profiles) {
				const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
				const ok = isBookable(p.rules, busy.get(p.animator_id) ?? [], slot, now);
				if (ok.ok) {
					if (p.modalities.includes(input.modality)) candidates.push(p);
					else firstReason ??= "L'animateur ne propose pas cette modalité.";
					continue;
				}
				// Free but for the daily maximum, or free without the other sessions (someone else took it).
				if (isBookable({ ...p.rules, maxPerDay: null }, busy.get(p.animator_id) ?? [], slot, now).ok) dayFull = true;
				else if (isBookable(p.rules, [], slot, now).ok) taken = true;
				else firstReason ??= ok.reason;
			}
			if (!candidates.length) {
				if (taken) throw new SlotTaken();
				if (dayFull) throw new DayFull();
				throw invalid(firstReason ?? "Ce créneau n'est pas disponible.", 'start');
			}
			candidates.sort((a, b) => (monthly.get(a.animator_id) ?? 0) - (monthly.get(b.animator_id) ?? 0) || a.animator_id.localeCompare(b.animator_id));
			const p = candidates[0];
			const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
			const req = await insertRequest(tx, 'session', { ...input, animatorId: p.animator_id });
			const status: BookingStatus = p.confirmation_mode === 'auto' ? 'confirmed' : 'pending';
			const [row] = await tx.query<{ id: string }>(
				`insert into public.guichet_bookings (request_id, network_id, animator_id, booker_id, org_id, during, blocked, modality, status)
				 values ($1, $2, $3, auth.uid(), $4, $5::tstzrange, $6::tstzrange, $7, $8) returning id`,
				[req.id, input.networkId, p.animator_id, req.orgId, range(slot), range(blockedRange(p.rules, slot)), input.modality, status]
			);
			await tx.query(`insert into public.guichet_booking_events (booking_id, actor_id, action, new_during) values ($1, auth.uid(), 'created', $2::tstzrange)`, [
				row.id,
				range(slot)
			]);
			const b = await loadBooking(tx, row.id);
			if (status === 'confirmed') await notify(tx, b, 'both', 'rendez-vous confirmé', 'Le rendez-vous suivant est confirmé.', 'REQUEST');
			else {
				await notify(tx, b, 'animator', 'rendez-vous à confirmer', 'Une collectivité demande un rendez-vous : merci de le confirmer.', 'REQUEST');
				await notify(tx, b, 'booker', 'demande de rendez-vous enregistrée', "Votre demande est enregistrée ; l'animateur doit la confirmer.", 'REQUEST');
			}
			return { id: row.id, status, animatorId: p.animator_id };
		});
	} catch (e) {
		const { code, constraint } = pgCode(e);
		if (code === '23P01' && constraint === 'guichet_bookings_no_booker_overlap')
			throw new AppError('booker_overlap', 'Vous avez déjà un rendez-vous qui chevauche ce créneau.', 409);
		if (isDayFull(e))
			throw new AppError('day_full', DAY_FULL_MESSAGE, 409, { nextSlots: await nextSlots(db, actor, input.networkId, input.animatorId, start, now) });
		if (e instanceof SlotTaken || code === '23P01')
			throw new AppError('slot_taken', SLOT_TAKEN_MESSAGE, 409, { nextSlots: await nextSlots(db, actor, input.networkId, input.animatorId, start, now) });
		throw toAppError(e);
	}
}

export async function confirmBooking(db: Database, actor: Actor, bookingId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			if (b.side !== 'animator') throw forbidden('Seuls les animateurs du réseau confirment un rendez-vous.');
			if (b.status !== 'pending') throw new AppError('transition_not_allowed', "Ce rendez-vous n'est pas en attente de confirmation.", 409);
			await tx.query(`update public.guichet_bookings set status = 'confirmed', sequence = sequence + 1, updated_at = now() where id = $1`, [bookingId]);
			await tx.query(`insert into public.guichet_booking_events (booking_id, actor_id, action) values ($1, auth.uid(), 'confirmed')`, [bookingId]);
			await notify(tx, await loadBooking(tx, bookingId), 'booker', 'rendez-vous confirmé', "L'animateur a confirmé votre rendez-vous.", 'REQUEST');
		})
	);
}

function changeAllowed(b: BookingRow & { side: string | null }, settings: GuichetSettings, kind: 'cancel' | 'reschedule', now: Date) {
	if (b.side !== 'animator' && b.side !== 'booker') throw forbidden();
	if (b.status !== 'pending' && b.status !== 'confirmed') throw new AppError('transition_not_allowed', 'Ce rendez-vous ne peut plus être modifié.', 409);
	if (b.side === 'booker') {
		const allowed = kind === 'cancel' ? settings.buyerMayCancel : settings.buyerMayReschedule;
		if (!allowed) throw forbidden(`Le réseau ne permet pas aux collectivités ${kind === 'cancel' ? "d'annuler" : 'de déplacer'} un rendez-vous : contactez l'animateur.`);
		const notice = kind === 'cancel' ? settings.cancelMinNoticeMinutes : settings.rescheduleMinNoticeMinutes;
		if (new Date(b.starts_at).getTime() - now.getTime() < notice * MINUTE)
			throw new AppError(
				'too_late',
				`Il est trop tard pour ${kind === 'cancel' ? 'annuler' : 'déplacer'} ce rendez-vous en ligne (délai minimal : ${Math.round(notice / 60)}${NBSP}h) : contactez l'animateur.`,
				409
			);
	}
}

export async function cancelBooking(db: Database, actor: Actor, bookingId: string, reason: string, opts: { now?: Date } = {}) {
	const why = text(reason, 'reason', "le motif de l'annulation", 2000);
	const now = opts.now ?? new Date();
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			changeAllowed(b, await readSettings(tx, b.network_id), 'cancel', now);
			await tx.query(`update public.guichet_bookings set status = 'cancelled', sequence = sequence + 1, updated_at = now() where id = $1`, [bookingId]);
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during)
				 select $1, auth.uid(), 'cancelled', $2, during from public.guichet_bookings where id = $1`,
				[bookingId, why]
			);
			await tx.query(`update public.guichet_requests set status = 'closed', closed_at = now() where id = $1`, [b.request_id]);
			const other = b.side === 'animator' ? 'booker' : 'animator';
			await notify(tx, await loadBooking(tx, bookingId), other, 'rendez-vous annulé', `Le rendez-vous a été annulé. Motif : ${why}`, 'CANCEL');
		})
	);
}

export async function rescheduleBooking(db: Database, actor: Actor, bookingId: string, input: { start: Date | string; reason: string; now?: Date }) {
	const why = text(input.reason, 'reason', 'le motif du changement', 2000);
	const start = toDate(input.start, 'start');
	const now = input.now ?? new Date();
	let ctx: { networkId: string; animatorId: string } | null = null;
	try {
		return await withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			ctx = { networkId: b.network_id, animatorId: b.animator_id };
			changeAllowed(b, await readSettings(tx, b.network_id), 'reschedule', now);
			const [p] = await loadProfiles(tx, b.network_id, b.animator_id, false);
			if (!p) throw notFound('Le profil de cet animateur');
			const slot = { start, end: new Date(start.getTime() + p.session_minutes * MINUTE) };
			const { busy } = await loadBusy(tx, [b.animator_id], start, start, now, bookingId);
			const ok = isBookable(p.rules, busy.get(b.animator_id) ?? [], slot, now);
			if (!ok.ok) {
				if (isBookable({ ...p.rules, maxPerDay: null }, busy.get(b.animator_id) ?? [], slot, now).ok) throw new DayFull();
				if (isBookable(p.rules, [], slot, now).ok) throw new SlotTaken();
				throw invalid(ok.reason, 'start');
			}
			await tx.query(
				`insert into public.guichet_booking_events (booking_id, actor_id, action, reason, old_during, new_during)
				 select $1, auth.uid(), 'rescheduled', $2, during, $3::tstzrange from public.guichet_bookings where id = $1`,
				[bookingId, why, range(slot)]
			);
			await tx.query(
				`update public.guichet_bookings set during = $2::tstzrange, blocked = $3::tstzrange, sequence = sequence + 1, updated_at = now() where id = $1`,
				[bookingId, range(slot), range(blockedRange(p.rules, slot))]
			);
			const other = b.side === 'animator' ? 'booker' : 'animator';
			await notify(tx, await loadBooking(tx, bookingId), other, 'rendez-vous déplacé', `Le rendez-vous a été déplacé. Motif : ${why}`, 'REQUEST');
		});
	} catch (e) {
		const { code, constraint } = pgCode(e);
		if (code === '23P01' && constraint === 'guichet_bookings_no_booker_overlap')
			throw new AppError('booker_overlap', 'La collectivité a déjà un rendez-vous qui chevauche ce créneau.', 409);
		if (isDayFull(e) && ctx) {
			const c = ctx as { networkId: string; animatorId: string };
			throw new AppError('day_full', DAY_FULL_MESSAGE, 409, { nextSlots: await nextSlots(db, actor, c.networkId, c.animatorId, start, now) });
		}
		if ((e instanceof SlotTaken || code === '23P01') && ctx) {
			const c = ctx as { networkId: string; animatorId: string };
			throw new AppError('slot_taken', SLOT_TAKEN_MESSAGE, 409, { nextSlots: await nextSlots(db, actor, c.networkId, c.animatorId, start, now) });
		}
		throw toAppError(e);
	}
}

export async function getBooking(db: Database, actor: Actor, bookingId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			const history = await tx.query<{ action: string; reason: string; actor_id: string; old_during: string | null; new_during: string | null; created_at: Date }>(
				`select action, reason, actor_id, old_during::text, new_during::text, created_at from public.guichet_booking_events
				  where booking_id = $1 order by created_at, id`,
				[bookingId]
			);
			const [report] = await tx.query(`select advice, resource_ids, next_steps, created_at from public.guichet_reports where booking_id = $1`, [bookingId]);
			const [survey] = await tx.query(`select rating, comment, created_at from public.guichet_surveys where booking_id = $1`, [bookingId]);
			return { ...b, history, report: report ?? null, survey: survey ?? null };
		})
	);
}

// ---------------------------------------------------------------------------------------------------------
// After the session
// ---------------------------------------------------------------------------------------------------------
export async function writeReport(
	db: Database,
	actor: Actor,
	bookingId: string,
	input: { advice: string; resourceIds?: string[]; nextSteps?: string; outcome: 'done' | 'no_show' }
) {
	if (input.outcome !== 'done' && input.outcome !== 'no_show') throw invalid('Indiquez si la séance a eu lieu.', 'outcome');
	const advice = text(input.advice, 'advice', 'les conseils donnés', 20000, input.outcome === 'done');
	const nextSteps = text(input.nextSteps ?? '', 'nextSteps', 'les prochaines étapes', 10000, false);
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			if (b.side !== 'animator') throw forbidden('Seuls les animateurs du réseau rédigent le compte-rendu.');
			if (b.status === 'cancelled' || b.status === 'pending') throw new AppError('transition_not_allowed', "Ce rendez-vous n'a pas eu lieu : pas de compte-rendu.", 409);
			await tx.query(
				`insert into public.guichet_reports (booking_id, author_id, advice, resource_ids, next_steps) values ($1, auth.uid(), $2, $3, $4)
				 on conflict (booking_id) do update set advice = excluded.advice, resource_ids = excluded.resource_ids,
				   next_steps = excluded.next_steps, updated_at = now()`,
				[bookingId, advice, (input.resourceIds ?? []).map(String), nextSteps]
			);
			if (b.status !== input.outcome) {
				await tx.query(`update public.guichet_bookings set status = $2, updated_at = now() where id = $1`, [bookingId, input.outcome]);
				await tx.query(`insert into public.guichet_booking_events (booking_id, actor_id, action) values ($1, auth.uid(), $2)`, [bookingId, input.outcome]);
			}
			await tx.query(`update public.guichet_requests set status = 'closed', closed_at = coalesce(closed_at, now()), answered_at = coalesce(answered_at, now()) where id = $1`, [b.request_id]);
			if (input.outcome === 'done')
				await enqueueEmail(tx, {
					to: b.booker_email,
					kind: 'guichet_report',
					subject: 'Guichet vert : compte-rendu de votre séance',
					...renderEmail({
						paragraphs: [`L'animateur a rédigé le compte-rendu de la séance « ${b.topic} ».`, 'Donnez-nous votre avis en une minute : votre réponse aide le réseau à améliorer le guichet.'],
						action: { label: 'Lire le compte-rendu et répondre au questionnaire', url: `${appOrigin()}/guichet/seance/${b.id}` }
					})
				});
		})
	);
}

export async function answerSurvey(db: Database, actor: Actor, bookingId: string, input: { rating: number; comment?: string }) {
	if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw invalid('Choisissez une note de 1 à 5.', 'rating');
	const comment = text(input.comment ?? '', 'comment', 'le commentaire', 2000, false);
	return guard(
		withUser(db, actor, async (tx) => {
			const b = await loadBooking(tx, bookingId);
			// The survey is the booker's own opinion: answered whatever their role has become since.
			if (b.booker_id !== actor.id) throw forbidden('Seule la personne qui a réservé répond au questionnaire.');
			if (b.status !== 'done') throw new AppError('transition_not_allowed', "Le questionnaire s'ouvre après la séance.", 409);
			const rows = await tx.query(
				`insert into public.guichet_surveys (booking_id, respondent_id, rating, comment) values ($1, auth.uid(), $2, $3)
				 on conflict (booking_id) do nothing returning booking_id`,
				[bookingId, input.rating, comment]
			);
			if (!rows.length) throw new AppError('already_answered', 'Vous avez déjà répondu à ce questionnaire. Merci !', 409);
		})
	);
}

// ---------------------------------------------------------------------------------------------------------
// Network dashboard
// ---------------------------------------------------------------------------------------------------------
export interface GuichetDashboard {
	year: number;
	months: { month: number; questions: number; sessions: number }[];
	topics: { topic: string; count: number }[];
	stages: { stage: Stage; label: string; count: number }[];
	served: { orgId: string; name: string; requests: number }[];
	neverServed: { orgId: string; name: string }[];
	/** Median hours between a session request and the session booked (time to first available slot). */
	medianHoursToSession: number | null;
	/** Median hours before the first answer of a question minute. */
	medianHoursToAnswer: number | null;
	satisfaction: { mean: number | null; answers: number };
	sessionsDone: number;
	noShows: number;
}

export async function networkDashboard(db: Database, actor: Actor, networkId: string, opts: { year: number }): Promise<GuichetDashboard> {
	const year = opts.year;
	return guard(
		withUser(db, actor, async (tx) => {
			const [r] = await tx.query<{ ok: boolean }>('select app.is_network_animator($1) or app.is_platform_admin() as ok', [networkId]);
			if (!r.ok) throw forbidden('Le tableau de bord est réservé aux animateurs du réseau.');
			const params = [networkId, year];
			const inYear = `r.network_id = $1 and extract(year from r.created_at at time zone 'Europe/Paris') = $2`;
			const months = await tx.query<{ month: number; questions: number; sessions: number }>(
				`select m.month, count(r.id) filter (where r.kind = 'question')::int as questions, count(r.id) filter (where r.kind = 'session')::int as sessions
				   from generate_series(1, 12) as m(month)
				   left join public.guichet_requests r on ${inYear} and extract(month from r.created_at at time zone 'Europe/Paris') = m.month
				  group by m.month order by m.month`,
				params
			);
			const topics = await tx.query<{ topic: string; count: number }>(
				`select r.topic, count(*)::int as count from public.guichet_requests r where ${inYear} group by r.topic order by count desc, r.topic`,
				params
			);
			const stageRows = await tx.query<{ stage: Stage; count: number }>(
				`select r.stage, count(*)::int as count from public.guichet_requests r where ${inYear} group by r.stage`,
				params
			);
			const served = await tx.query<{ orgId: string; name: string; requests: number }>(
				`select o.id as "orgId", o.name, count(*)::int as requests from public.guichet_requests r join public.organisations o on o.id = r.org_id
				  where ${inYear} group by o.id, o.name order by o.name`,
				params
			);
			const neverServed = await tx.query<{ orgId: string; name: string }>(
				`select o.id as "orgId", o.name from public.network_memberships nm join public.organisations o on o.id = nm.org_id
				  where nm.network_id = $1 and nm.status = 'approved'
				    and not exists (select 1 from public.guichet_requests r where r.network_id = $1 and r.org_id = nm.org_id)
				  order by o.name`,
				[networkId]
			);
			const [times] = await tx.query<{ to_session: number | null; to_answer: number | null }>(
				`select (select percentile_cont(0.5) within group (order by extract(epoch from lower(b.during) - r.created_at) / 3600)
				           from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id where ${inYear})::float8 as to_session,
				        (select percentile_cont(0.5) within group (order by extract(epoch from r.answered_at - r.created_at) / 3600)
				           from public.guichet_requests r where ${inYear} and r.kind = 'question' and r.answered_at is not null)::float8 as to_answer`,
				params
			);
			const [sat] = await tx.query<{ mean: number | null; answers: number; done: number; no_show: number }>(
				`select (select avg(s.rating)::float8 from public.guichet_surveys s join public.guichet_bookings b on b.id = s.booking_id
				          join public.guichet_requests r on r.id = b.request_id where ${inYear}) as mean,
				        (select count(*)::int from public.guichet_surveys s join public.guichet_bookings b on b.id = s.booking_id
				          join public.guichet_requests r on r.id = b.request_id where ${inYear}) as answers,
				        (select count(*)::int from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id
				          where ${inYear} and b.status = 'done' and lower(b.during) <= now()) as done,
				        (select count(*)::int from public.guichet_bookings b join public.guichet_requests r on r.id = b.request_id
				          where ${inYear} and b.status = 'no_show' and lower(b.during) <= now()) as no_show`,
				params
			);
			return {
				year,
				months,
				topics,
				stages: (Object.keys(STAGES) as Stage[]).map((s) => ({ stage: s, label: STAGES[s], count: stageRows.find((x) => x.stage === s)?.count ?? 0 })),
				served,
				neverServed,
				medianHoursToSession: times.to_session == null ? null : Math.round(times.to_session * 10) / 10,
				medianHoursToAnswer: times.to_answer == null ? null : Math.round(times.to_answer * 10) / 10,
				satisfaction: { mean: sat.mean == null ? null : Math.round(sat.mean * 100) / 100, answers: sat.answers },
				sessionsDone: sat.done,
				noShows: sat.no_show
			};
		})
	);
}

// ---------------------------------------------------------------------------------------------------------
// Calendar feed
// ---------------------------------------------------------------------------------------------------------
/** A new private feed URL for the caller (the token is shown once; only its hash is stored). */
export async function createFeedToken(db: Database, actor: Actor): Promise<{ id: string; token: string; url: string }> {
	const token = randomToken(20);
	return guard(
		withUser(db, actor, async (tx) => {
			const [row] = await tx.query<{ id: string }>(`insert into public.guichet_feed_tokens (user_id, token_hash) values (auth.uid(), $1) returning id`, [hashSecret(token)]);
			return { id: row.id, token, url: `${appOrigin()}/guichet/calendrier/${token}.ics` };
		})
	);
}

/** The caller's calendar feed links (never the token itself: it is shown once, at creation). */
export async function listFeedTokens(db: Database, actor: Actor) {
	return guard(
		withUser(db, actor, (tx) =>
			tx.query<{ id: string; created_at: Date; revoked_at: Date | null }>(
				`select id, created_at, revoked_at from public.guichet_feed_tokens where user_id = auth.uid() order by created_at desc`
			)
		)
	);
}

export async function revokeFeedToken(db: Database, actor: Actor, id: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(`update public.guichet_feed_tokens set revoked_at = now() where id = $1 and revoked_at is null returning id`, [id]);
			if (!rows.length) throw notFound('Ce lien de calendrier');
		})
	);
}

/** The ICS feed behind a token (bookings as booker or animator, 90 days back), or null when unknown/revoked. */
export async function calendarFeed(db: Database, token: string): Promise<string | null> {
	if (!/^[a-z2-7]{16,64}$/.test(token)) return null;
	return asService(db, 'guichet calendar feed', async (tx) => {
		const [t] = await tx.query<{ user_id: string }>(`select user_id from public.guichet_feed_tokens where token_hash = $1 and revoked_at is null`, [hashSecret(token)]);
		if (!t) return null;
		const rows = await tx.query<BookingRow>(
			`${BOOKING_SELECT} where (b.booker_id = $1 or b.animator_id = $1) and upper(b.during) > now() - interval '90 days' order by lower(b.during)`,
			[t.user_id]
		);
		return calendarToIcs(
			'Guichet vert',
			rows.map((b) => ({ ...icsFor(b, 'PUBLISH'), method: 'PUBLISH' as const }))
		);
	});
}
