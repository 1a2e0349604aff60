import { z } from 'zod';
import {
	invitationSchema,
	memberListSchema,
	organisationClosureResultSchema,
	organisationListSchema,
	organisationSchema
} from '$lib/server/api/schemas';
import { uuid } from '$lib/server/kit/input';
import {
	invitationCreateSchema,
	organisationClosureSchema,
	organisationCreateSchema,
	organisationInput,
	organisationPatchSchema,
	type OrganisationInput
} from '../../organisations/input';
import {
	createOrganisation,
	getOrganisation,
	inviteMember,
	listInvitations,
	listMembers,
	listMyOrganisations,
	removeMember,
	updateOrganisation,
	type Organisation
} from '../../organisations/service';
import { closeOrganisation, exportArchiveName, exportOrganisationZip } from '../../organisations/data';
import { AppError, notFound } from '$lib/server/kit/errors';
import { getProfile } from '../queries';
import { requireOrgAdmin } from '../../organisations/access';
import { memberDto, organisationDto } from '../dto';
import { API_PREFIX, apiErrors, iso, num, validate } from '../http';
import { ApiResult, defineEndpoint } from '../registry';
import { contentDisposition, splitName } from '$lib/server/kit/download';

const orgParams = z.object({ id: uuid });
const memberParams = z.object({ id: uuid, userId: uuid });
const tags = ['Collectivités'];

/** The stored values as an OrganisationInput, so that a PATCH can be merged and checked as a whole. */
function currentInput(o: Organisation): Record<string, unknown> {
	return {
		name: o.name,
		kind: o.kind,
		siren: o.siren ?? undefined,
		siret: o.siret ?? undefined,
		regionCode: o.region_code ?? undefined,
		departementCode: o.departement_code ?? undefined,
		population: num(o.population) ?? undefined,
		purchaseVolumeEur: num(o.purchase_volume_eur) ?? undefined,
		referentsCount: num(o.referents_count) ?? undefined
	};
}

