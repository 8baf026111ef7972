import { Parser } from 'htmlparser2';

/**
 * What an HTML body uses, as tokens at character offsets: `element:svg`,
 * `attr:align`, `element-type:input:text`, `prop:display`, `pair:display:flex`,
 * `fn:rgb`, `unit:rem`, `keyword:initial`, `at:media`, `media:hover`,
 * `pseudo-class:hover`, `selector:class`, `image:png`, `comment:css`, ...
 * html-check-features.ts says which caniemail feature each token stands for.
 *
 * htmlparser2 (already under mailparser) reads the HTML as a stream of events, so
 * nesting depth costs nothing; CSS, from `<style>` and `style=""`, is read here by a
 * linear scanner that knows strings, comments, blocks and declarations.
 */
export type Emit = (token: string, offset: number) => void;

export interface ScanLimits {
  /** Elements read at most; the rest of the document is not checked. */
  maxElements: number;
  /** CSS rules, at-rules and declarations read at most, over all style sheets and attributes. */
  maxCssItems: number;
}

export interface ScanResult {
  /** Elements read. */
  elements: number;
  /** The document had more elements than maxElements. */
  truncated: boolean;
  /** The CSS had more items than maxCssItems. */
  cssTruncated: boolean;
}

/** What is left of the CSS allowance; shared by every style sheet and attribute of a document. */
export interface CssBudget {
  left: number;
}

export function scanHtml(html: string, emit: Emit, limits: ScanLimits): ScanResult {
  let elements = 0;
  let truncated = false;
  let style: { text: string; offset: number } | undefined;
  const budget: CssBudget = { left: limits.maxCssItems };
  const parser: Parser = new Parser(
    {
      onopentag(name, attributes) {
        if (elements >= limits.maxElements) {
          truncated = true;
          parser.pause();
          return;
        }
        elements++;
        const at = parser.startIndex;
        emit(`element:${name}`, at);
        for (const [attribute, value] of Object.entries(attributes)) {
          emit(`attr:${attribute}`, at);
          if (attribute === 'type') emit(`element-type:${name}:${value.trim().toLowerCase()}`, at);
          if (attribute === 'style') scanCss(value, at, emit, { inline: true }, budget);
          if (attribute === 'href') linkTokens(value, at, emit);
          if (attribute === 'srcset') for (const url of value.split(',')) imageTokens(url.trim().split(/\s+/)[0] ?? '', at, emit);
        }
        if (name === 'img' && attributes['src'] !== undefined) imageTokens(attributes['src'], at, emit);
        if (name === 'meta' && attributes['name']) emit(`meta:${attributes['name'].trim().toLowerCase()}`, at);
        if (name === 'style') style = { text: '', offset: -1 };
      },
      ontext(text) {
        if (!style) return;
        if (style.offset < 0) style.offset = parser.startIndex;
        style.text += text;
      },
      onclosetag(name) {
        if (name !== 'style' || !style) return;
        if (style.offset >= 0) scanCss(style.text, style.offset, emit, { inline: false }, budget);
        style = undefined;
      },
      oncomment() {
        emit('comment:html', parser.startIndex);
      },
      onprocessinginstruction(name) {
        if (name.toLowerCase() === '!doctype') emit('doctype', parser.startIndex);
      },
    },
    { lowerCaseTags: true, lowerCaseAttributeNames: true, decodeEntities: true },
  );
  parser.write(html);
  if (!truncated) parser.end();
  return { elements, truncated, cssTruncated: budget.left < 0 };
}

function linkTokens(href: string, at: number, emit: Emit): void {
  const value = href.trim().toLowerCase();
  if (value.startsWith('#')) emit('link:anchor', at);
  else if (value.startsWith('mailto:')) emit('link:mailto', at);
}

