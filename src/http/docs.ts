/** Swagger UI for every served document, from local swagger-ui-dist assets (no CDN: sites are often offline). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import { stringify as toYaml } from 'yaml';
import { servedDocuments } from '../../generated/documents.js';
import { loadBundledDocument } from './contract.js';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

const assetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Anode API documentation</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

function initScript(): string {
  const urls = servedDocuments.map((document) => ({ url: `/openapi/${document.name}.json`, name: document.title }));
  return `window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(urls)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout'
});
`;
}

export function mountDocs(app: Hono): void {
  const documents = new Map<string, unknown>(
    servedDocuments.map((document) => [document.name, loadBundledDocument(document.name)]),
  );
  const cache = new Map<string, Buffer>();
  app.get('/docs', (c) => c.redirect('/docs/', 301));
  app.get('/docs/', (c) => c.html(INDEX_HTML));
  app.get('/docs/init.js', (c) => c.body(initScript(), 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/docs/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.json({ status: 'Not Found', error: `no asset ${file}` }, 404);
    let content = cache.get(file);
    if (!content) {
      content = readFileSync(join(assetsDir, file));
      cache.set(file, content);
    }
    return c.body(new Uint8Array(content), 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
  app.get('/openapi/:file', (c) => {
    const match = /^([a-z0-9.-]+)\.(json|yaml)$/.exec(c.req.param('file'));
    const document = match ? documents.get(match[1]) : undefined;
    if (!match || !document) return c.json({ status: 'Not Found', error: 'no such document' }, 404);
    if (match[2] === 'json') return c.json(document);
    return c.body(toYaml(document, { lineWidth: 0 }), 200, { 'Content-Type': 'application/yaml; charset=utf-8' });
  });
}
