/**
 * SPASER endpoints: the documents of a collectivité, their metadata, the projection of their content (nodes and
 * targets, read through RLS), versions, JSON/DOCX export and JSON import. Everything goes through the SPASER
 * services under the caller's rights; the live document is read from its stored updates (readLiveDoc) and
 * changed through the collaboration server (changeLiveDoc), so open editors see API changes at once.
 */
import type { z } from 'zod';
import {
	spaserExportOutputSchema,
	spaserListSchema,
	spaserNodeListSchema,
	spaserSchema,
	spaserTargetListSchema,
	spaserVersionDetailSchema,
	spaserVersionListSchema,
	spaserVersionSchema
} from '$lib/server/api/schemas';
import { indicatorByCode } from '../../../spaser/indicators';
import { DOC_STATUSES } from '../../../spaser/model';
import { buildTemplate } from '../../../spaser/templates';
import { DEFAULT_SETTINGS, type DocContent } from '../../../spaser/ydoc';
import { notFound } from '$lib/server/kit/errors';
import { getOrganisation } from '../../organisations/service';
import { requireWrite } from '../../spaser/access';
import { createSpaserWithContent, importSpaserExport } from '../../spaser/create';
import {
	STATUS_TRANSITIONS,
	getSpaserDocument,
	listSpaserDocuments,
	setSharingWithNetworks,
	updateSpaserMetadata,
	type SpaserDocument,
	type SpaserMetadataPatch
} from '../../spaser/documents';
import {
	DOCX_TYPE,
	contentDisposition,
	exportDocx,
	exportJson,
	exportedContent,
	spaserDownload
} from '../../spaser/export';
import {
	exportQuery,
	importInput,
	importTargetOrg,
	importQuery,
	organisationParams as orgParams,
	spaserCreateSchema,
	spaserImportSchema,
	spaserParams,
	spaserPatchSchema,
	spaserVersionCreateSchema,
	versionParams
} from '../../spaser/input';
import { nameCurrentVersion } from '../../spaser/live-versions';
import { listProjectedNodes, listProjectedTargets } from '../../spaser/projected';
import { VERSION_KINDS, getVersion, listVersions, type VersionMeta } from '../../spaser/versions';
import { API_PREFIX, iso, num } from '../http';
import { ApiResult, defineEndpoint } from '../registry';
import {
	spaserImportDocumentSchema,
	spaserImportPreviewInputSchema,
	spaserImportPreviewSchema
} from '../../../schemas/spaser-import';
import { confirmImport, createImportDraft, deleteImportDraft, previewImport } from '../../spaser/import';
import { countsPerLevel, reviewLabels } from '../../../spaser/import/review';
import { richToText } from '../../../spaser/rich';

const tags = ['SPASER'];

// ---------------------------------------------------------------------------------------------------------
// Bodies
// ---------------------------------------------------------------------------------------------------------

function spaserDto(d: SpaserDocument): z.input<typeof spaserSchema> {
	return {
		id: d.id,
		slug: d.slug,
		title: d.title,
		periodStart: num(d.period_start),
		periodEnd: num(d.period_end),
		status: d.status,
		statusLabel: DOC_STATUSES[d.status],
		nextStatuses: STATUS_TRANSITIONS[d.status],
		adoptedOn: d.adopted_on,
		deliberationRef: d.deliberation_ref,
		sharedWithNetworks: d.shared_with_networks,
		templateKey: d.template_key,
		createdAt: iso(d.created_at),
		updatedAt: iso(d.updated_at),
		projectedAt: iso(d.projected_at),
		publishedAt: iso(d.published_at),
		myAccess: d.my_access,
		owners: d.orgs.map((o) => ({ orgId: o.id, slug: o.slug, name: o.name, isLead: o.is_lead }))
	};
}

function versionDto(v: VersionMeta): z.input<typeof spaserVersionSchema> {
	return {
		id: v.id,
		kind: v.kind,
		kindLabel: VERSION_KINDS[v.kind] ?? v.kind,
		name: v.name,
		createdBy: v.created_by,
		createdByName: v.created_by_name,
		createdAt: iso(v.created_at),
		publishedAt: iso(v.published_at)
	};
}

// ---------------------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------------------

