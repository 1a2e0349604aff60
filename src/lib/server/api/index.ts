/**
 * The JSON API: every endpoint, in the order of the document. Add a new module's endpoints here; the
 * dispatcher and /api/v1/openapi.json pick them up.
 */
import { openApiDocumentSchema } from '$lib/server/api/schemas';
import { accountEndpoints } from './endpoints/account';
import { networkEndpoints } from './endpoints/networks';
import { organisationEndpoints } from './endpoints/organisations';
import { spaserEndpoints } from './endpoints/spaser';
import { guichetEndpoints } from './endpoints/guichet';
import { eventEndpoints } from './endpoints/events';
import { indicatorEndpoints } from './endpoints/indicators';
import { resourceEndpoints } from './endpoints/resources';
import { handleApiRequest, type DispatchOptions } from './dispatch';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi';
import { compileRegistry, defineEndpoint, type CompiledRoute, type Endpoint } from './registry';

const docsEndpoint = defineEndpoint({
	method: 'GET',
	path: '/openapi.json',
	operationId: 'getOpenApiDocument',
	summary: 'Ce document OpenAPI 3.1',
	description: 'La description de l’API, générée à partir des mêmes schémas que ceux qui valident les requêtes.',
	tags: ['Documentation'],
	scope: 'public',
	response: openApiDocumentSchema,
	handler: async () => getOpenApiDocument()
});

export const apiEndpoints: Endpoint[] = [
	...accountEndpoints,
	...organisationEndpoints,
	...networkEndpoints,
	...spaserEndpoints,
	...guichetEndpoints,
	...resourceEndpoints,
	...eventEndpoints,
	...indicatorEndpoints,
	docsEndpoint
];

let routes: CompiledRoute[] | null = null;
export function apiRoutes(): CompiledRoute[] {
	return (routes ??= compileRegistry(apiEndpoints));
}

let document: OpenApiDocument | null = null;
export function getOpenApiDocument(): OpenApiDocument {
	return (document ??= buildOpenApiDocument(apiEndpoints));
}

/** Handles one /api/v1 request with the full registry. */
export function dispatchApi(request: Request, opts: Omit<DispatchOptions, 'routes'>): Promise<Response> {
	return handleApiRequest(request, { ...opts, routes: apiRoutes() });
}

export { authenticateRequest, authFromLocals, type ApiAuth } from './dispatch';
