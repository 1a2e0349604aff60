// Inputs of the platform administration's forms (French messages).
import { z } from 'zod';
import { email } from '../kit/input';

/** Validate (or un-validate) a collectivité for the benchmark statistics. */
export const orgValidationInput = z.object({ org: z.uuid({ error: 'Collectivité inconnue.' }) });

const networkId = z.uuid({ error: 'Réseau inconnu.' });
export const addAnimatorInput = z.object({ networkId, email });
export const removeAnimatorInput = z.object({ networkId, userId: z.uuid({ error: 'Personne inconnue.' }) });
