import { z } from 'zod';
import { DEPARTEMENTS, ORG_KINDS, REGIONS, luhn, siretValid } from '../geo';
import { email } from '$lib/server/kit/input';

const digits = (s: string) => s.replace(/[\s.]/g, '');

export const orgKind = z.enum(Object.keys(ORG_KINDS) as [string, ...string[]], { error: 'Choisissez un type de collectivité.' });
export const memberRole = z.enum(['admin', 'editor', 'viewer'], { error: 'Choisissez un rôle.' });

export const organisationInput = z
	.object({
		name: z.string({ error: 'Indiquez le nom de la collectivité.' }).trim().min(2, { error: 'Le nom doit contenir au moins 2 caractères.' }).max(200, { error: 'Le nom est trop long (200 caractères au plus).' }),
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
		regionCode: z.string().refine((c) => c in REGIONS, { error: 'Choisissez une région.' }).optional(),
		departementCode: z.string().refine((c) => c in DEPARTEMENTS, { error: 'Choisissez un département.' }).optional(),
		population: z.coerce.number({ error: 'La population doit être un nombre.' }).int({ error: 'La population doit être un nombre entier.' }).min(0).max(100_000_000).optional(),
		purchaseVolumeEur: z.coerce.number({ error: "Le volume d'achats doit être un montant en euros." }).min(0, { error: "Le volume d'achats ne peut pas être négatif." }).max(1e13).optional(),
		referentsCount: z.coerce.number().int().min(0).max(100_000).optional()
	})
	.superRefine((v, ctx) => {
		if (v.siren && v.siret && !v.siret.startsWith(v.siren))
			ctx.addIssue({ code: 'custom', path: ['siret'], message: 'Le SIRET doit commencer par le SIREN.' });
		if (v.departementCode && v.regionCode && DEPARTEMENTS[v.departementCode][1] !== v.regionCode)
			ctx.addIssue({ code: 'custom', path: ['departementCode'], message: "Ce département n'appartient pas à la région choisie." });
	});

export type OrganisationInput = z.infer<typeof organisationInput>;

export const invitationInput = z.object({ email, role: memberRole });
export const roleChangeInput = z.object({ userId: z.uuid(), role: memberRole });

export const networkInput = z.object({
	name: z.string({ error: 'Indiquez le nom du réseau.' }).trim().min(2, { error: 'Le nom doit contenir au moins 2 caractères.' }).max(200),
	description: z.string().trim().max(5000, { error: 'La description est trop longue (5 000 caractères au plus).' }).default(''),
	regionCodes: z.array(z.string().refine((c) => c in REGIONS, { error: 'Région inconnue.' })).default([])
});

export const joinRequestInput = z.object({
	orgId: z.uuid({ error: 'Choisissez une collectivité.' }),
	message: z.string().trim().max(2000).optional()
});

export const decisionInput = z
	.object({ decision: z.enum(['approved', 'refused'], { error: 'Choisissez une décision.' }), reason: z.string().trim().max(2000).optional() })
	.refine((d) => d.decision === 'approved' || (d.reason && d.reason.length > 0), { error: 'Indiquez le motif du refus.', path: ['reason'] });
