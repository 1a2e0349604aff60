// Guichet vert requests: questions minute, their follow-up messages (with files), closing and redirecting.
import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { READER_MESSAGE, type Stage } from '$lib/guichet/labels';
import { requireActingSide, requireAnimator, requireBuyerOrg } from './access';
import { invalid, messageRules, parseInput, redirectRules, requestRules } from './input';
import { listAttachments, prepareAttachments, storeAttachments, type UploadedFile } from './attachments';
import { isDayFull, loadBooking, notify, pgCode } from './booking-record';

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

/** Inserts a request; its attachments are read (typed, checked) only once the caller's right to ask is known. */
export async function insertRequest(tx: Tx, kind: 'question' | 'session', input: RequestInput) {
	const { topic, segment, question, stage, deadline } = parseInput(requestRules, input);
	const orgId = await requireBuyerOrg(tx, input.networkId, input.orgId);
	const files = prepareAttachments(input.attachments);
	const [row] = await tx.query<{ id: string }>(
		`insert into public.guichet_requests (network_id, org_id, requester_id, kind, topic, segment, stage, question, deadline, assigned_animator_id)
		 values ($1, $2, auth.uid(), $3, $4, $5, $6, $7, $8, $9) returning id`,
		[input.networkId, orgId, kind, topic, segment, stage, question, deadline, input.animatorId ?? null]
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

type RequestRow = Pick<
	GuichetRequest,
	'id' | 'network_id' | 'org_id' | 'requester_id' | 'kind' | 'topic' | 'status' | 'assigned_animator_id'
>;

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
export async function reply(
	db: Database,
	actor: Actor,
	requestId: string,
	body: string,
	attachments?: UploadedFile[]
): Promise<string> {
	const message = parseInput(messageRules, { body }).body;
	return guard(
		withUser(db, actor, async (tx) => {
			const r = await loadRequest(tx, requestId);
			requireActingSide(r.side, ['animator', 'buyer']);
			if (r.status === 'closed')
				throw new AppError('closed', 'Cette demande est close : posez une nouvelle question.', 409);
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
				const [to] = await tx.query<{ email: string }>('select email from public.users where id = $1', [
					r.requester_id
				]);
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
				if (r.status === 'answered')
					await tx.query(`update public.guichet_requests set status = 'open' where id = $1`, [requestId]);
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
			await tx.query(`update public.guichet_requests set status = 'closed', closed_at = now() where id = $1`, [
				requestId
			]);
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
			const [r] = await tx.query<
				GuichetRequest & {
					network_name: string;
					network_slug: string;
					org_name: string;
					side: 'buyer' | 'reader' | 'animator' | 'admin' | null;
					booking_id: string | null;
				}
			>(
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
export async function redirectRequest(
	db: Database,
	actor: Actor,
	requestId: string,
	toAnimatorId: string,
	reason: string
) {
	const why = parseInput(redirectRules, { reason }).reason;
	return guard(
		withUser(db, actor, async (tx) => {
			const r = await loadRequest(tx, requestId);
			if (r.side !== 'animator') throw forbidden('Seuls les animateurs du réseau peuvent réorienter une demande.');
			if (r.status === 'closed')
				throw new AppError('closed', 'Cette demande est close : elle ne peut plus être réorientée.', 409);
			const [target] = await tx.query<{ name: string; email: string; facilitator: boolean }>(
				`select coalesce(nullif(u.display_name, ''), u.email) as name, u.email, coalesce(p.social_clause_facilitator, false) as facilitator
				   from public.network_animators a join public.users u on u.id = a.user_id
				   left join public.guichet_profiles p on p.network_id = a.network_id and p.animator_id = a.user_id
				  where a.network_id = $1 and a.user_id = $2`,
				[r.network_id, toAnimatorId]
			);
			if (!target) throw invalid("Cette personne n'anime pas ce réseau.", 'animatorId');
			if (toAnimatorId === (r.assigned_animator_id ?? actor.id))
				throw invalid('La demande est déjà confiée à cette personne.', 'animatorId');
			const role = target.facilitator
				? 'la facilitatrice ou au facilitateur clause sociale'
				: "l'animatrice ou à l'animateur";
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
				await tx.query(
					`insert into public.guichet_booking_events (booking_id, actor_id, action, reason) values ($1, auth.uid(), 'redirected', $2)`,
					[b.id, why]
				);
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
			const [requester] = await tx.query<{ email: string }>('select email from public.users where id = $1', [
				r.requester_id
			]);
			if (requester)
				await enqueueEmail(tx, {
					to: requester.email,
					kind: 'guichet_redirect',
					subject: `Guichet vert : votre demande « ${r.topic} » a été réorientée`,
					...renderEmail({
						paragraphs: [
							`Votre demande « ${r.topic} » est désormais suivie par ${target.name} (${target.facilitator ? 'facilitation clause sociale' : 'animation du réseau'}).`,
							`Motif : ${why}`
						],
						action: { label: 'Voir la demande', url: `${appOrigin()}/guichet/demande/${r.id}` }
					})
				});
			for (const b of bookings)
				await notify(
					tx,
					await loadBooking(tx, b.id),
					'both',
					'rendez-vous confié à une autre personne',
					`Le rendez-vous est désormais assuré par ${target.name}. Motif : ${why}`,
					'REQUEST'
				);
		}).catch((e) => {
			if (pgCode(e).code === '23P01')
				throw new AppError('slot_taken', 'La personne choisie a déjà une séance à ce moment-là.', 409);
			if (isDayFull(e))
				throw new AppError(
					'day_full',
					'La personne choisie a déjà atteint son nombre maximal de séances ce jour-là.',
					409
				);
			throw e;
		})
	);
}
