// Organisations (collectivités): the only zod inputs of the capability, with their French messages. Pages, actions
// and the JSON API parse with them.
import { z } from 'zod';
import { DEPARTEMENTS, REGIONS, luhn, siretValid } from '../../geo';
import { MEMBER_ROLES, ORG_KINDS } from '../../organisations/labels';
import { apiInput } from '$lib/server/api/schemas';
import { email } from '$lib/server/kit/input';

const digits = (s: string) => s.replace(/[\s.]/g, '');

export const orgKind = z.enum(Object.keys(ORG_KINDS) as [string, ...string[]], {
	error: 'Choisissez un type de collectivité.'
});
export const memberRole = z.enum(MEMBER_ROLES, { error: 'Choisissez un rôle.' });

export const organisationInput = z
	.object({
		name: z
			.string({ error: 'Indiquez le nom de la collectivité.' })
			.trim()
			.min(2, { error: 'Le nom doit contenir au moins 2 caractères.' })
			.max(200, { error: 'Le nom est trop long (200 caractères au plus).' }),
		kind: orgKind,
		siren: z
			.string()
			.transform(digits)
			.refine((s) => /^[0-9]{9}$/.test(s), { error: 'Le SIREN comporte 9 chiffres.' })
			.refine(luhn, { error: "Ce SIREN n'est pas valable (clé de contrôle incorrecte)." })
			.optional(),
		siret: z
			.string()
			.transform(digits)
			.refine((s) => /^[0-9]{14}$/.test(s), { error: 'Le SIRET comporte 14 chiffres.' })
			.refine(siretValid, { error: "Ce SIRET n'est pas valable (clé de contrôle incorrecte)." })
			.optional(),
		regionCode: z
			.string()
			.refine((c) => c in REGIONS, { error: 'Choisissez une région.' })
			.optional(),
		departementCode: z
			.string()
			.refine((c) => c in DEPARTEMENTS, { error: 'Choisissez un département.' })
			.optional(),
		population: z.coerce
			.number({ error: 'La population doit être un nombre.' })
			.int({ error: 'La population doit être un nombre entier.' })
			.min(0)
			.max(100_000_000)
			.optional(),
		purchaseVolumeEur: z.coerce
			.number({ error: "Le volume d'achats doit être un montant en euros." })
			.min(0, { error: "Le volume d'achats ne peut pas être négatif." })
			.max(1e13)
			.optional(),
		referentsCount: z.coerce.number().int().min(0).max(100_000).optional()
	})
	.superRefine((v, ctx) => {
		if (v.siren && v.siret && !v.siret.startsWith(v.siren))
			ctx.addIssue({ code: 'custom', path: ['siret'], message: 'Le SIRET doit commencer par le SIREN.' });
		if (v.departementCode && v.regionCode && DEPARTEMENTS[v.departementCode][1] !== v.regionCode)
			ctx.addIssue({
				code: 'custom',
				path: ['departementCode'],
				message: "Ce département n'appartient pas à la région choisie."
			});
	});

export type OrganisationInput = z.infer<typeof organisationInput>;

export const invitationInput = z.object({ email, role: memberRole });
export const roleChangeInput = z.object({ userId: z.uuid(), role: memberRole });

/** A member of the collectivité, chosen in a list (remove, transfer the admin role). */
export const memberInput = z.object({ userId: z.uuid({ error: 'Choisissez un membre.' }) });
export const invitationIdInput = z.object({ invitationId: z.uuid({ error: 'Invitation inconnue.' }) });

// JSON API bodies (the OpenAPI document names them), from the same rules.
export const organisationCreateSchema = apiInput(
	organisationInput,
	'OrganisationInput',
	'Informations d’une collectivité.'
);

const nullable = <S extends z.ZodType>(s: S) => s.nullable().optional();
const shape = organisationInput.shape;
/**
 * PATCH body: any subset of the fields; `null` clears an optional field. The merged result is then checked
 * against the full OrganisationInput schema (cross-field rules such as SIRET ⊃ SIREN).
 */
export const organisationPatchSchema = apiInput(
	z.object({
		name: shape.name.optional(),
		kind: shape.kind.optional(),
		siren: nullable(shape.siren.unwrap()),
		siret: nullable(shape.siret.unwrap()),
		regionCode: nullable(shape.regionCode.unwrap()),
		departementCode: nullable(shape.departementCode.unwrap()),
		population: nullable(shape.population.unwrap()),
		purchaseVolumeEur: nullable(shape.purchaseVolumeEur.unwrap()),
		referentsCount: nullable(shape.referentsCount.unwrap())
	}),
	'OrganisationPatch',
	'Modification partielle : seuls les champs envoyés changent ; null efface un champ facultatif.'
);

export const invitationCreateSchema = apiInput(
	invitationInput,
	'InvitationInput',
	'Adresse e-mail et rôle de la personne invitée.'
);

/** Closing a collectivité: its name typed again (compared by the service, see data.ts sameName). */
export const closeInput = z.object({
	confirmation: z
		.string({ error: 'Recopiez le nom de la collectivité pour confirmer.' })
		.trim()
		.min(1, { error: 'Recopiez le nom de la collectivité pour confirmer.' })
		.max(300, { error: 'Le nom recopié est trop long.' })
});
export const organisationClosureSchema = apiInput(
	closeInput,
	'OrganisationClosureInput',
	'Le nom exact de la collectivité, recopié pour confirmer sa fermeture (la casse et les espaces multiples sont ignorés).'
);
