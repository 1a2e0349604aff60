import type { Actor, Database, Tx } from '../db';
import { withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, notFound, guard } from '$lib/server/kit/errors';
import { elevated } from '../db';
import { uniqueSlug } from '../slug';
import { endingStatus, requireAnimator } from './access';

export interface Network {
	id: string;
	slug: string;
	name: string;
	description: string;
	region_codes: string[];
	created_at: Date;
	i_animate: boolean;
	member_count: number;
}

export type MembershipStatus = 'pending' | 'approved' | 'refused' | 'withdrawn' | 'left' | 'removed';

export interface Membership {
	id: string;
	network_id: string;
	org_id: string;
	org_name: string | null;
	org_slug: string | null;
	org_kind: string | null;
	departement_code: string | null;
	status: MembershipStatus;
	message: string | null;
	reason: string | null;
	requested_at: Date;
	requested_by_name: string | null;
	decided_at: Date | null;
	decided_by_name: string | null;
}

const NETWORK_COLUMNS = `n.id, n.slug, n.name, n.description, n.region_codes, n.created_at,
	app.is_network_animator(n.id) as i_animate,
	(select count(*)::int from public.network_memberships m where m.network_id = n.id and m.status = 'approved') as member_count`;

export async function listNetworks(db: Database, actor: Actor | null): Promise<Network[]> {
	if (!actor)
		return withUser(db, null, (tx) =>
			tx.query<Network>(
				`select n.id, n.slug, n.name, n.description, n.region_codes, n.created_at, false as i_animate, 0 as member_count from public.networks n order by n.name`
			)
		);
	return withUser(db, actor, (tx) =>
		tx.query<Network>(`select ${NETWORK_COLUMNS} from public.networks n order by n.name`)
	);
}

export async function getNetworkBySlug(db: Database, actor: Actor | null, slug: string) {
	return withUser(db, actor, async (tx) => {
		const cols = actor
			? NETWORK_COLUMNS
			: `n.id, n.slug, n.name, n.description, n.region_codes, n.created_at, false as i_animate, 0 as member_count`;
		const [network] = await tx.query<Network>(`select ${cols} from public.networks n where n.slug = $1`, [slug]);
		if (!network) throw notFound('Ce réseau');
		const animators = await tx.query<{ user_id: string; display_name: string | null; email: string | null }>(
			actor
				? `select a.user_id, u.display_name, u.email from public.network_animators a left join public.users u on u.id = a.user_id
				    where a.network_id = $1 order by u.display_name`
				: `select a.user_id, null as display_name, null as email from public.network_animators a where a.network_id = $1`,
			[network.id]
		);
		const memberships = actor ? await listMemberships(tx, network.id) : [];
		return { network, animators, memberships };
	});
}

// One membership row as the network page and the API show it (the requester's and decider's names).
const MEMBERSHIP_SELECT = `select m.id, m.network_id, m.org_id, o.name as org_name, o.slug as org_slug, o.kind as org_kind, o.departement_code,
	        m.status, m.message, m.reason, m.requested_at, ru.display_name as requested_by_name, m.decided_at,
	        du.display_name as decided_by_name
	   from public.network_memberships m
	   left join public.organisations o on o.id = m.org_id
	   left join public.users ru on ru.id = m.requested_by
	   left join public.users du on du.id = m.decided_by`;

async function listMemberships(tx: Tx, networkId: string): Promise<Membership[]> {
	return tx.query<Membership>(
		`${MEMBERSHIP_SELECT}
		  where m.network_id = $1
		  order by case m.status when 'pending' then 0 when 'approved' then 1 else 2 end, o.name`,
		[networkId]
	);
}

/** One membership as the caller may see it (same columns as the network page's list). */
export async function getMembership(db: Database, actor: Actor, membershipId: string): Promise<Membership> {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<Membership>(`${MEMBERSHIP_SELECT} where m.id = $1`, [membershipId])
	);
	if (!row) throw notFound('Cette adhésion');
	return row;
}

/** The slug of a network (networks are a public directory); 404 when the id is unknown. */
export async function networkSlug(db: Database, actor: Actor | null, networkId: string): Promise<string> {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ slug: string }>('select slug from public.networks where id = $1', [networkId])
	);
	if (!row) throw notFound('Ce réseau');
	return row.slug;
}

