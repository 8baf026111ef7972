/** Mailpit's ListUnsubscribe object, read from RFC 2369 / RFC 8058 header fields. */
export interface ListUnsubscribe {
  Header: string;
  Links: string[];
  Errors: string;
  HeaderPost: string;
}

/**
 * RFC 2369 §2: a comma-separated list of `<URI>`; Mailpit keeps at most one mailto:
 * and one http(s) link and reports what it could not read.
 */
export function listUnsubscribe(header: string, headerPost: string): ListUnsubscribe {
  const links: string[] = [];
  const errors: string[] = [];
  let mailto = false;
  let http = false;
  if (header) {
    const found = [...header.matchAll(/<([^>]*)>/g)].map((m) => (m[1] ?? '').trim());
    if (found.length === 0) errors.push('No <> links found');
    for (const link of found) {
      if (/^mailto:/i.test(link) && !mailto) {
        mailto = true;
        links.push(link);
      } else if (/^https?:\/\//i.test(link) && !http) {
        http = true;
        links.push(link);
      } else if (!/^(mailto:|https?:\/\/)/i.test(link)) errors.push(`Unsupported link "${link}"`);
    }
  }
  return { Header: header, Links: links, Errors: errors.join(', '), HeaderPost: headerPost };
}
