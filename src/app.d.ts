import type { Session, SessionUser } from '$lib/server/auth/session';
import type { Scope } from '$lib/server/auth/api-tokens';

declare global {
	namespace App {
		interface Error {
			message: string;
			code?: string;
		}
		interface Locals {
			user: SessionUser | null;
			session: Session | null;
			/** Set on /api/v1 requests authenticated by a personal access token. */
			apiScopes: Scope[] | null;
			requestId: string;
		}
	}
}

export {};
