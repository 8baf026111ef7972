import { useEffect, useRef, useState } from 'preact/hooks';
import { loadListWidth, saveListWidth } from '../prefs.js';

const DEFAULT_WIDTH = 420;
const MIN_WIDTH = 280;
/** Room the message keeps beside the list, whatever the list's width. */
const MESSAGE_ROOM = 360;
const STEP = 16;
const BIG_STEP = 80;

const widest = () => Math.max(MIN_WIDTH, window.innerWidth - MESSAGE_ROOM);
const clamp = (px: number) => Math.round(Math.min(widest(), Math.max(MIN_WIDTH, px)));

/** The list's width: remembered across reloads, kept inside the window as it resizes. */
export function useListWidth(): [number, (px: number) => void] {
  const [width, setWidth] = useState(() => clamp(loadListWidth() ?? DEFAULT_WIDTH));
  useEffect(() => {
    const onResize = () => setWidth((w) => clamp(w));
    addEventListener('resize', onResize);
    return () => removeEventListener('resize', onResize);
  }, []);
  const change = (px: number) => {
    const next = clamp(px);
    setWidth(next);
    saveListWidth(next);
  };
  return [width, change];
}

/**
 * The separator between list and message (WAI-ARIA window splitter): arrows move it a
 * step, Shift+arrows a big step, Home and End to the limits; a pointer drags it.
 */
export function SplitHandle({ width, onChange, controls }: { width: number; onChange: (px: number) => void; controls: string }) {
  const drag = useRef<{ x: number; width: number } | null>(null);
  return (
    <div
      class="split-handle"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the message list"
      aria-controls={controls}
      aria-valuenow={width}
      aria-valuemin={MIN_WIDTH}
      aria-valuemax={widest()}
      aria-valuetext={`${width} pixels`}
      tabIndex={0}
      onKeyDown={(e) => {
        const step = e.shiftKey ? BIG_STEP : STEP;
        const to = e.key === 'ArrowLeft' ? width - step : e.key === 'ArrowRight' ? width + step : e.key === 'Home' ? MIN_WIDTH : e.key === 'End' ? widest() : null;
        if (to === null) return;
        e.preventDefault();
        // The list's own shortcuts (j, k, …) must not see these keys.
        e.stopPropagation();
        onChange(to);
      }}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, width };
      }}
      onPointerMove={(e) => {
        if (drag.current) onChange(drag.current.width + e.clientX - drag.current.x);
      }}
      onPointerUp={() => {
        drag.current = null;
      }}
      onPointerCancel={() => {
        drag.current = null;
      }}
    />
  );
}
