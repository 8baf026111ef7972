/** The ESMTP extensions with MAIL parameters, as a listener's EHLO reply offers them. */
export interface OfferedExtensions {
  /** SIZE (RFC 1870): offered when a size limit is configured. */
  size: boolean;
  /** 8BITMIME (RFC 6152): the BODY parameter. */
  eightBitMime: boolean;
  /** SMTPUTF8 (RFC 6531). */
  smtpUtf8: boolean;
  /** AUTH (RFC 4954): the AUTH parameter of MAIL (§5). */
  auth: boolean;
}

interface ParameterRule {
  offeredBy: keyof OfferedExtensions;
  /** Whether the value (undefined when the keyword has no "=") is one the extension defines. */
  accepts(value: string | undefined): boolean;
  /** What a valid value looks like, for the refusal. */
  expected: string;
}

/**
 * RFC 3461 §4 xtext: printable ASCII but "+" and "=", with "+XX" (two upper-case hex
 * digits) for any other octet.
 */
const XTEXT = /^(?:[!-*,-<>-~]|\+[0-9A-F]{2})+$/;

/**
 * The MAIL parameters Letterbox knows. Everything else is unknown: RET and ENVID, and
 * RCPT's NOTIFY and ORCPT, belong to DSN (RFC 3461) and REQUIRETLS to RFC 8689, and
 * neither extension is offered, so a client must not send them (RFC 5321 §4.1.1.11).
 * RCPT has no parameter at all.
 */
const MAIL_PARAMETERS = new Map<string, ParameterRule>(Object.entries({
  // RFC 1870 §3: size-value ::= 1*20DIGIT.
  SIZE: { offeredBy: 'size', accepts: (v) => v !== undefined && /^\d{1,20}$/.test(v), expected: 'SIZE=<digits>' },
  // RFC 6152 §2. BINARYMIME needs CHUNKING (RFC 3030 §3), which is not offered.
  BODY: { offeredBy: 'eightBitMime', accepts: (v) => v !== undefined && /^(?:7BIT|8BITMIME)$/i.test(v), expected: 'BODY=7BIT or BODY=8BITMIME' },
  // RFC 6531 §3.4: the keyword alone.
  SMTPUTF8: { offeredBy: 'smtpUtf8', accepts: (v) => v === undefined, expected: 'SMTPUTF8 without a value' },
  // RFC 4954 §5: AUTH=xtext, "<>" when the submitter is not known.
  AUTH: { offeredBy: 'auth', accepts: (v) => v !== undefined && XTEXT.test(v), expected: 'AUTH=<> or AUTH=<xtext mailbox>' },
} satisfies Record<string, ParameterRule>));

/** RFC 5321 §4.1.2 esmtp-keyword. */
const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;
const MAX_ECHOED = 40;

/**
 * Why the parameters of a MAIL or RCPT command line are refused with 555
 * (RFC 5321 §4.1.1.11: a parameter the server does not recognise or cannot implement),
 * or undefined when every one is known, offered and well-formed.
 *
 * The line is split as smtp-server splits it (the path is the first word after the
 * first colon, the parameters are the words after it), so every parameter smtp-server
 * would act on is one checked here. A line without a colon is left to smtp-server,
 * which answers 501. Keywords are matched without regard to case (RFC 5321 §2.4).
 */
export function refusedParameter(verb: 'MAIL' | 'RCPT', line: string, offered: OfferedExtensions): string | undefined {
  const colon = line.indexOf(':');
  if (colon < 0) return undefined;
  const rest = line.slice(colon + 1).trim();
  // Most lines are the path alone (`MAIL FROM:<a@b>`): nothing to split.
  if (!/\s/.test(rest)) return undefined;
  const parameters = rest.split(/\s+/).slice(1);
  for (const parameter of parameters) {
    const equals = parameter.indexOf('=');
    const keyword = equals < 0 ? parameter : parameter.slice(0, equals);
    const value = equals < 0 ? undefined : parameter.slice(equals + 1);
    if (!KEYWORD.test(keyword)) return `Malformed ${verb} parameter ${echo(parameter)}`;
    const rule = verb === 'MAIL' ? MAIL_PARAMETERS.get(keyword.toUpperCase()) : undefined;
    if (!rule || !offered[rule.offeredBy]) return `${verb} parameter ${echo(keyword)} not recognised`;
    if (!rule.accepts(value)) return `${verb} parameter ${echo(parameter)} not understood, expected ${rule.expected}`;
  }
  return undefined;
}

/** Client text quoted in a reply: cut short, and in ASCII (RFC 5321 §4.2 replies are ASCII). */
function echo(text: string): string {
  const short = text.length > MAX_ECHOED ? `${text.slice(0, MAX_ECHOED)}...` : text;
  return JSON.stringify(short).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
