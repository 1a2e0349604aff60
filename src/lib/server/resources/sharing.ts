// Sharing with networks and their review: submit, withdraw, validate or ask for changes (the author hears about
// it), the animators' queue.
import type { Actor, Database, Tx } from '../db';
import { elevated, withUser } from '../db';
import { appOrigin, enqueueEmail, renderEmail } from '../email/outbox';
import { AppError, forbidden, guard, notFound } from '$lib/server/kit/errors';
import { isUuid } from '$lib/server/kit/ids';
import type { ResourceKind } from '$lib/resources/labels';
import { resourceErrors } from './access';
import { orgNetworks, resourcePath } from './model';

/** Submits to one network (or, networkId null, to every network of the collectivité). */
export async function shareInTx(tx: Tx, id: string, networkId: string | null) {
	const [r] = await tx.query<{ org_id: string; visibility: string }>(
		`select app.resource_org(id) as org_id, visibility from public.resources where id = $1`,
		[id]
	);
	if (!r) throw notFound('Cette ressource');
	const networks = await orgNetworks(tx, r.org_id);
	const targets = networkId ? networks.filter((n) => n.id === networkId) : networks;
	if (!targets.length)
		throw new AppError(
			'no_network',
			networkId
				? "Votre collectivité n'est pas membre de ce réseau : elle ne peut pas y partager de ressource."
				: "Votre collectivité n'est membre d'aucun réseau : demandez d'abord à rejoindre un réseau.",
			409
		);
	if (r.visibility === 'private')
		await guard(tx.query(`update public.resources set visibility = 'network' where id = $1`, [id]), resourceErrors);
	for (const n of targets)
		await guard(
			tx.query(`insert into public.resource_shares (resource_id, network_id) values ($1, $2) on conflict do nothing`, [
				id,
				n.id
			]),
			resourceErrors
		);
}

export async function shareResource(db: Database, actor: Actor, id: string, networkId: string | null) {
	if (!isUuid(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>(
			`select app.has_org_role(app.resource_org($1), array['admin','editor']) as ok`,
			[id]
		);
		if (!ok?.ok)
			throw forbidden('Seuls les administrateurs et rédacteurs de la collectivité partagent cette ressource.');
		await shareInTx(tx, id, networkId);
	});
}

export async function withdrawShare(db: Database, actor: Actor, id: string, networkId: string) {
	return withUser(db, actor, async (tx) => {
		const rows = await guard(
			tx.query(`delete from public.resource_shares where resource_id = $1 and network_id = $2 returning resource_id`, [
				id,
				networkId
			]),
			resourceErrors
		);
		if (!rows.length) throw forbidden();
		const [left] = await tx.query<{ n: number }>(
			`select count(*)::int as n from public.resource_shares where resource_id = $1`,
			[id]
		);
		if (!left.n)
			await tx.query(`update public.resources set visibility = 'private' where id = $1 and visibility = 'network'`, [
				id
			]);
	});
}

export async function reviewShare(
	db: Database,
	actor: Actor,
	id: string,
	input: { networkId: string; decision: 'validated' | 'changes_requested'; comment: string }
) {
	if (!isUuid(id)) throw notFound('Cette ressource');
	return withUser(db, actor, async (tx) => {
		const rows = await guard(
			tx.query<{ resource_id: string }>(
				`update public.resource_shares set status = $3, comment = nullif($4, '') where resource_id = $1 and network_id = $2 returning resource_id`,
				[id, input.networkId, input.decision, input.comment]
			),
			resourceErrors
		);
		if (!rows.length) throw forbidden('Seuls les animateurs du réseau relisent les ressources qui lui sont soumises.');
		// The author hears about the decision (the address is read with the service role: it is not shown to anyone).
		const [info] = await elevated(tx, (t) =>
			t.query<{ email: string | null; title: string; kind: ResourceKind; network: string }>(
				`select u.email, r.title, r.kind, n.name as network from public.resources r
				   join public.networks n on n.id = $2
				   left join public.resource_shares s on s.resource_id = r.id and s.network_id = n.id
				   left join public.users u on u.id = s.submitted_by where r.id = $1`,
				[id, input.networkId]
			)
		);
		if (info?.email) {
			const url = `${appOrigin()}${resourcePath(info.kind, id)}`;
			const validated = input.decision === 'validated';
			const mail = renderEmail({
				paragraphs: validated
					? [
							`« ${info.title} » a été validée par ${info.network} : elle est maintenant visible des membres du réseau, avec le badge « Validé par le réseau ».`
						]
					: [
							`${info.network} demande des modifications sur « ${info.title} » :`,
							`« ${input.comment} »`,
							'Modifiez la ressource : elle repartira automatiquement en relecture.'
						],
				action: { label: 'Voir la ressource', url }
			});
			await enqueueEmail(tx, {
				to: info.email,
				subject: validated ? `Ressource validée : ${info.title}` : `Modifications demandées : ${info.title}`,
				text: mail.text,
				html: mail.html,
				kind: 'resource_review'
			});
		}
	});
}

export interface QueueItem {
	id: string;
	kind: ResourceKind;
	title: string;
	org_name: string;
	network_id: string;
	network_name: string;
	status: string;
	comment: string | null;
	submitted_at: string;
	version: number;
}

/** The animator's review queue: items submitted to the networks they animate (pending first). */
export async function reviewQueue(db: Database, actor: Actor, opts: { status?: string } = {}) {
	return withUser(db, actor, (tx) =>
		tx.query<QueueItem>(
			`select r.id, r.kind, r.title, o.org_name, s.network_id, n.name as network_name, s.status, s.comment,
			        s.submitted_at, r.version
			   from public.resource_shares s
			   join public.resources r on r.id = s.resource_id
			   join public.networks n on n.id = s.network_id
			   left join app.resource_authors(array[r.id]) o on true
			  where app.is_network_animator(s.network_id) and ($1::text is null or s.status = $1)
			  order by (s.status = 'pending') desc, s.submitted_at`,
			[opts.status ?? null]
		)
	);
}

/** Networks the caller belongs to or animates (calculator rules, facets). */
export async function myNetworks(db: Database, actor: Actor) {
	return withUser(db, actor, (tx) =>
		tx.query<{ id: string; name: string; animator: boolean }>(
			`select n.id, n.name, n.id = any ((select app.my_animated_network_ids())::uuid[]) as animator from public.networks n
			  where n.id = any ((select app.my_network_ids())::uuid[]) or n.id = any ((select app.my_animated_network_ids())::uuid[])
			  order by n.name`
		)
	);
}
