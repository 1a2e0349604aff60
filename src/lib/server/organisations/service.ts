import type { Actor, Database } from '../db';
import { asService, elevated, withUser } from '../db';
import { hashSecret, randomToken } from '../auth/crypto';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { checkImage } from '../files/limits';
import { AppError, notFound, guard } from '$lib/server/kit/errors';
import { uniqueSlug } from '../slug';
import { SPASER_MANDATORY_THRESHOLD_EUR } from '../../geo';
import { ROLE_LABELS, type MemberRole } from '../../organisations/labels';
import type { OrganisationInput } from './input';

export type { MemberRole };

export interface Organisation {
	id: string;
	slug: string;
	name: string;
	kind: string;
	siren: string | null;
	siret: string | null;
	region_code: string | null;
	departement_code: string | null;
	population: number | null;
	purchase_volume_eur: number | null;
	referents_count: number | null;
	created_at: Date;
	archived_at: Date | null;
	has_logo: boolean;
	my_role: MemberRole | null;
	spaser_mandatory: boolean;
}

const ORG_COLUMNS = `o.id, o.slug, o.name, o.kind, o.siren, o.siret, o.region_code, o.departement_code, o.population,
	o.purchase_volume_eur, o.referents_count, o.created_at, o.archived_at,
	exists (select 1 from public.organisation_logos l where l.org_id = o.id) as has_logo,
	app.org_role(o.id) as my_role,
	coalesce(o.purchase_volume_eur >= ${SPASER_MANDATORY_THRESHOLD_EUR}, false) as spaser_mandatory`;

function toRow(input: OrganisationInput) {
	return [
		input.name,
		input.kind,
		input.siren ?? null,
		input.siret ?? null,
		input.regionCode ?? null,
		input.departementCode ?? null,
		input.population ?? null,
		input.purchaseVolumeEur ?? null,
		input.referentsCount ?? null
	];
}

export async function createOrganisation(db: Database, actor: Actor, input: OrganisationInput): Promise<Organisation> {
	return guard(
		withUser(db, actor, async (tx) => {
			if (input.siren) {
				const dup = await elevated(tx, (t) =>
					t.query('select 1 from public.organisations where siren = $1 and archived_at is null', [input.siren])
				);
				if (dup.length)
					throw new AppError(
						'siren_taken',
						'Une collectivité avec ce SIREN existe déjà sur la plateforme : demandez à son administrateur de vous inviter.',
						409,
						{ field: 'siren' }
					);
			}
			const slug = await elevated(tx, (t) => uniqueSlug(t, 'organisations', input.name));
			const [row] = await tx.query<{ id: string }>(
				`insert into public.organisations (name, kind, siren, siret, region_code, departement_code, population,
				   purchase_volume_eur, referents_count, slug, created_by)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, auth.uid()) returning id`,
				[...toRow(input), slug]
			);
			const [org] = await tx.query<Organisation>(`select ${ORG_COLUMNS} from public.organisations o where o.id = $1`, [
				row.id
			]);
			return org;
		})
	);
}

export async function updateOrganisation(db: Database, actor: Actor, orgId: string, input: OrganisationInput) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				`update public.organisations set name = $1, kind = $2, siren = $3, siret = $4, region_code = $5,
				   departement_code = $6, population = $7, purchase_volume_eur = $8, referents_count = $9
				 where id = $10 returning id`,
				[...toRow(input), orgId]
			);
			if (!rows.length)
				throw new AppError(
					'forbidden',
					'Seuls les administrateurs de la collectivité peuvent modifier ses informations.',
					403
				);
		})
	);
}

/**
 * Validated (by a platform admin, or admitted to a network): its kind, region, département and population are then
 * frozen for its own admins (migration 20261207162000_validated_org_frozen.sql).
 */
export async function groupAttributesFrozen(db: Database, actor: Actor, orgId: string): Promise<boolean> {
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ frozen: boolean }>(
			'select (o.validated_at is not null or app.org_in_a_network(o.id)) as frozen from public.organisations o where o.id = $1',
			[orgId]
		)
	);
	return row?.frozen ?? false;
}

export async function listMyOrganisations(db: Database, actor: Actor): Promise<Organisation[]> {
	return withUser(db, actor, (tx) =>
		tx.query<Organisation>(
			`select ${ORG_COLUMNS} from public.organisations o
			  join public.organisation_members m on m.org_id = o.id and m.user_id = auth.uid()
			 where o.archived_at is null order by o.name`
		)
	);
}

export async function getOrganisationBySlug(db: Database, actor: Actor, slug: string): Promise<Organisation> {
	const [org] = await withUser(db, actor, (tx) =>
		tx.query<Organisation>(`select ${ORG_COLUMNS} from public.organisations o where o.slug = $1`, [slug])
	);
	if (!org) throw notFound('Cette collectivité');
	return org;
}