/** The memberships of one collectivité (all networks), for its settings page. */
export async function listOrgMemberships(db: Database, actor: Actor, orgId: string) {
	return withUser(db, actor, (tx) =>
		tx.query<Membership & { network_name: string; network_slug: string }>(
			`select m.id, m.network_id, m.org_id, null as org_name, null as org_slug, null as org_kind, null as departement_code,
			        m.status, m.message, m.reason, m.requested_at, null as requested_by_name, m.decided_at, null as decided_by_name,
			        n.name as network_name, n.slug as network_slug
			   from public.network_memberships m join public.networks n on n.id = m.network_id
			  where m.org_id = $1 order by m.requested_at desc`,
			[orgId]
		)
	);
}

export async function createNetwork(
	db: Database,
	actor: Actor,
	input: { name: string; description: string; regionCodes: string[] }
) {
	return guard(
		withUser(db, actor, async (tx) => {
			const slug = await uniqueSlug(tx, 'networks', input.name);
			const [row] = await tx.query<{ id: string; slug: string }>(
				'insert into public.networks (name, description, region_codes, slug) values ($1, $2, $3, $4) returning id, slug',
				[input.name, input.description, input.regionCodes, slug]
			);
			return row;
		})
	);
}

export async function updateNetwork(
	db: Database,
	actor: Actor,
	id: string,
	input: { name: string; description: string; regionCodes: string[] }
) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				'update public.networks set name = $2, description = $3, region_codes = $4 where id = $1 returning id',
				[id, input.name, input.description, input.regionCodes]
			);
			if (!rows.length)
				throw new AppError(
					'forbidden',
					'Seuls les animateurs du réseau et les administrateurs de la plateforme peuvent le modifier.',
					403
				);
		})
	);
}

/** Platform admins name animators by e-mail address (the person must have an account). */
export async function addAnimator(db: Database, actor: Actor, networkId: string, email: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [u] = await elevated(tx, (t) =>
				t.query<{ id: string }>('select id from public.users where lower(email) = lower($1)', [email])
			);
			if (!u)
				throw new AppError(
					'unknown_user',
					"Aucun compte n'existe avec cette adresse : la personne doit d'abord créer son compte.",
					404,
					{ field: 'email' }
				);
			await tx.query(
				'insert into public.network_animators (network_id, user_id) values ($1, $2) on conflict do nothing',
				[networkId, u.id]
			);
		})
	);
}

export async function removeAnimator(db: Database, actor: Actor, networkId: string, userId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				'delete from public.network_animators where network_id = $1 and user_id = $2 returning user_id',
				[networkId, userId]
			);
			if (!rows.length)
				throw new AppError(
					'forbidden',
					'Seuls les administrateurs de la plateforme nomment et retirent les animateurs.',
					403
				);
		})
	);
}

async function notifyAnimators(
	tx: Tx,
	networkId: string,
	subject: string,
	paragraphs: string[],
	action: { label: string; url: string }
) {
	const animators = await elevated(tx, (t) =>
		t.query<{ email: string; display_name: string }>(
			'select u.email, u.display_name from public.network_animators a join public.users u on u.id = a.user_id where a.network_id = $1',
			[networkId]
		)
	);
	for (const a of animators)
		await enqueueEmail(tx, {
			to: a.email,
			subject,
			kind: 'network_join_request',
			...renderEmail({ greeting: `Bonjour ${a.display_name},`, paragraphs, action })
		});
}

async function notifyOrgAdmins(
	tx: Tx,
	orgId: string,
	subject: string,
	paragraphs: string[],
	action: { label: string; url: string }
) {
	const admins = await elevated(tx, (t) =>
		t.query<{ email: string; display_name: string }>(
			`select u.email, u.display_name from public.organisation_members m join public.users u on u.id = m.user_id
			  where m.org_id = $1 and m.role = 'admin'`,
			[orgId]
		)
	);
	for (const a of admins)
		await enqueueEmail(tx, {
			to: a.email,
			subject,
			kind: 'network_decision',
			...renderEmail({ greeting: `Bonjour ${a.display_name},`, paragraphs, action })
		});
}

