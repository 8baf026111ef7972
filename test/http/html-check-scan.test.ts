import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { checkHtml, MAX_CHECK_CHARS, MAX_CHECK_CSS_ITEMS } from '../../server/http/html-check.js';
import { featureData } from '../../server/http/html-check-features.js';
import { scanCss, scanHtml } from '../../server/http/html-check-scan.js';

const tokens = (css: string, inline = false) => {
  const seen: string[] = [];
  scanCss(css, 0, (token) => seen.push(token), { inline }, { left: 1_000 });
  return seen;
};

describe('caniemail features as scanner tokens', () => {
  it('gives every HTML, CSS and image feature of the installed data a way to be found', () => {
    const raw = createRequire(import.meta.url)('caniemail/caniemail.json') as { data: Array<{ slug: string; category: string }> };
    const checked = new Set(featureData().features.map((f) => f.slug));
    const unchecked = raw.data.filter((f) => ['html', 'css', 'image'].includes(f.category) && !checked.has(f.slug)).map((f) => f.slug);
    expect(unchecked).toEqual([]);
  });

  it('reads properties, values, units, functions and !important from declarations', () => {
    const seen = tokens('display: inline-flex; width: calc(100% - 2em) !important; --brand: red; color: var(--brand); background: url(data:image/png;base64,AAAA)', true);
    expect(seen).toEqual(
      expect.arrayContaining(['prop:display', 'pair:display:inline-flex', 'important', 'fn:calc', 'unit:%', 'unit:em', 'custom-property', 'fn:var', 'image:base64', 'image:png']),
    );
    // The `;` inside url(...) ends no declaration.
    expect(seen.filter((t) => t.startsWith('prop:'))).toEqual(['prop:display', 'prop:width', 'prop:color', 'prop:background']);
    // A hex colour is no unit.
    expect(tokens('color: #1e2f3a', true).filter((t) => t.startsWith('unit:'))).toEqual([]);
  });

  it('reads selectors, at-rules, media features, comments and nesting from a style sheet', () => {
    const seen = tokens('/* c */ @import url(x.css); ul > li + li ~ p, .a.b #c [href] * a:hover::before { color: red } @media (-webkit-min-device-pixel-ratio: 2), (any-hover: hover) { a { b: c } } .x { & .y { top: 0 } }');
    expect(seen).toEqual(
      expect.arrayContaining([
        'comment:css',
        'at:import',
        'selector:child',
        'selector:adjacent-sibling',
        'selector:general-sibling',
        'selector:grouping',
        'selector:class',
        'selector:id',
        'selector:attribute',
        'selector:universal',
        'selector:descendant',
        'selector:type',
        'selector:chaining',
        'pseudo-class:hover',
        'pseudo-element:before',
        'at:media',
        'media:device-pixel-ratio',
        'media:hover',
        'nesting',
      ]),
    );
  });

  it('stops at the element limit without reading further', () => {
    const seen: string[] = [];
    const result = scanHtml('<div><p>a</p><svg></svg></div>', (token) => seen.push(token), { maxElements: 2, maxCssItems: 10 });
    expect(result).toEqual({ elements: 2, truncated: true, cssTruncated: false });
    expect(seen).not.toContain('element:svg');
  });

  it('stops reading CSS past its allowance, over all style sheets and attributes together', () => {
    const css = 'a { color: red }';
    const result = scanHtml(`<style>${css}</style><p style="margin: 0"></p><style>${css}</style>`, () => undefined, { maxElements: 10, maxCssItems: 3 });
    expect(result.cssTruncated).toBe(true);
    const check = checkHtml(`<style>${'a { color: red; margin: 0 }\n'.repeat(MAX_CHECK_CSS_ITEMS)}</style>`);
    expect(check.Truncated).toBe(true);
    expect(check.Notice).toContain(`first ${MAX_CHECK_CSS_ITEMS} CSS rules`);
  });
});

/**
 * Sender-written text that would make a backtracking pattern quadratic: each must be read
 * in one pass (a regression shows as this test timing out, not as a timed assertion).
 */
describe('html-check on pathological text of the full checked size', () => {
  const n = MAX_CHECK_CHARS;
  const cases: Record<string, string> = {
    'unclosed attribute selectors': `<style>a${'['.repeat(n)}{}</style>`,
    'a run of spaces in a selector': `<style>a${' '.repeat(n)}b{}</style>`,
    'one long word as a value': `<style>x{a:${'a'.repeat(n)}}</style>`,
    'one long number as a value': `<style>x{a:${'1'.repeat(n)}}</style>`,
    'unclosed url( calls': `<p style="background:${'url('.repeat(n / 4)}">`,
    'unclosed quoted url( calls': `<style>x{a:${'url("'.repeat(n / 5)}}</style>`,
    'a query string of question marks': `<img src="a.png${'?'.repeat(n)}">`,
    'unclosed comments': '<!--'.repeat(n / 4),
  };
  for (const [name, html] of Object.entries(cases)) {
    it(name, () => {
      const check = checkHtml(html);
      expect(check.Total.Supported + check.Total.Partial + check.Total.Unsupported).toBeCloseTo(100, 9);
    });
  }
});
