import { apiUrl } from '../api.js';

export type PreviewWidth = 'phone' | 'tablet' | 'desktop';

interface Props {
  id: string;
  title: string;
  allowRemote: boolean;
  width: PreviewWidth;
}

/**
 * The captured HTML, framed from /view/{ID}.html, which the server sends with its own
 * Content-Security-Policy (no script; with remote=0 nothing from other hosts, so tracking
 * pixels do not fire). The iframe is sandboxed without allow-scripts and without
 * allow-same-origin, so its document has an opaque origin and cannot reach the inbox even
 * if the policy were lost. Popups are allowed only so links (embed=1 makes them
 * target=_blank rel="noopener noreferrer") open in a new tab, outside the sandbox.
 */
export function HtmlPreview({ id, title, allowRemote, width }: Props) {
  const src = apiUrl(`view/${encodeURIComponent(id)}.html?embed=1&remote=${allowRemote ? 1 : 0}`);
  return (
    <div class={`preview preview-${width}`}>
      <iframe class="html-frame" title={title} sandbox="allow-popups allow-popups-to-escape-sandbox" referrerpolicy="no-referrer" src={src} />
    </div>
  );
}
