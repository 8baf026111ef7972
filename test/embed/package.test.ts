import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  files: string[];
  exports: Record<string, string | { types: string; default: string }>;
};

/** dist/server/x/y.js → server/x/y.ts: the build maps every source file one to one (tsconfig.build.json). */
const sourceOf = (target: string) => target.replace(/^\.\//, '').replace(/^dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts');
const shipped = (target: string) => pkg.files.some((dir) => target.replace(/^\.\//, '').startsWith(dir + '/'));

describe('package.json', () => {
  it('exports the embedding API at "." and the client at "./client", with types, all shipped', () => {
    const entries = Object.entries(pkg.exports).filter(([name]) => name !== './package.json');
    expect(entries.map(([name]) => name).sort()).toEqual(['.', './client']);
    for (const [, target] of entries) {
      if (typeof target === 'string') throw new Error('every export names its types');
      for (const file of [target.types, target.default]) {
        expect(shipped(file), file).toBe(true);
        expect(existsSync(join(ROOT, sourceOf(file))), sourceOf(file)).toBe(true);
      }
    }
    expect(sourceOf(pkg.main)).toBe('server/index.ts');
    expect(sourceOf(pkg.types)).toBe('server/index.ts');
  });

  it('installs a `letterbox` command whose entry starts with a node shebang', () => {
    const entry = pkg.bin.letterbox!;
    expect(shipped(entry)).toBe(true);
    expect(readFileSync(join(ROOT, sourceOf(entry)), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('the client entry imports no server code, so it works in a browser or against a remote Mailpit', () => {
    // `import type` is erased at build time (the shared wire types), so only value imports count.
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(ROOT, file), 'utf8');
      for (const [, spec] of text.matchAll(/^(?:import|export) (?!type )[^;]*? from '([^']+)'/gm)) {
        expect(spec!.startsWith('./'), `${file} imports ${spec}`).toBe(true);
        visit(join(file, '..', spec!.replace(/\.js$/, '.ts')));
      }
    };
    visit('server/client/index.ts');
    expect([...seen].every((f) => f.startsWith('server/client/'))).toBe(true);
  });
});