/** A collectivité admin asks to join; the network's animators are told by e-mail. */
export async function requestToJoin(db: Database, actor: Actor, networkId: string, orgId: string, message?: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [org] = await tx.query<{ name: string; role: string | null }>(
				'select name, app.org_role(id) as role from public.organisations where id = $1',
				[orgId]
			);
			if (!org || org.role !== 'admin')
				throw new AppError(
					'forbidden',
					"Seuls les administrateurs de la collectivité peuvent demander l'adhésion à un réseau.",
					403
				);
			const open = await tx.query<{ status: string }>(
				`select status from public.network_memberships where network_id = $1 and org_id = $2 and status in ('pending', 'approved')`,
				[networkId, orgId]
			);
			if (open.length)
				throw new AppError(
					'already_requested',
					open[0].status === 'approved'
						? 'Votre collectivité est déjà membre de ce réseau.'
						: 'Une demande est déjà en attente pour ce réseau.',
					409
				);
			const [m] = await tx.query<{ id: string }>(
				`insert into public.network_memberships (network_id, org_id, message, requested_by) values ($1, $2, $3, auth.uid()) returning id`,
				[networkId, orgId, message ?? null]
			);
			const [net] = await tx.query<{ name: string; slug: string }>(
				'select name, slug from public.networks where id = $1',
				[networkId]
			);
			await notifyAnimators(
				tx,
				networkId,
				`Demande d'adhésion de ${org.name} au réseau ${net.name}`,
				[
					`${org.name} demande à rejoindre le réseau ${net.name}.`,
					...(message ? [`Son message : « ${message} »`] : [])
				],
				{ label: 'Examiner la demande', url: `${appOrigin()}/reseaux/${net.slug}` }
			);
			return m.id;
		})
	);
}

/** An animator approves or refuses (a reason is required to refuse); the collectivité's admins are told. */
export async function decideMembership(
	db: Database,
	actor: Actor,
	membershipId: string,
	decision: 'approved' | 'refused',
	reason?: string
) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [m] = await tx.query<{ network_id: string; org_id: string; status: string; i_animate: boolean }>(
				'select network_id, org_id, status, app.is_network_animator(network_id) or app.is_platform_admin() as i_animate from public.network_memberships where id = $1',
				[membershipId]
			);
			if (!m) throw notFound('Cette demande');
			requireAnimator(m);
			if (m.status !== 'pending') throw new AppError('already_decided', 'Cette demande a déjà été traitée.', 409);
			await tx.query('update public.network_memberships set status = $2, reason = $3 where id = $1', [
				membershipId,
				decision,
				reason ?? null
			]);
			const [info] = await tx.query<{ network: string; slug: string; org: string; org_slug: string }>(
				`select n.name as network, n.slug, o.name as org, o.slug as org_slug from public.networks n, public.organisations o where n.id = $1 and o.id = $2`,
				[m.network_id, m.org_id]
			);
			await notifyOrgAdmins(
				tx,
				m.org_id,
				decision === 'approved'
					? `${info.org} a rejoint le réseau ${info.network}`
					: `Demande d'adhésion au réseau ${info.network} refusée`,
				decision === 'approved'
					? [`Votre demande d'adhésion au réseau ${info.network} a été acceptée. Bienvenue !`]
					: [`Votre demande d'adhésion au réseau ${info.network} n'a pas été acceptée.`, `Motif : ${reason}`],
				{ label: 'Voir le réseau', url: `${appOrigin()}/reseaux/${info.slug}` }
			);
		})
	);
}

/** The collectivité withdraws a pending request or leaves the network; an animator removes a member. */
export async function endMembership(db: Database, actor: Actor, membershipId: string, reason?: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const [m] = await tx.query<{ status: string; is_admin: boolean; i_animate: boolean }>(
				`select status, app.has_org_role(org_id, array['admin']) as is_admin,
				        app.is_network_animator(network_id) or app.is_platform_admin() as i_animate
				   from public.network_memberships where id = $1`,
				[membershipId]
			);
			if (!m) throw notFound('Cette adhésion');
			const next = endingStatus(m);
			await tx.query('update public.network_memberships set status = $2, reason = coalesce($3, reason) where id = $1', [
				membershipId,
				next,
				reason ?? null
			]);
			return next;
		})
	);
}
