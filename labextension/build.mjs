// Builds the front end with esbuild: the layout worker first (its text is inlined into the widgets, so
// each widget is one self-contained ES module), then one bundle per widget into the Python package, then
// the JupyterLab extension's entry (src/lab/index.ts) into build/lib/index.js, with @jupyterlab/* and
// @lumino/* left as imports: `jupyter-builder build` (npm run build:labextension) then bundles that file
// with module federation, so JupyterLab's own copies are used (shared singletons), into
// jupyter_prov/labextension. The graph code (src/graph) is one copy, bundled into both.
// `node build.mjs --tests` bundles only test/*.test.ts to build/test/*.test.mjs for `node --test`.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'jupyter_prov', 'widgets', 'static');
const minify = !process.argv.includes('--dev');
const started = Date.now();
const inlineWorker = {
  name: 'inline-worker',
  setup(b) {
    b.onLoad({ filter: /build[\\/]layout-worker\.js$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      return { contents: await readFile(args.path, 'utf8'), loader: 'text' };
    });
  },
};
const testsOnly = process.argv.includes('--tests');  // npm test: the unit tests only, never the shipped bundles

if (!testsOnly) {
await build({
  entryPoints: [join(here, 'src/graph/layout-worker.ts')], bundle: true, format: 'iife', minify,
  outfile: join(here, 'build/layout-worker.js'), logLevel: 'warning', legalComments: 'none',
});
const widgets = readdirSync(join(here, 'src/widgets')).filter((f) => f.endsWith('.ts'));
await build({
  entryPoints: widgets.map((f) => join(here, 'src/widgets', f)), bundle: true, format: 'esm', minify,
  outdir: out, logLevel: 'warning', legalComments: 'none', target: 'es2020',
  loader: { '.js': 'js' },
  plugins: [inlineWorker],
});
await build({
  entryPoints: [join(here, 'src/lab/index.ts')], bundle: true, format: 'esm', minify,
  outfile: join(here, 'build/lib/index.js'), logLevel: 'warning', legalComments: 'none', target: 'es2020',
  external: ['@jupyterlab/*', '@lumino/*'], plugins: [inlineWorker],
});
console.log(`built ${widgets.length} widget bundle(s) into ${out} and the lab entry in ${Date.now() - started} ms`);
} else {
  const tests = readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.ts'));
  await build({
    entryPoints: tests.map((f) => join(here, 'test', f)), bundle: true, format: 'esm', platform: 'node',
    outdir: join(here, 'build/test'), outExtension: { '.js': '.mjs' }, logLevel: 'warning', target: 'node20',
  });
  console.log(`built ${tests.length} test bundle(s) into build/test in ${Date.now() - started} ms`);
}
