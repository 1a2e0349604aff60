/**
 * Indicators endpoints: the catalogue, a collectivité's yearly values (read by its members, written by its admins
 * and editors), DECP imports, and anonymised benchmark statistics (the same database function as the pages: a
 * statistic over other collectivités is published only under the secrecy rules).
 */
import { z } from 'zod';
import { apiInput } from '$lib/server/api/schemas';
import { uuid } from '$lib/server/kit/input';
import {
	benchmarkQuerySchema,
	benchmarkStatSchema,
	decpImportListSchema,
	decpImportSchema,
	indicatorListSchema,
	indicatorValueListSchema,
	indicatorValueSchema,
	valueInputApiSchema
} from '../../indicators/input';
import { benchmarkStatistic } from '../../benchmark/service';
import { importDecp, listImportRuns, type ImportRun } from '../../decp/service';
import { AppError } from '$lib/server/kit/errors';
import { deleteValue, listCatalogue, listValues, saveValue, type IndicatorValue } from '../../indicators/service';
import { API_PREFIX, iso } from '../http';
import { ApiResult, defineEndpoint } from '../registry';

const tags = ['Indicateurs'];
const orgParams = z.object({ id: uuid });

const valueDto = (v: IndicatorValue) => ({ ...v, updatedAt: iso(v.updatedAt) });
const runDto = (r: ImportRun) => ({
	id: r.id,
	fileName: r.file_name,
	format: r.format,
	total: r.total,
	accepted: r.accepted,
	inserted: r.inserted,
	unchanged: r.unchanged,
	rejected: r.rejected,
	flagged: r.flagged,
	rejections: r.rejections,
	createdAt: iso(r.created_at)
});

const decpUploadSchema = apiInput(
	z.object({
		fileName: z.string().trim().min(1, { error: 'Indiquez le nom du fichier.' }).max(300),
		content: z
			.string()
			.min(1, { error: 'Le contenu du fichier est vide.' })
			.describe('Le fichier DECP lui-même (texte JSON 2019/2024 ou XML 2024).')
	}),
	'DecpUpload',
	'Un fichier DECP transmis comme texte (1 Mo au plus par requête ; au-delà, utilisez la page d’import).'
);

export const indicatorEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/indicators',
		operationId: 'listIndicators',
		summary: 'Catalogue des indicateurs',
		description:
			'Les indicateurs communs (version courante, avec leurs lignes de référence nationales) et, si vous indiquez une collectivité dont vous êtes membre, ses indicateurs propres.',
		tags,
		scope: 'read',
		query: z.object({ organisation: uuid.optional().describe('Collectivité dont ajouter les indicateurs propres.') }),
		response: indicatorListSchema,
		handler: async ({ db, actor, query }) => ({
			items: (await listCatalogue(db, actor!, query.organisation ?? null)).map(({ orgId, ...d }) => ({
				...d,
				custom: orgId !== null
			}))
		})
	}),
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}/indicator-values',
		operationId: 'listIndicatorValues',
		summary: 'Valeurs annuelles de ma collectivité',
		description:
			'Réservé aux membres de la collectivité : les valeurs d’une collectivité ne sont jamais lisibles par une autre.',
		tags,
		scope: 'read',
		params: orgParams,
		query: z.object({ indicator: uuid.optional(), year: z.coerce.number().int().min(2000).max(2100).optional() }),
		response: indicatorValueListSchema,
		handler: async ({ db, actor, params, query }) => ({
			items: (await listValues(db, actor!, params.id, { indicatorId: query.indicator, year: query.year })).map(valueDto)
		})
	}),
	defineEndpoint({
		method: 'PUT',
		path: '/organisations/{id}/indicator-values',
		operationId: 'putIndicatorValue',
		summary: 'Enregistrer une valeur annuelle',
		description:
			'Crée ou remplace la valeur d’un indicateur pour une année (administrateurs et rédacteurs de la collectivité).',
		tags,
		scope: 'write',
		params: orgParams,
		body: valueInputApiSchema,
		response: indicatorValueSchema,
		handler: async ({ db, actor, params, body }) => {
			const res = await saveValue(db, actor!, params.id, body, 'api');
			return new ApiResult(valueDto(res.value), res.created ? 201 : 200);
		}
	}),
	defineEndpoint({
		method: 'DELETE',
		path: '/organisations/{id}/indicator-values/{valueId}',
		operationId: 'deleteIndicatorValue',
		summary: 'Supprimer une valeur annuelle',
		tags,
		scope: 'write',
		params: z.object({ id: uuid, valueId: uuid }),
		handler: async ({ db, actor, params }) => {
			await deleteValue(db, actor!, params.id, params.valueId);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}/decp-imports',
		operationId: 'listDecpImports',
		summary: 'Imports DECP de ma collectivité',
		tags,
		scope: 'read',
		params: orgParams,
		response: decpImportListSchema,
		handler: async ({ db, actor, params }) => ({ items: (await listImportRuns(db, actor!, params.id)).map(runDto) })
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations/{id}/decp-imports',
		operationId: 'importDecp',
		summary: 'Importer un fichier DECP',
		description:
			'Importe les marchés de la collectivité (acheteur = l’un de ses SIRET) d’un fichier DECP 2019 ou 2024 (JSON ou XML). Les enregistrements écartés sont listés avec leur motif ; réimporter le même fichier ne change rien.',
		tags,
		scope: 'write',
		params: orgParams,
		body: decpUploadSchema,
		fileFields: ['content'],
		response: decpImportSchema,
		status: 201,
		errors: [422, 429, 503],
		handler: async ({ db, actor, params, body }) => {
			const run = await importDecp(db, actor!, params.id, {
				name: body.fileName,
				bytes: new TextEncoder().encode(body.content)
			});
			return new ApiResult(runDto(run), 201, { location: `${API_PREFIX}/organisations/${params.id}/decp-imports` });
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/benchmark/statistics',
		operationId: 'getBenchmarkStatistic',
		summary: 'Statistique anonymisée d’un groupe de pairs',
		description:
			'Médiane, quartiles, déciles (à partir de 10 contributeurs) et moyenne arrondis d’un indicateur commun pour un groupe de pairs (réseau ou région, × type, × taille), lus dans la dernière publication consolidée (chaque nuit, ou à la demande d’un animateur) : changer une valeur ne change rien avant la publication suivante. Seules les collectivités validées comptent. Refusée (« pas assez de collectivités comparables », sans nombre) si moins de k collectivités contribuent, si l’une représente plus de 85 % du total, ou si le groupe diffère d’un autre groupe publié de moins de k collectivités. Ma position est une bande par rapport aux quartiles publiés, jamais un rang.',
		tags,
		scope: 'read',
		query: benchmarkQuerySchema,
		response: benchmarkStatSchema,
		handler: async ({ db, actor, query }) => {
			const stat = await benchmarkStatistic(db, actor!, query);
			if (!stat) throw new AppError('internal', 'Statistique indisponible.', 500);
			return stat;
		}
	})
];
