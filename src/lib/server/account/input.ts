// Inputs of the personal data page (French messages).
import { z } from 'zod';
import '../kit/input';

/** The word to type to delete one's account. */
export const DELETE_CONFIRMATION = 'SUPPRIMER';

export const deleteAccountInput = z.object({
	password: z.string({ error: 'Saisissez votre mot de passe.' }).min(1, { error: 'Saisissez votre mot de passe.' }),
	confirmation: z
		.string({ error: `Recopiez « ${DELETE_CONFIRMATION} » pour confirmer.` })
		.trim()
		.refine((v) => v.toUpperCase() === DELETE_CONFIRMATION, {
			error: `Recopiez « ${DELETE_CONFIRMATION} » pour confirmer.`
		})
});
