import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** Options for every npm call here: nothing may reach a registry, nothing may prompt. */
export const OFFLINE_NPM_ENV = {
  npm_config_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_yes: 'false',
};

export interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

export interface PackedInstall {
  /** A project folder whose node_modules/letterbox-mail is the unpacked tarball. */
  project: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
  /** The package.json as it came out of the tarball. */
  manifest: Manifest;
  remove(): Promise<void>;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...OFFLINE_NPM_ENV, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

/**
 * Builds the package as `npm run build` would, packs it with `npm pack`, and installs
 * the tarball into a fresh project the way npm does, without a registry: the tarball is
 * unpacked into node_modules/letterbox-mail, each dependency its manifest names is linked from
 * this repository's node_modules, and each `bin` entry gets its node_modules/.bin link.
 * The repository's own dist/ is left alone (someone may be running it); the server is
 * compiled into a staging folder instead, next to a copy of the built web inbox.
 */
export async function installPackedLetterbox(): Promise<PackedInstall> {
  const work = await mkdtemp(join(tmpdir(), 'letterbox-package-'));
  try {
    const stage = join(work, 'stage');
    await mkdir(stage);
    await cp(join(ROOT, 'package.json'), join(stage, 'package.json'));
    await cp(join(ROOT, 'README.md'), join(stage, 'README.md'));
    // The inbox is built once per test run by test/e2e/global-setup.ts.
    await cp(join(ROOT, 'dist', 'ui'), join(stage, 'dist', 'ui'), { recursive: true });
    await mustRun(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist', 'server')], ROOT);

    const packed = JSON.parse(await mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], stage)) as Array<{
      name: string;
      version: string;
      filename: string;
      files: Array<{ path: string }>;
    }>;
    const tarball = join(work, packed[0]!.filename);

    const project = join(work, 'project');
    const { name, version } = packed[0]!;
    const installed = join(project, 'node_modules', name);
    await mkdir(installed, { recursive: true });
    // As `npm i -D <name>` leaves it: the package named in the project's manifest.
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'uses-letterbox', private: true, type: 'module', devDependencies: { [name]: version } }));
    await mustRun('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], work);
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Manifest;

    // @types/node is what a TypeScript project using the package brings itself.
    for (const name of [...Object.keys(manifest.dependencies), '@types/node']) {
      const link = join(project, 'node_modules', name);
      await mkdir(dirname(link), { recursive: true });
      await symlink(join(ROOT, 'node_modules', name), link, 'dir');
    }
    for (const [command, target] of Object.entries(manifest.bin)) {
      const link = join(project, 'node_modules', '.bin', command);
      await mkdir(dirname(link), { recursive: true });
      await symlink(relative(dirname(link), join(installed, target)), link);
      // npm makes every bin target executable on install; the shebang picks node.
      await chmod(join(installed, target), 0o755);
    }
    return {
      project,
      files: packed[0]!.files.map((f) => f.path),
      manifest,
      remove: () => rm(work, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
