// Background work of events: expired waiting-list offers go to the next person (kit/jobs runs it).
import type { Database } from '../db';
import { startJob } from '$lib/server/kit/jobs';
import { expireOffers } from './registrations';

export function startOfferExpiryWorker(db: Database, intervalMs = 60_000): () => Promise<void> {
	return startJob('event offer expiry', () => expireOffers(db), { intervalMs }).stop;
}