export const spaserEndpoints = [
	defineEndpoint({
		method: 'GET',
		path: '/organisations/{id}/spasers',
		operationId: 'listOrganisationSpasers',
		summary: 'Les SPASER d’une collectivité',
		description:
			'Les SPASER que la collectivité porte, seule ou conjointement, et que vous pouvez lire ; les plus récemment modifiés d’abord.',
		tags,
		scope: 'read',
		params: orgParams,
		response: spaserListSchema,
		handler: async ({ db, actor, params }) => {
			await getOrganisation(db, actor!, params.id);
			return { items: (await listSpaserDocuments(db, actor!, params.id)).map(spaserDto) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations/{id}/spasers',
		operationId: 'createSpaser',
		summary: 'Créer un SPASER',
		description:
			'Crée un SPASER dont la collectivité est pilote, vide ou à partir d’un modèle (`templateKey`, avec les années des cibles placées dans la période). Réservé à ses administrateurs et rédacteurs ; pour un SPASER conjoint (`coOwnerOrgIds`), vous devez aussi l’être de chaque autre collectivité.',
		tags,
		scope: 'write',
		params: orgParams,
		body: spaserCreateSchema,
		response: spaserSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => {
			await getOrganisation(db, actor!, params.id);
			const content: DocContent = body.templateKey
				? buildTemplate(body.templateKey, { periodStart: body.periodStart, periodEnd: body.periodEnd })
				: { settings: structuredClone(DEFAULT_SETTINGS), nodes: [] };
			const created = await createSpaserWithContent(
				db,
				actor!,
				{
					orgIds: [params.id, ...(body.coOwnerOrgIds ?? []).filter((o) => o !== params.id)],
					leadOrgId: params.id,
					title: body.title,
					periodStart: body.periodStart,
					periodEnd: body.periodEnd,
					templateKey: body.templateKey ?? null
				},
				content
			);
			return new ApiResult(spaserDto(created), 201, { location: `${API_PREFIX}/spasers/${created.id}` });
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/spasers/import',
		operationId: 'importSpaser',
		summary: 'Importer un SPASER (JSON)',
		description:
			'Crée un SPASER à partir d’un export JSON (GET /spasers/{id}/export), sans perte : arborescence, identifiants, textes, cibles et réglages. La collectivité pilote est donnée par `orgId` (dans le corps ou en paramètre de requête) ; vous devez en être administrateur ou rédacteur. Le SPASER importé commence à l’état « brouillon » (la date et la référence de délibération du fichier sont conservées) et une version nommée garde l’état importé. Un fichier non valable est refusé (400, un message par problème dans `details.fields`) et rien n’est créé.',
		tags,
		scope: 'write',
		query: importQuery,
		body: spaserImportSchema,
		response: spaserSchema,
		status: 201,
		handler: async ({ db, actor, query, body }) => {
			const orgId = importTargetOrg(body.orgId, query.orgId);
			const created = await importSpaserExport(db, actor!, orgId, body, 'Import par l’API');
			return new ApiResult(spaserDto(created), 201, { location: `${API_PREFIX}/spasers/${created.id}` });
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/spasers/import-document/preview',
		operationId: 'previewSpaserDocumentImport',
		summary: 'Analyser un SPASER existant (DOCX, Markdown, texte) sans rien créer',
		description:
			'Essai à blanc de l’import : lit le document (fichier .docx, .md ou .txt encodé en base64 dans `contentBase64`, ou son texte dans `text` — pour un PDF, envoyez son texte) et renvoie la structure détectée : niveaux (« Axe », « Chantier », « Action »…), éléments avec leurs titres et textes, cibles chiffrées avec le texte dont elles sont lues, ce qui a été écarté (sommaire, numéros de page, en-têtes répétés) et le texte non placé. Rien n’est enregistré. Le champ `review` peut être corrigé puis renvoyé à POST /organisations/{id}/spasers/import-document. Réservé aux administrateurs et rédacteurs d’au moins une collectivité, avec un jeton « write ». Corps JSON de 1 Mo au plus (fichier d’environ 700 Ko).',
		tags,
		scope: 'write',
		body: spaserImportPreviewInputSchema,
		response: spaserImportPreviewSchema,
		errors: [403, 413, 422, 429, 503],
		handler: async ({ db, actor, body }) => {
			const a = await previewImport(db, actor!, importInput(body));
			const labels = reviewLabels(a.state);
			return {
				fileKind: a.source.kind,
				levelNames: a.state.levelNames,
				numbering: a.state.numbering,
				counts: countsPerLevel(a.state),
				unplacedParagraphs: a.state.nodes.filter((n) => n.unplaced).reduce((s, n) => s + n.body.length, 0),
				dropped: a.dropped,
				suggested: a.suggested,
				nodes: a.state.nodes.map((n, i) => ({
					id: n.id,
					depth: n.depth,
					label: n.unplaced ? 'À classer' : labels[i],
					title: n.title,
					text: richToText(n.body),
					pilot: n.pilot,
					targets: n.targets
				})),
				review: a.state
			};
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/organisations/{id}/spasers/import-document',
		operationId: 'importSpaserDocument',
		summary: 'Importer un SPASER existant (DOCX, Markdown, texte)',
		description:
			'Crée un SPASER dont la collectivité est pilote à partir d’un document (`contentBase64` : fichier .docx, .md ou .txt en base64 ; ou `text`). La structure est celle de `review` si vous l’envoyez (le `review` de POST /spasers/import-document/preview, corrigé), sinon celle détectée. Le SPASER est un document normal, co-éditable, à l’état « brouillon » ; une version « Importé le … » garde l’état importé et le fichier d’origine lui est attaché. Réservé aux administrateurs et rédacteurs de la collectivité. Une structure relue non valable est refusée (400, problèmes dans `details.issues`) et rien n’est créé.',
		tags,
		scope: 'write',
		params: orgParams,
		body: spaserImportDocumentSchema,
		response: spaserSchema,
		status: 201,
		errors: [413, 422, 429, 503],
		handler: async ({ db, actor, params, body }) => {
			await getOrganisation(db, actor!, params.id);
			const draft = await createImportDraft(db, actor!, params.id, importInput(body));
			try {
				const { document } = await confirmImport(db, actor!, draft.id, {
					title: body.title ?? draft.suggested.title,
					periodStart: body.periodStart ?? draft.suggested.periodStart ?? new Date().getFullYear(),
					periodEnd: body.periodEnd ?? draft.suggested.periodEnd ?? (body.periodStart ?? new Date().getFullYear()) + 3,
					state: body.review ?? draft.state
				});
				return new ApiResult(spaserDto(document), 201, { location: `${API_PREFIX}/spasers/${document.id}` });
			} catch (e) {
				// nothing stays behind a refused import
				await deleteImportDraft(db, actor!, draft.id).catch(() => undefined);
				throw e;
			}
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}',
		operationId: 'getSpaser',
		summary: 'Un SPASER',
		description:
			'Ses informations, vos droits (`myAccess`) et ses collectivités. Visible par les membres de ses collectivités, et par les animateurs de leurs réseaux lorsqu’il est partagé avec eux.',
		tags,
		scope: 'read',
		params: spaserParams,
		response: spaserSchema,
		handler: async ({ db, actor, params }) => spaserDto(await getSpaserDocument(db, actor!, params.id))
	}),
	defineEndpoint({
		method: 'PATCH',
		path: '/spasers/{id}',
		operationId: 'updateSpaser',
		summary: 'Modifier les informations d’un SPASER',
		description:
			'Titre, période, statut, date d’adoption, référence de délibération et partage avec les réseaux ; seuls les champs envoyés changent. Les statuts suivent les transitions permises (`nextStatuses`) : brouillon → en_consultation → adopte → archive (retour possible de en_consultation à brouillon) ; un SPASER adopté a une date d’adoption et une référence de délibération. Réservé aux administrateurs et rédacteurs de ses collectivités.',
		tags,
		scope: 'write',
		params: spaserParams,
		body: spaserPatchSchema,
		response: spaserSchema,
		errors: [409],
		handler: async ({ db, actor, params, body }) => {
			let doc = await getSpaserDocument(db, actor!, params.id);
			requireWrite(doc);
			const { sharedWithNetworks, ...rest } = body;
			const patch = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as SpaserMetadataPatch;
			if (Object.keys(patch).length) doc = await updateSpaserMetadata(db, actor!, params.id, patch);
			if (sharedWithNetworks !== undefined && sharedWithNetworks !== doc.shared_with_networks)
				doc = await setSharingWithNetworks(db, actor!, params.id, sharedWithNetworks);
			return spaserDto(doc);
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}/nodes',
		operationId: 'listSpaserNodes',
		summary: 'Les éléments d’un SPASER',
		description:
			'L’arborescence (axes, chantiers, actions…) dans l’ordre du document, numérotée selon le SPASER, avec le corps en texte brut et en texte riche. Lue depuis la projection relationnelle, mise à jour quelques secondes après chaque modification (`projectedAt`).',
		tags,
		scope: 'read',
		params: spaserParams,
		response: spaserNodeListSchema,
		handler: async ({ db, actor, params }) => {
			const { projectedAt, nodes } = await listProjectedNodes(db, actor!, params.id);
			return {
				projectedAt: iso(projectedAt),
				items: nodes.map((n) => ({
					id: n.node_id,
					parentId: n.parent_id,
					position: n.position,
					depth: n.depth,
					number: n.number,
					label: n.label,
					levelName: n.level_name,
					title: n.title,
					bodyText: n.body_text,
					body: n.body_json,
					kind: n.kind,
					status: n.status,
					pilot: n.pilot,
					resources: n.resources,
					tools: n.tools,
					links: n.links
				}))
			};
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}/targets',
		operationId: 'listSpaserTargets',
		summary: 'Les cibles d’un SPASER',
		description:
			'Toutes les cibles (indicateur, valeur, année, jalons, année de référence, périmètre) avec l’élément qui les porte, dans l’ordre du document. Lues depuis la projection relationnelle (`projectedAt`).',
		tags,
		scope: 'read',
		params: spaserParams,
		response: spaserTargetListSchema,
		handler: async ({ db, actor, params }) => {
			const { projectedAt, targets } = await listProjectedTargets(db, actor!, params.id);
			return {
				projectedAt: iso(projectedAt),
				items: targets.map((t) => ({
					nodeId: t.node_id,
					nodeLabel: t.node_label,
					nodeTitle: t.node_title,
					id: t.target_id,
					indicatorCode: t.indicator_code,
					indicatorLabel: indicatorByCode(t.indicator_code)?.label ?? null,
					label: t.label,
					unit: t.unit,
					value: num(t.value),
					year: t.year,
					milestones: t.milestones,
					baselineYear: t.baseline_year,
					relative: t.relative,
					thresholdEurHt: num(t.threshold_eur_ht),
					scope: t.scope
				}))
			};
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}/versions',
		operationId: 'listSpaserVersions',
		summary: 'Les versions d’un SPASER',
		description:
			'Enregistrements automatiques, versions nommées, bilans et restaurations, les plus récents d’abord (sans leur contenu).',
		tags,
		scope: 'read',
		params: spaserParams,
		response: spaserVersionListSchema,
		handler: async ({ db, actor, params }) => {
			await getSpaserDocument(db, actor!, params.id);
			return { items: (await listVersions(db, actor!, params.id)).map(versionDto) };
		}
	}),
	defineEndpoint({
		method: 'POST',
		path: '/spasers/{id}/versions',
		operationId: 'createSpaserVersion',
		summary: 'Enregistrer une version nommée',
		description:
			'Enregistre l’état actuel du document sous un nom, par exemple « Version adoptée le 15/12/2025 — délibération n° 2025-12-07 ». Réservé aux administrateurs et rédacteurs de ses collectivités.',
		tags,
		scope: 'write',
		params: spaserParams,
		body: spaserVersionCreateSchema,
		response: spaserVersionSchema,
		status: 201,
		handler: async ({ db, actor, params, body }) => {
			requireWrite(await getSpaserDocument(db, actor!, params.id));
			const v = await nameCurrentVersion(db, actor!, params.id, body.name);
			return new ApiResult(versionDto(v), 201, { location: `${API_PREFIX}/spasers/${params.id}/versions/${v.id}` });
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}/versions/{versionId}',
		operationId: 'getSpaserVersion',
		summary: 'Une version d’un SPASER, avec son contenu',
		tags,
		scope: 'read',
		params: versionParams,
		response: spaserVersionDetailSchema,
		handler: async ({ db, actor, params }) => {
			await getSpaserDocument(db, actor!, params.id);
			const { content, ...meta } = await getVersion(db, actor!, params.versionId);
			if (meta.document_id !== params.id) throw notFound('Cette version');
			return { ...versionDto(meta), content };
		}
	}),
	defineEndpoint({
		method: 'GET',
		path: '/spasers/{id}/export',
		operationId: 'exportSpaser',
		summary: 'Exporter un SPASER (JSON ou DOCX)',
		description:
			'`format=json` (par défaut) : l’export complet, réimportable sans perte avec POST /spasers/import. `format=docx` : un document Word numéroté avec ses cibles et indicateurs. L’état actuel du document, ou la version `versionId`.',
		tags,
		scope: 'read',
		params: spaserParams,
		query: exportQuery,
		response: spaserExportOutputSchema,
		produces: [
			{
				mediaType: DOCX_TYPE,
				description: 'Avec format=docx : le fichier Word (.docx).',
				headers: { 'Content-Disposition': 'Pièce jointe et nom du fichier (attachment; filename=…).' }
			}
		],
		handler: async ({ db, actor, params, query }) => {
			const doc = await getSpaserDocument(db, actor!, params.id);
			const { content, versionName } = await exportedContent(db, actor!, doc, query.versionId);
			if (query.format === 'docx') {
				const file = await exportDocx(doc, content, versionName);
				return spaserDownload(doc.title, 'docx', file, DOCX_TYPE, { 'content-length': String(file.byteLength) });
			}
			return new ApiResult(exportJson(doc, content), 200, {
				'content-disposition': contentDisposition(doc.title, 'json')
			});
		}
	})
];
