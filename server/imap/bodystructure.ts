/**
 * FETCH BODY and BODYSTRUCTURE (RFC 3501 §7.4.2, RFC 9051 §7.5.2) from a MIME tree.
 * `extensible` adds the extension data of BODYSTRUCTURE (MD5, disposition,
 * language, location; multipart parameters). Sizes are octets as stored, so they
 * equal the length of what BODY[section] returns.
 */
import type { MimeParam } from '../mime/content-type.js';
import type { MimeText } from '../mime/header-block.js';
import type { MimeNode, MimeTree } from '../mime/mime-tree.js';
import { envelope } from './envelope.js';
import { joinOutput, list, nstring, string, type ImapOutput, type StringOptions } from './encode.js';

/** body-fld-param: ("name" "value" ...) or NIL. */
function params(items: readonly MimeParam[], options: StringOptions): ImapOutput {
  if (items.length === 0) return 'NIL';
  const out: ImapOutput[] = [];
  for (const param of items) out.push(string(param.name, options), string(param.value, options));
  return list(out);
}

/** body-fld-lang: always a list when present, as reference servers send it (a single string is also valid). */
function languages(values: readonly MimeText[] | undefined, options: StringOptions): ImapOutput {
  if (!values) return 'NIL';
  return list(values.map((value) => string(value, options)));
}

/** body-fld-dsp: ("attachment" (params)) or NIL. */
function disposition(node: MimeNode, options: StringOptions): ImapOutput {
  if (!node.disposition) return 'NIL';
  return list([string(node.disposition.value, options), params(node.disposition.params, options)]);
}

/** Text parts without a charset get RFC 2045 §5.2's us-ascii, as reference servers report. */
function bodyParams(node: MimeNode): readonly MimeParam[] {
  const { contentType } = node;
  if (contentType.type.toLowerCase() !== 'text') return contentType.params;
  if (contentType.params.some((p) => p.name.toLowerCase() === 'charset' || p.name.toLowerCase() === 'charset*')) return contentType.params;
  return [{ name: 'charset', value: 'us-ascii', decoded: 'us-ascii' }, ...contentType.params];
}

/** A multipart with no part (no boundary, no delimiter, or capped) still needs one body (RFC 3501 §9: 1*body). */
const EMPTY_PART_BODY = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0)';
const EMPTY_PART_BODYSTRUCTURE = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0 NIL NIL NIL NIL)';
const EMPTY_ENVELOPE = '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)';

function multipart(node: MimeNode, extensible: boolean, options: StringOptions): ImapOutput {
  const out: ImapOutput[] = ['('];
  if (node.children.length === 0) out.push(extensible ? EMPTY_PART_BODYSTRUCTURE : EMPTY_PART_BODY);
  for (const child of node.children) out.push(part(child, extensible, options));
  out.push(' ', string(node.contentType.subtype, options));
  if (extensible) {
    // body-ext-mpart: param, disposition, language, location.
    out.push(' ', params(node.contentType.params, options), ' ', disposition(node, options));
    out.push(' ', languages(node.language, options), ' ', nstring(node.location, options));
  }
  out.push(')');
  return joinOutput(out);
}

function single(node: MimeNode, extensible: boolean, options: StringOptions): ImapOutput {
  const type = node.contentType.type.toLowerCase();
  const subtype = node.contentType.subtype.toLowerCase();
  const fields: ImapOutput[] = [
    string(node.contentType.type, options),
    string(node.contentType.subtype, options),
    params(bodyParams(node), options),
    nstring(node.id, options),
    nstring(node.description, options),
    string(node.encoding ?? '7bit', options),
    String(node.size),
  ];
  if (type === 'message' && (subtype === 'rfc822' || subtype === 'global')) {
    // body-type-msg: envelope, body, lines of the encapsulated message.
    const inner = node.message;
    fields.push(inner ? envelope(inner.header, options) : EMPTY_ENVELOPE);
    fields.push(inner ? part(inner, extensible, options) : extensible ? EMPTY_PART_BODYSTRUCTURE : EMPTY_PART_BODY);
    fields.push(String(node.lines));
  } else if (type === 'text') {
    fields.push(String(node.lines));
  }
  if (extensible) {
    // body-ext-1part: md5, disposition, language, location.
    fields.push(nstring(node.md5, options), disposition(node, options), languages(node.language, options), nstring(node.location, options));
  }
  return list(fields);
}

function part(node: MimeNode, extensible: boolean, options: StringOptions): ImapOutput {
  return node.contentType.type.toLowerCase() === 'multipart' ? multipart(node, extensible, options) : single(node, extensible, options);
}

/** BODY (extensible = false) or BODYSTRUCTURE (extensible = true) of a message. */
export function bodyStructure(tree: MimeTree, extensible: boolean, options: StringOptions = {}): ImapOutput {
  return part(tree.root, extensible, options);
}
