/** The search that lists one tag's messages: `tag:NAME`, quoted when the name has a space. */
export function tagQuery(tag: string): string {
  return /\s/.test(tag) ? `tag:"${tag}"` : `tag:${tag}`;
}
