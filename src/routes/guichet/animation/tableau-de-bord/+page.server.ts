import type { PageServerLoad } from './$types';
import { MONTHS } from '$lib/guichet/labels';
import { dashboardFor } from './dashboard.server';

export const load: PageServerLoad = async (event) => ({ ...(await dashboardFor(event)), months: MONTHS });
