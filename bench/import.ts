// SPASER import benchmark: `npm run bench -- import` (or `npx tsx bench/import.ts`). No database.
//
//   1. The real Occitanie SPASER (5 axes, 20 chantiers, 65 actions) as a Word document written in memory: time to
//      read it with mammoth alone (the peer: what any DOCX import pays) against our whole analysis (mammoth, HTML to
//      text, structure detection, targets, review state). Ratio analysis / mammoth: what detection adds.
//   2. Scaling: detection on the text repeated 1× and 8× (8 SPASERs end to end, ~670 KB): the 8× run should take
//      about 8 times as long (ratio / 8 near 1); a quadratic step would show as a ratio far above 1.
//
// Last line: RESULT docx_mammoth_ms=… docx_analysis_ms=… analysis_vs_mammoth=… detect_1x_ms=… scaling_8x_per_unit=…
// Env: BENCH_IMPORT_RUNS (default 15).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import mammoth from 'mammoth';
import { Document, Packer, Paragraph, TextRun } from 'docx';
import { analyseImport } from '../src/lib/server/spaser/import';
import { detectStructure } from '../src/lib/spaser/import/detect';
import { percentile, round, table } from './lib/stats.js';

const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 15);
const OCC = readFileSync(
	fileURLToPath(new URL('../tests/fixtures/seeds/occitanie-spaser-2023-2028.txt', import.meta.url)),
	'utf8'
);

async function docxFromText(text: string): Promise<Uint8Array> {
	const paragraphs = text
		.split(/\n\s*\n/)
		.filter((b) => b.trim())
		.map(
			(block) =>
				new Paragraph({
					children: block.split('\n').flatMap((line, i) => {
						const parts = line.split('**');
						const balanced = parts.length % 2 === 1;
						return parts.map(
							(t, k) => new TextRun({ text: t, bold: balanced && k % 2 === 1, break: i > 0 && k === 0 ? 1 : undefined })
						);
					})
				})
		);
	return new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: paragraphs }] })));
}

async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number[]> {
	await fn(); // warm-up
	const out: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const t0 = performance.now();
		await fn();
		out.push(performance.now() - t0);
	}
	return out;
}

const docx = await docxFromText(OCC);
const buffer = Buffer.from(docx);
const mammothMs = await timeIt(() => mammoth.convertToHtml({ buffer }));
let stats: Record<string, number> = {};
const analysisMs = await timeIt(async () => {
	const a = await analyseImport({ bytes: docx, fileName: 'occitanie.docx' });
	stats = Object.fromEntries(
		a.state.nodes
			.filter((n) => !n.unplaced)
			.reduce((m, n) => m.set(n.depth, (m.get(n.depth) ?? 0) + 1), new Map<number, number>())
	);
});
const one = OCC;
const eight = Array.from({ length: 8 }, () => OCC).join('\n\n');
const detect1 = await timeIt(() => detectStructure({ text: one, format: 'txt' }));
const detect8 = await timeIt(() => detectStructure({ text: eight, format: 'txt' }));

const med = (v: number[]) => percentile(v, 50);
console.log(
	`Occitanie DOCX: ${round(docx.byteLength / 1024)} Ko, nodes per depth ${JSON.stringify(stats)}, ${RUNS} runs`
);
console.log(
	table(
		['step', 'median ms', 'p95 ms'],
		[
			['mammoth convertToHtml (peer)', round(med(mammothMs)), round(percentile(mammothMs, 95))],
			['analyseImport (mammoth + detection)', round(med(analysisMs)), round(percentile(analysisMs, 95))],
			['detectStructure, text ×1', round(med(detect1)), round(percentile(detect1, 95))],
			['detectStructure, text ×8', round(med(detect8)), round(percentile(detect8, 95))]
		]
	)
);
const ratio = med(analysisMs) / med(mammothMs);
const scaling = med(detect8) / med(detect1) / 8;
console.log(`analysis / mammoth = ${round(ratio, 2)} ; (×8 / ×1) / 8 = ${round(scaling, 2)}`);
console.log(
	`RESULT docx_mammoth_ms=${round(med(mammothMs))} docx_analysis_ms=${round(med(analysisMs))} analysis_vs_mammoth=${round(ratio, 2)} detect_1x_ms=${round(med(detect1))} scaling_8x_per_unit=${round(scaling, 2)}`
);
