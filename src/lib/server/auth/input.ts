// Inputs of sign-up, sign-in, password reset and the account page (French messages); used by the pages and the API.
import { z } from 'zod';
import { email } from '$lib/server/kit/input';

export const password = z
	.string({ error: 'Indiquez un mot de passe.' })
	.min(12, { error: 'Le mot de passe doit contenir au moins 12 caractères.' })
	.max(256, { error: 'Le mot de passe doit contenir au plus 256 caractères.' });

export const signUpSchema = z.object({
	email,
	displayName: z
		.string({ error: 'Indiquez votre nom.' })
		.trim()
		.min(1, { error: 'Indiquez votre nom.' })
		.max(120, { error: 'Le nom est trop long (120 caractères au plus).' }),
	password,
	invitation: z.string().max(200).optional()
});

export const loginSchema = z.object({
	email,
	password: z
		.string({ error: 'Indiquez votre mot de passe.' })
		.min(1, { error: 'Indiquez votre mot de passe.' })
		.max(256)
});

export const resetRequestSchema = z.object({ email });
export const resetSchema = z.object({ token: z.string().min(10).max(200), password });
export const changePasswordSchema = z.object({
	currentPassword: z
		.string({ error: 'Indiquez votre mot de passe actuel.' })
		.min(1, { error: 'Indiquez votre mot de passe actuel.' }),
	newPassword: password
});
export const profileSchema = z.object({
	displayName: z.string({ error: 'Indiquez votre nom.' }).trim().min(1, { error: 'Indiquez votre nom.' }).max(120)
});

export const apiTokenCreateSchema = z.object({
	name: z.string({ error: 'Donnez un nom au jeton.' }).trim().min(1, { error: 'Donnez un nom au jeton.' }).max(80),
	scopes: z
		.array(z.enum(['read', 'write']))
		.min(1, { error: 'Choisissez au moins une permission.' })
		.default(['read']),
	expiresInDays: z.coerce.number().int().min(1).max(365).optional()
});