export async function getOrganisation(db: Database, actor: Actor, id: string): Promise<Organisation> {
	const [org] = await withUser(db, actor, (tx) =>
		tx.query<Organisation>(`select ${ORG_COLUMNS} from public.organisations o where o.id = $1`, [id])
	);
	if (!org) throw notFound('Cette collectivité');
	return org;
}

/**
 * Sets (or, with null, removes) the collectivité's logo. The type is read from the bytes, never from the file's
 * name or declared type: anything but a PNG, JPEG or WebP image is refused (an SVG or HTML page named .png too).
 */
export async function setLogo(db: Database, actor: Actor, orgId: string, data: Uint8Array | null) {
	const mime = data ? sniffImage(data) : null;
	if (data && !mime)
		throw new AppError('invalid_file_type', "Ce fichier n'est pas une image PNG, JPEG ou WebP.", 415, {
			field: 'logo'
		});
	return guard(
		withUser(db, actor, async (tx) => {
			// The right before reading the image's header (row-level security decides again on the write).
			const [role] = await tx.query<{ ok: boolean }>(`select app.has_org_role($1, array['admin']) as ok`, [orgId]);
			if (!role?.ok)
				throw new AppError('forbidden', 'Seuls les administrateurs de la collectivité peuvent modifier son logo.', 403);
			if (data) {
				try {
					checkImage(data);
				} catch (e) {
					if (e instanceof AppError) throw new AppError(e.code, e.message, e.status, { field: 'logo' });
					throw e;
				}
			}
			if (!data) {
				await tx.query('delete from public.organisation_logos where org_id = $1', [orgId]);
				return;
			}
			await tx.query(
				`insert into public.organisation_logos (org_id, mime, data) values ($1, $2, $3)
				 on conflict (org_id) do update set mime = excluded.mime, data = excluded.data, updated_at = now()`,
				[orgId, mime, data]
			);
		})
	);
}

export async function getLogo(db: Database, actor: Actor | null, orgId: string) {
	if (!actor) return null;
	const [row] = await withUser(db, actor, (tx) =>
		tx.query<{ mime: string; data: Uint8Array; updated_at: Date }>(
			'select mime, data, updated_at from public.organisation_logos where org_id = $1',
			[orgId]
		)
	);
	return row ?? null;
}

