import { z } from 'zod';

const stages = ['definition_besoin', 'redaction_dce', 'analyse_offres', 'execution', 'spaser'] as const;

/** Fields shared by a question minute and a session request. */
export const requestFields = {
	topic: z.string({ error: 'Indiquez le sujet.' }).trim().min(1, { error: 'Indiquez le sujet.' }).max(200, { error: 'Le sujet ne doit pas dépasser 200 caractères.' }),
	segment: z.string().trim().max(200, { error: "Le segment d'achat ne doit pas dépasser 200 caractères." }).optional().default(''),
	stage: z.enum(stages, { error: "Choisissez l'étape de l'achat." }),
	question: z
		.string({ error: 'Indiquez votre question.' })
		.trim()
		.min(1, { error: 'Indiquez votre question.' })
		.max(10000, { error: 'Votre question ne doit pas dépasser 10 000 caractères.' }),
	deadline: z.union([z.literal(''), z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "La date d'échéance est invalide." })]).optional()
};
