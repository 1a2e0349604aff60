import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { richToHtml, fragmentToJson } from '../../src/lib/spaser/rich';
import type { RichNode } from '../../src/lib/spaser/model';

const link = (href: unknown, text = 'lien'): RichNode[] => [
	{
		type: 'paragraph',
		content: [{ type: 'text', text, marks: [{ type: 'link', attrs: { href } as Record<string, unknown> }] }]
	}
];

describe('security: rich text rendered for {@html} (public page, read view)', () => {
	it('escapes text and drops unknown elements and attributes', () => {
		const html = richToHtml([
			{
				type: 'paragraph',
				content: [{ type: 'text', text: '"><script>alert(1)</script><img src=x onerror=alert(1)>' }]
			},
			{ type: 'script', content: [{ type: 'text', text: 'alert(2)' }] },
			{ type: 'paragraph', attrs: { onclick: 'alert(3)', style: 'x' }, content: [{ type: 'text', text: 'ok' }] },
			{ type: 'heading', attrs: { level: '1 onmouseover=alert(4)' }, content: [{ type: 'text', text: 'T' }] }
		]);
		expect(html).not.toMatch(/<script|<img|<iframe/i);
		expect(html).not.toMatch(/<[^>]*\s(on\w+|style)=/i); // no attribute at all inside a tag
		expect(html).toContain('&lt;script&gt;');
		expect(html).toContain('<h3>T</h3>');
	});

	it('keeps only safe link targets: no script schemes, no links that leave the site through "//" or "/\\"', () => {
		for (const bad of [
			'javascript:alert(1)',
			' JaVaScRiPt:alert(1)',
			'\u0001javascript:alert(1)',
			'data:text/html,<script>alert(1)</script>',
			'vbscript:msgbox(1)',
			'//evil.example/phish',
			'/\\evil.example/phish',
			'https:evil.example',
			'https:/\\evil.example',
			'/a" onmouseover="alert(1)',
			42,
			null
		]) {
			const html = richToHtml(link(bad));
			expect(html, String(bad)).toBe('<p>lien</p>');
		}
		expect(richToHtml(link('https://www.legifrance.gouv.fr/x?a=1&b=2'))).toBe(
			'<p><a href="https://www.legifrance.gouv.fr/x?a=1&amp;b=2" rel="noopener noreferrer">lien</a></p>'
		);
		expect(richToHtml(link('mailto:achats@ville.fr'))).toContain('href="mailto:achats@ville.fr"');
		expect(richToHtml(link('/p/ville/spaser'))).toContain('href="/p/ville/spaser"');
		expect(richToHtml(link('#p-1'))).toContain('href="#p-1"');
	});

	it('sanitizes what a collaborator writes straight into the shared document', () => {
		const doc = new Y.Doc();
		const frag = doc.getXmlFragment('body');
		const el = new Y.XmlElement('iframe');
		el.setAttribute('src', 'javascript:alert(1)');
		const p = new Y.XmlElement('paragraph');
		const t = new Y.XmlText();
		t.insert(0, 'clic', { link: { href: '//evil.example' } });
		p.insert(0, [t]);
		frag.insert(0, [el, p]);
		const html = richToHtml(fragmentToJson(frag));
		expect(html).toBe('<p>clic</p>');
	});
});
