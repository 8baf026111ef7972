/** Lower-casing for search: Unicode-aware, and NFC so composed and decomposed letters meet. */
export function fold(text: string): string {
  // Pure ASCII is already in NFC; skipping the ICU call matters at 100,000 messages.
  return (NON_ASCII.test(text) ? text.normalize('NFC') : text).toLowerCase();
}

const NON_ASCII = /[^\x00-\x7f]/;
