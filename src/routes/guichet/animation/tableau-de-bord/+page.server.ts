import type { PageServerLoad } from './$types';
import { dashboardFor, MONTHS } from './dashboard.server';

export const load: PageServerLoad = async (event) => ({ ...(await dashboardFor(event)), months: MONTHS });
