import type { RequestHandler } from './$types';
import { orHttpError } from '$lib/server/kit/errors';
import { getImportedFile } from '$lib/server/spaser/import';
import { spaserDownload } from '$lib/server/spaser/export';
import { spaserFor } from '../../access.server';

const EXT: Record<string, string> = { docx: 'docx', md: 'md', txt: 'txt' };

/** The original file an imported SPASER was created from (read by whoever reads the SPASER, through RLS). */
export const GET: RequestHandler = async (event) => {
	const { db, user, spaser } = await spaserFor(event);
	const file = await orHttpError(getImportedFile(db, user, spaser.id, event.params.importId));
	return spaserDownload(
		file.file_name.replace(/\.[a-z0-9]+$/i, ''),
		EXT[file.kind] ?? 'txt',
		new Uint8Array(file.content),
		file.mime
	);
};