/** An image's format, by its data: type or its file name's extension. */
function imageTokens(url: string, at: number, emit: Emit): void {
  const value = url.trim().slice(0, 2048).toLowerCase();
  if (value === '') return;
  const data = /^data:image\/([a-z0-9.+-]+)/.exec(value);
  if (data) {
    emit('image:base64', at);
    emit(`image:${(data[1] ?? '').replace(/\+xml$/, '')}`, at);
    return;
  }
  const path = value.split(/[?#]/, 1)[0] ?? '';
  const extension = /\.([a-z0-9]{2,5})$/.exec(path);
  if (extension) emit(`image:${extension[1]}`, at);
}

/**
 * Every pattern below is linear in its input (no two unbounded quantifiers can share
 * characters, and each repeated start is ruled out by a lookbehind or a character class),
 * since the text is the sender's and may be half a megabyte of one rule.
 *
 * Reads a style sheet (or, inline, a style attribute's declarations) and emits what it
 * uses. Comments are blanked first so offsets stay true; strings and parentheses are
 * skipped over so a `;` or `{` inside `url(data:...;base64,...)` ends nothing.
 */
export function scanCss(source: string, base: number, emit: Emit, options: { inline: boolean }, budget: CssBudget): void {
  if (budget.left < 0) return;
  const css = source.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, (comment, offset: number) => {
    emit('comment:css', base + offset);
    return ' '.repeat(comment.length);
  });
  // What each open block is: a style rule (holds declarations and, nested, rules) or an at-rule.
  const blocks: Array<'rule' | 'at'> = options.inline ? ['rule'] : [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < css.length; i++) {
    const char = css[i];
    if (char === '"' || char === "'") {
      const end = css.indexOf(char, i + 1);
      i = end < 0 ? css.length : end;
    } else if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (depth > 0) continue;
    else if (char === '{' && !options.inline) {
      if (--budget.left < 0) return;
      const prelude = css.slice(start, i);
      const at = base + start + leadingSpace(prelude);
      const text = prelude.trim();
      if (text.startsWith('@')) {
        atRule(text, at, emit);
        blocks.push('at');
      } else {
        if (blocks.at(-1) === 'rule') emit('nesting', at);
        selectorTokens(text, at, emit);
        blocks.push('rule');
      }
      start = i + 1;
    } else if (char === ';' || char === '}') {
      if (--budget.left < 0) return;
      const segment = css.slice(start, i);
      const at = base + start + leadingSpace(segment);
      const text = segment.trim();
      if (text.startsWith('@')) atRule(text, at, emit);
      else if (text !== '' && blocks.length > 0) declaration(text, at, emit);
      if (char === '}' && !options.inline) blocks.pop();
      start = i + 1;
    }
  }
  const tail = css.slice(start).trim();
  if (tail !== '' && blocks.length > 0) declaration(tail, base + start + leadingSpace(css.slice(start)), emit);
}

function leadingSpace(text: string): number {
  return text.length - text.trimStart().length;
}

function atRule(text: string, at: number, emit: Emit): void {
  const name = /^@(-[a-z]+-)?([a-z-]+)/i.exec(text);
  if (!name) return;
  const rule = (name[2] ?? '').toLowerCase();
  emit(`at:${rule}`, at);
  if (rule !== 'media') return;
  // `(-webkit-min-device-pixel-ratio: 2)` and `(any-hover)` are the features device-pixel-ratio and hover.
  for (const feature of text.toLowerCase().matchAll(/\(\s*([a-z-]+)/g)) {
    emit(`media:${(feature[1] ?? '').replace(/^-[a-z]+-/, '').replace(/^(min-|max-|any-)/, '')}`, at);
  }
}

const LEGACY_PSEUDO_ELEMENTS = new Set(['before', 'after', 'first-line', 'first-letter']);

function selectorTokens(prelude: string, at: number, emit: Emit): void {
  const selectors = prelude.split(',');
  if (selectors.length > 1) emit('selector:grouping', at);
  for (const raw of selectors) {
    const selector = raw.trim().toLowerCase().replace(/\s+/g, ' ');
    for (const match of selector.matchAll(/(::?)([a-z-]+)/g)) {
      const name = match[2] ?? '';
      emit(match[1] === '::' || LEGACY_PSEUDO_ELEMENTS.has(name) ? `pseudo-element:${name}` : `pseudo-class:${name}`, at);
    }
    // The structure, with attribute tests, arguments and pseudos taken out.
    if (/\[[^[\]]*\]/.test(selector)) emit('selector:attribute', at);
    const shape = selector
      .replace(/\[[^[\]]*\]/g, '[]')
      .replace(/\([^()]*\)/g, '')
      .replace(/::?[a-z-]+/g, '')
      .replace(/ ?([>+~]) ?/g, '$1');
    if (/\.[a-z_-]/.test(shape)) emit('selector:class', at);
    if (/#[a-z_-]/.test(shape)) emit('selector:id', at);
    if (shape.includes('*')) emit('selector:universal', at);
    if (shape.includes('>')) emit('selector:child', at);
    if (shape.includes('+')) emit('selector:adjacent-sibling', at);
    if (shape.includes('~')) emit('selector:general-sibling', at);
    if (/\S \S/.test(shape)) emit('selector:descendant', at);
    if (/(^|[\s>+~])[a-z][a-z0-9-]*/.test(shape)) emit('selector:type', at);
    if (/[\w\-\]*][.#[]/.test(shape)) emit('selector:chaining', at);
  }
}

function declaration(text: string, at: number, emit: Emit): void {
  const colon = text.indexOf(':');
  if (colon <= 0) return;
  const property = text.slice(0, colon).trim().toLowerCase();
  let value = text.slice(colon + 1).trim();
  if (property.startsWith('--')) emit('custom-property', at);
  else emit(`prop:${property}`, at);
  if (/!\s*important\s*$/i.test(value)) {
    emit('important', at);
    value = value.replace(/!\s*important\s*$/i, '').trim();
  }
  const lower = value.toLowerCase();
  for (const word of lower.matchAll(/(?<![\w.#-])([a-z][a-z-]*)(?![\w(-])/g)) {
    emit(`keyword:${word[1]}`, at);
    emit(`pair:${property}:${word[1]}`, at);
  }
  for (const fn of lower.matchAll(/(?<![a-z-])([a-z-]+)\(/g)) emit(`fn:${fn[1]}`, at);
  for (const unit of lower.matchAll(/(?<![\w#.-])-?(?:\d+(?:\.\d*)?|\.\d+)(%|[a-z]+)/g)) emit(`unit:${unit[1]}`, at);
  // Only the start of the address matters (its data: type or extension), so no closing ")" is needed.
  for (const url of value.matchAll(/url\(\s*["']?([^"'()\s]{0,2048})/gi)) imageTokens(url[1] ?? '', at, emit);
}