/** Detects the image type from its first bytes (never from the file name). */
export function sniffImage(bytes: Uint8Array): string | null {
	if (bytes.length > 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47)
		return 'image/png';
	if (bytes.length > 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
	if (
		bytes.length > 12 &&
		String.fromCharCode(...bytes.slice(0, 4)) === 'RIFF' &&
		String.fromCharCode(...bytes.slice(8, 12)) === 'WEBP'
	)
		return 'image/webp';
	return null;
}

export interface Member {
	user_id: string;
	display_name: string;
	email: string;
	role: MemberRole;
	created_at: Date;
}

export async function listMembers(db: Database, actor: Actor, orgId: string): Promise<Member[]> {
	return withUser(db, actor, (tx) =>
		tx.query<Member>(
			`select m.user_id, u.display_name, u.email, m.role, m.created_at
			   from public.organisation_members m join public.users u on u.id = m.user_id
			  where m.org_id = $1 order by case m.role when 'admin' then 0 when 'editor' then 1 else 2 end, u.display_name`,
			[orgId]
		)
	);
}

export interface Invitation {
	id: string;
	email: string;
	role: MemberRole;
	created_at: Date;
	expires_at: Date;
	accepted_at: Date | null;
	revoked_at: Date | null;
	invited_by_name: string | null;
}

export async function listInvitations(db: Database, actor: Actor, orgId: string): Promise<Invitation[]> {
	return withUser(db, actor, (tx) =>
		tx.query<Invitation>(
			`select i.id, i.email, i.role, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, u.display_name as invited_by_name
			   from public.organisation_invitations i left join public.users u on u.id = i.invited_by
			  where i.org_id = $1 and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
			  order by i.created_at desc`,
			[orgId]
		)
	);
}

/** Invites by e-mail: an expiring, single-use link; the e-mail is queued in the same transaction. */
export async function inviteMember(db: Database, actor: Actor, orgId: string, emailAddr: string, role: MemberRole) {
	const email = emailAddr.trim().toLowerCase();
	const secret = randomToken(20);
	return guard(
		withUser(db, actor, async (tx) => {
			const [org] = await tx.query<{ name: string; my_role: string | null }>(
				'select name, app.org_role(id) as my_role from public.organisations where id = $1',
				[orgId]
			);
			if (!org || org.my_role !== 'admin')
				throw new AppError(
					'forbidden',
					'Seuls les administrateurs de la collectivité peuvent inviter des membres.',
					403
				);
			const already = await tx.query(
				`select 1 from public.organisation_members m join public.users u on u.id = m.user_id where m.org_id = $1 and lower(u.email) = $2`,
				[orgId, email]
			);
			if (already.length)
				throw new AppError('already_member', 'Cette personne est déjà membre de la collectivité.', 409, {
					field: 'email'
				});
			// A new invitation to the same address replaces the pending one.
			await tx.query(
				`update public.organisation_invitations set revoked_at = now()
				  where org_id = $1 and lower(email) = $2 and accepted_at is null and revoked_at is null`,
				[orgId, email]
			);
			const [inv] = await tx.query<{ id: string; expires_at: Date }>(
				`insert into public.organisation_invitations (org_id, email, role, token_hash, invited_by)
				 values ($1, $2, $3, $4, auth.uid()) returning id, expires_at`,
				[orgId, email, role, hashSecret(secret)]
			);
			const [me] = await tx.query<{ display_name: string }>(
				'select display_name from public.users where id = auth.uid()'
			);
			const url = `${appOrigin()}/invitation/${secret}`;
			await enqueueEmail(tx, {
				to: email,
				subject: `${me.display_name} vous invite à rejoindre ${org.name} sur SPASER Commun`,
				kind: 'invitation',
				...renderEmail({
					paragraphs: [
						`${me.display_name} vous invite à rejoindre « ${org.name} » sur SPASER Commun, en tant que ${ROLE_LABELS[role].toLowerCase()}.`,
						"SPASER Commun permet aux acheteurs publics de rédiger ensemble leur schéma de promotion des achats socialement et écologiquement responsables, de partager clauses et retours d'expérience et de se comparer à leurs pairs.",
						`Ce lien est personnel, ne sert qu'une fois et expire le ${inv.expires_at.toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris', day: 'numeric', month: 'long', year: 'numeric' })}.`
					],
					action: { label: "Accepter l'invitation", url }
				})
			});
			return { id: inv.id, url };
		})
	);
}

export async function revokeInvitation(db: Database, actor: Actor, orgId: string, invitationId: string) {
	const rows = await withUser(db, actor, (tx) =>
		tx.query(
			'update public.organisation_invitations set revoked_at = now() where id = $1 and org_id = $2 and accepted_at is null returning id',
			[invitationId, orgId]
		)
	);
	if (!rows.length) throw notFound('Cette invitation');
}

/** What the invitation page shows before the person signs in (service role: they are not a member yet). */
export async function previewInvitation(db: Database, secret: string) {
	const [row] = await asService(db, 'invitation preview', (tx) =>
		tx.query<{
			email: string;
			role: MemberRole;
			org_name: string;
			expires_at: Date;
			accepted_at: Date | null;
			revoked_at: Date | null;
			has_account: boolean;
		}>(
			`select i.email, i.role, o.name as org_name, i.expires_at, i.accepted_at, i.revoked_at,
			        exists (select 1 from public.users u where lower(u.email) = lower(i.email)) as has_account
			   from public.organisation_invitations i join public.organisations o on o.id = i.org_id
			  where i.token_hash = $1`,
			[hashSecret(secret)]
		)
	);
	if (!row) return null;
	const state = row.revoked_at
		? 'revoked'
		: row.accepted_at
			? 'used'
			: row.expires_at < new Date()
				? 'expired'
				: 'valid';
	return { ...row, state };
}

export async function acceptInvitation(db: Database, actor: Actor, secret: string): Promise<string> {
	return guard(
		withUser(db, actor, async (tx) => {
			const [row] = await tx.query<{ org_id: string }>('select app.accept_invitation($1) as org_id', [
				hashSecret(secret)
			]);
			const [org] = await tx.query<{ slug: string }>('select slug from public.organisations where id = $1', [
				row.org_id
			]);
			return org.slug;
		})
	);
}

export async function changeMemberRole(db: Database, actor: Actor, orgId: string, userId: string, role: MemberRole) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				'update public.organisation_members set role = $3 where org_id = $1 and user_id = $2 returning user_id',
				[orgId, userId, role]
			);
			if (!rows.length) throw new AppError('forbidden', 'Seuls les administrateurs peuvent changer les rôles.', 403);
		})
	);
}

export async function removeMember(db: Database, actor: Actor, orgId: string, userId: string) {
	return guard(
		withUser(db, actor, async (tx) => {
			const rows = await tx.query(
				'delete from public.organisation_members where org_id = $1 and user_id = $2 returning user_id',
				[orgId, userId]
			);
			if (!rows.length) throw new AppError('forbidden', 'Seuls les administrateurs peuvent retirer un membre.', 403);
		})
	);
}

export async function leaveOrganisation(db: Database, actor: Actor, orgId: string) {
	return removeMember(db, actor, orgId, actor.id);
}

export async function transferAdmin(db: Database, actor: Actor, orgId: string, toUserId: string) {
	return guard(withUser(db, actor, (tx) => tx.query('select app.transfer_admin($1, $2)', [orgId, toUserId])));
}