export const organisationEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/organisations',
		operationId: 'listOrganisations',
		summary: 'Mes collectivités',
		description: 'Les collectivités dont vous êtes membre (hors collectivités archivées), par ordre alphabétique.',
		tags,
		scope: 'read',
		response: organisationListSchema,
		handler: async ({ db, actor }) => ({ items: (await listMyOrganisations(db, actor!)).map(organisationDto) })
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations',
		operationId: 'createOrganisation',
		summary: 'Créer une collectivité',
		description:
			'Crée une collectivité dont vous devenez administrateur. Refusé (409 siren_taken) si une collectivité avec ce SIREN existe déjà : demandez alors à son administrateur de vous inviter.',
		tags,
		scope: 'write',
		body: organisationCreateSchema,
		response: organisationSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, body }) => {
			const org = await createOrganisation(db, actor!, body);
			return new ApiResult(organisationDto(org), 201, { location: `${API_PREFIX}/organisations/${org.id}` });
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}',
		operationId: 'getOrganisation',
		summary: 'Une collectivité',
		description:
			'Visible par ses membres, par les animateurs des réseaux auxquels elle a demandé à adhérer et par les membres des réseaux qu’elle partage avec vous.',
		tags,
		scope: 'read',
		params: orgParams,
		response: organisationSchema,
		handler: async ({ db, actor, params }) => organisationDto(await getOrganisation(db, actor!, params.id))
	}),
	defineEndpoint({
		method: 'PATCH',
		path: '/organisations/{id}',
		operationId: 'updateOrganisation',
		summary: 'Modifier une collectivité',
		description:
			'Réservé aux administrateurs de la collectivité. Seuls les champs envoyés changent ; `null` efface un champ facultatif. Le résultat est vérifié comme à la création (par exemple : le SIRET doit commencer par le SIREN).',
		tags,
		scope: 'write',
		params: orgParams,
		body: organisationPatchSchema,
		response: organisationSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			const current = await getOrganisation(db, actor!, params.id);
			// Refuse before validating, so that a non-admin is told about rights rather than about values.
			if (current.my_role !== 'admin') requireOrgAdmin(current, (await getProfile(db, actor!)).is_platform_admin);
			const merged: Record<string, unknown> = currentInput(current);
			for (const [key, value] of Object.entries(body)) {
				if (value === undefined) continue;
				merged[key] = value === null ? undefined : value;
			}
			const checked = validate(organisationInput, merged);
			if (!checked.ok) throw apiErrors.invalid(checked.fields);
			await updateOrganisation(db, actor!, params.id, checked.data as OrganisationInput);
			return organisationDto(await getOrganisation(db, actor!, params.id));
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}/members',
		operationId: 'listOrganisationMembers',
		summary: 'Les membres d’une collectivité',
		description:
			'Administrateurs d’abord, puis rédacteurs et lecteurs. Visible par les membres de la collectivité et par les animateurs de ses réseaux.',
		tags,
		scope: 'read',
		params: orgParams,
		response: memberListSchema,
		handler: async ({ db, actor, params }) => {
			await getOrganisation(db, actor!, params.id);
			return { items: (await listMembers(db, actor!, params.id)).map(memberDto) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations/{id}/invitations',
		operationId: 'inviteOrganisationMember',
		summary: 'Inviter une personne dans une collectivité',
		description:
			'Réservé aux administrateurs. Un e-mail contenant un lien personnel, à usage unique et valable 7 jours, est envoyé à la personne ; ce lien n’est jamais renvoyé par l’API. Une nouvelle invitation à la même adresse remplace la précédente.',
		tags,
		scope: 'write',
		params: orgParams,
		body: invitationCreateSchema,
		response: invitationSchema,
		status: 201,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			await getOrganisation(db, actor!, params.id);
			const { id } = await inviteMember(db, actor!, params.id, body.email, body.role);
			const inv = (await listInvitations(db, actor!, params.id)).find((i) => i.id === id);
			if (!inv) throw new AppError('internal', "L'invitation a été créée mais n'a pas pu être relue.", 500);
			return new ApiResult({ id: inv.id, email: inv.email, role: inv.role, expiresAt: iso(inv.expires_at) }, 201);
		}
	}),
	defineEndpoint({
		method: 'DELETE',
		path: '/organisations/{id}/members/{userId}',
		operationId: 'removeOrganisationMember',
		summary: 'Retirer un membre (ou quitter la collectivité)',
		description:
			'Un administrateur retire un membre ; toute personne peut se retirer elle-même (quitter la collectivité). Le dernier administrateur ne peut être retiré (409 last_admin) : nommez d’abord un autre administrateur.',
		tags,
		scope: 'write',
		params: memberParams,
		status: 204,
		errors: [409],
		handler: async ({ db, actor, params }) => {
			await getOrganisation(db, actor!, params.id);
			const members = await listMembers(db, actor!, params.id);
			if (!members.some((m) => m.user_id === params.userId)) throw notFound('Ce membre');
			await removeMember(db, actor!, params.id, params.userId);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}/export',
		operationId: 'exportOrganisationData',
		summary: 'Exporter toutes les données de la collectivité (RGPD)',
		description:
			'Réservé aux administrateurs de la collectivité. Une archive ZIP : `donnees.json` (chaque table, lignes de la collectivité), les fichiers (logo, pièces jointes, originaux importés) dans `fichiers/` et un `README.txt` en français.',
		tags,
		scope: 'read',
		params: orgParams,
		status: 200,
		produces: [
			{
				mediaType: 'application/zip',
				description: 'L’archive ZIP des données de la collectivité.',
				headers: { 'content-disposition': 'attachment; filename="donnees-<slug>-<date>.zip"' }
			}
		],
		handler: async ({ db, actor, params }) => {
			const { zip, slug } = await exportOrganisationZip(db, actor!, params.id);
			return new Response(zip as unknown as BodyInit, {
				status: 200,
				headers: {
					'content-type': 'application/zip',
					// (the name is ASCII: a slug and a date)
					'content-disposition': contentDisposition(...splitName(exportArchiveName(slug)), { utf8Name: 'when-needed' }),
					'content-length': String(zip.byteLength),
					'x-content-type-options': 'nosniff'
				}
			});
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations/{id}/closure',
		operationId: 'closeOrganisation',
		summary: 'Fermer la collectivité (RGPD)',
		description:
			'Réservé aux administrateurs de la collectivité, irréversible : ses SPASER (sauf ceux rédigés avec d’autres collectivités), clauses et REX, indicateurs, demandes au Guichet vert et appartenances sont supprimés ; les comptes personnels restent, les membres sont prévenus par e-mail et le journal d’audit garde la trace de la fermeture. Exportez d’abord ses données (`GET /organisations/{id}/export`). Le corps recopie le nom de la collectivité (400 invalid sinon, rien n’est supprimé).',
		tags,
		scope: 'write',
		params: orgParams,
		body: organisationClosureSchema,
		response: organisationClosureResultSchema,
		handler: async ({ db, actor, params, body }) => closeOrganisation(db, actor!, params.id, body.confirmation)
	})
];
