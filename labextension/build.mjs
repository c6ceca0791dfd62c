// Builds the front end with esbuild: the layout worker first (its text is inlined into the widgets, so
// each widget is one self-contained ES module), then one bundle per widget into the Python package.
// `node build.mjs --tests` bundles only test/*.test.ts to build/test/*.test.mjs for `node --test`.
import { build } from 'esbuild';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'jupyter_prov', 'widgets', 'static');
const minify = !process.argv.includes('--dev');
const started = Date.now();
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
  plugins: [{
    name: 'inline-worker',
    setup(b) {
      b.onLoad({ filter: /build[\\/]layout-worker\.js$/ }, async (args) => {
        const { readFile } = await import('node:fs/promises');
        return { contents: await readFile(args.path, 'utf8'), loader: 'text' };
      });
    },
  }],
});
console.log(`built ${widgets.length} widget bundle(s) into ${out} in ${Date.now() - started} ms`);
} else {
  const tests = readdirSync(join(here, 'test')).filter((f) => f.endsWith('.test.ts'));
  await build({
    entryPoints: tests.map((f) => join(here, 'test', f)), bundle: true, format: 'esm', platform: 'node',
    outdir: join(here, 'build/test'), outExtension: { '.js': '.mjs' }, logLevel: 'warning', target: 'node20',
  });
  console.log(`built ${tests.length} test bundle(s) into build/test in ${Date.now() - started} ms`);
}
