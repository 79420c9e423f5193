// Lighthouse 12.2.3 bundles @paulirish/trace_engine 0.0.32, which reads the frame number of
// a PipelineReporter trace event from `args.chrome_frame_reporter`. Newer Chromium (Debian's
// 156 here) names it `args.frame_reporter`, and the trace processing then throws
// "Cannot read properties of undefined (reading 'frame_sequence')": the audits that need
// the processed trace (layout-shifts, render-blocking-resources, largest-contentful-paint-
// element, ...) end in an error. Run by `npm ci` (postinstall); idempotent.
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const file = fileURLToPath(new URL(
  './node_modules/@paulirish/trace_engine/models/trace/handlers/ScreenshotsHandler.js',
  import.meta.url));
const before = 'evt.args.data.beginEvent.args.chrome_frame_reporter.frame_sequence';
const after = '(evt.args.data.beginEvent.args.chrome_frame_reporter ?? ' +
  'evt.args.data.beginEvent.args.frame_reporter)?.frame_sequence';

const text = readFileSync(file, 'utf8');
if (text.includes(after)) {
  console.log('trace_engine: already patched');
} else if (text.includes(before)) {
  writeFileSync(file, text.replace(before, after));
  console.log('trace_engine: patched for frame_reporter (newer Chromium traces)');
} else {
  console.error(`trace_engine: ${file} is not the expected version; not patched`);
  process.exit(1);
}
