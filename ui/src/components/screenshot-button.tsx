import { useState } from 'preact/hooks';
import type { PreviewWidth } from './html-preview.js';

interface Props {
  id: string;
  subject: string;
  allowRemote: boolean;
  width: PreviewWidth;
}

const FIXED_WIDTH: Record<Exclude<PreviewWidth, 'desktop'>, number> = { phone: 375, tablet: 768 };

/** A file name from the subject: letters, digits, dashes; never empty. */
export function screenshotName(subject: string, id: string): string {
  const base = subject.normalize('NFKD').replace(/[^\w-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  return `${base || id}.png`;
}

/** Saves a PNG of the HTML view as shown: same width, remote images only if allowed. */
export function ScreenshotButton({ id, subject, allowRemote, width }: Props) {
  const [state, setState] = useState<{ kind: 'idle' | 'busy' } | { kind: 'failed'; error: string }>({ kind: 'idle' });
  const take = async () => {
    setState({ kind: 'busy' });
    try {
      const shown = document.querySelector<HTMLIFrameElement>('iframe.html-frame')?.clientWidth;
      const px = width === 'desktop' ? shown || 1024 : FIXED_WIDTH[width];
      // Loaded on first use: no other view needs the drawing code.
      const { screenshotHtml } = await import('../screenshot.js');
      const blob = await screenshotHtml({ id, allowRemote, width: px });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = screenshotName(subject, id);
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      setState({ kind: 'idle' });
    } catch (error) {
      setState({ kind: 'failed', error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <>
      <button type="button" class="seg-btn screenshot-btn" disabled={state.kind === 'busy'} onClick={take} title="Save the HTML view as a PNG image">
        {state.kind === 'busy' ? 'Saving…' : 'Screenshot'}
      </button>
      {state.kind === 'failed' && (
        <span role="alert" class="screenshot-error">
          Screenshot failed: {state.error}
        </span>
      )}
    </>
  );
}
