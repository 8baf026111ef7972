import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

/**
 * The web inbox: built from ui/ into dist/ui, which the HTTP front serves at the webroot.
 * `base: './'` keeps every asset URL relative, so the same build works under any --webroot.
 * Everything is bundled; nothing is fetched from a CDN, so the inbox works offline.
 */
export default defineConfig({
  root: 'ui',
  base: './',
  plugins: [preact()],
  build: {
    outDir: '../dist/ui',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});
