// The backoffice: the platform's own landing page, a static site served by nginx behind basic auth,
// linking to the environment's dashboards. Its page is uploaded into the container as content.

import type { AppDefinition } from '../lib/app-definition';

export interface BackofficeLink {
  readonly label: string;
  readonly url: string;
  readonly note: string;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const page = (environment: string, links: readonly BackofficeLink[]) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Mambo backoffice</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Mambo platform: ${escapeHtml(environment)}</h1>
<p>Operations entry point. Dashboards and tools of this environment:</p>
<ul>
${links.map((link) => `  <li><a href="${escapeHtml(link.url)}">${escapeHtml(link.label)}</a>: ${escapeHtml(link.note)}</li>`).join('\n')}
</ul>
</body>
</html>
`;

// The unprivileged nginx image runs as uid 101 on 8080: no root, no capabilities needed.
const nginxConf = `server {
    listen 8080;
    server_name _;
    root /usr/share/nginx/html;
    server_tokens off;
    location = /healthz { access_log off; return 200 "ok\\n"; }
    location / { try_files $uri $uri/ =404; }
}
`;

export const backoffice = (environment: string, links: readonly BackofficeLink[]): AppDefinition => ({
  description: 'Static backoffice site (nginx)',
  image: 'nginxinc/nginx-unprivileged:1.28.0-alpine',
  port: 8080,
  memoryMiB: 32,
  cpus: 0.25,
  healthcheck: { command: ['CMD', 'wget', '-q', '--spider', 'http://127.0.0.1:8080/healthz'] },
  middlewares: ['rate-global', 'security-headers', 'compression'],
  auth: 'basic',
  files: {
    '/usr/share/nginx/html/index.html': page(environment, links),
    '/etc/nginx/conf.d/default.conf': nginxConf,
  },
});
