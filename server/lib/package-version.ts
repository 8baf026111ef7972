import { createRequire } from 'node:module';

/** This package's version, from the sources or the built dist/ layout; 0.0.0 when neither is found. */
export function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(path) as { name?: unknown; version?: unknown };
      if (pkg.name === 'letterbox-mail' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // try the next layout (source or built)
    }
  }
  return '0.0.0';
}
