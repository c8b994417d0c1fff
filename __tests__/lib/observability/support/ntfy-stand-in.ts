// A local HTTP server standing in for ntfy: it records each publish request and renders the title and
// message the way ntfy's `?template=yes` does, for the subset of Go templates the platform sends
// (`{{.field.path}}` and `{{range .list}}…{{end}}`; anything else is an error, so the subset cannot drift).
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface NtfyPublish {
  readonly topic: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly body: unknown;
  /** Title and message as ntfy would show them. */
  readonly title: string;
  readonly message: string;
  readonly priority: number;
  readonly tags: string[];
}

type Node = { text: string } | { field: string[] } | { range: string[]; body: Node[] };

function parse(template: string): Node[] {
  const tokens = template.split(/(\{\{[^}]*\}\})/).filter((token) => token !== '');
  const stack: Node[][] = [[]];
  const ranges: { range: string[]; body: Node[] }[] = [];
  for (const token of tokens) {
    const action = /^\{\{\s*(.*?)\s*\}\}$/.exec(token)?.[1];
    const top = stack[stack.length - 1];
    if (action === undefined) {
      top.push({ text: token });
    } else if (/^\.[\w.]*$/.test(action)) {
      top.push({ field: action.split('.').filter((part) => part !== '') });
    } else if (/^range \.[\w.]+$/.test(action)) {
      const node = { range: action.slice(6).split('.').filter((part) => part !== ''), body: [] as Node[] };
      top.push(node);
      ranges.push(node);
      stack.push(node.body);
    } else if (action === 'end' && ranges.length > 0) {
      ranges.pop();
      stack.pop();
    } else {
      throw new Error(`the ntfy stand-in does not implement the template action {{${action}}}`);
    }
  }
  if (ranges.length > 0) throw new Error('unterminated {{range}} in template');
  return stack[0];
}

function lookup(data: unknown, path: string[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), data);
}

function evaluate(nodes: Node[], data: unknown): string {
  return nodes.map((node) => {
    if ('text' in node) return node.text;
    if ('field' in node) {
      const value = lookup(data, node.field);
      return value === undefined ? '<no value>' : String(value);
    }
    const items = lookup(data, node.range);
    return Array.isArray(items) ? items.map((item) => evaluate(node.body, item)).join('') : '';
  }).join('');
}

/** Renders an ntfy message template against a JSON body, with ntfy's `\n` handling. */
export function renderNtfyTemplate(template: string, body: unknown): string {
  return evaluate(parse(template.replace(/\\n/g, '\n')), body);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface NtfyStandIn {
  readonly url: string;
  readonly received: NtfyPublish[];
  /** Resolves with the first publish (already received or not) that `match` accepts. */
  waitFor(match: (publish: NtfyPublish) => boolean, timeoutMs: number): Promise<NtfyPublish>;
  close(): Promise<void>;
}

export async function startNtfyStandIn(): Promise<NtfyStandIn> {
  const received: NtfyPublish[] = [];
  const waiters: { match: (publish: NtfyPublish) => boolean; resolve: (publish: NtfyPublish) => void; timer?: NodeJS.Timeout }[] = [];

  const server: Server = createServer((request, response) => {
    void readBody(request).then((text) => {
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const body: unknown = JSON.parse(text);
      const templated = url.searchParams.get('template') === 'yes';
      const publish: NtfyPublish = {
        topic: url.pathname.slice(1),
        query: url.searchParams,
        authorization: request.headers.authorization,
        body,
        title: templated ? renderNtfyTemplate(url.searchParams.get('title') ?? '', body) : url.searchParams.get('title') ?? '',
        message: templated ? renderNtfyTemplate(url.searchParams.get('message') ?? '', body) : text,
        priority: Number(url.searchParams.get('priority') ?? 3),
        tags: (url.searchParams.get('tags') ?? '').split(',').filter((tag) => tag !== ''),
      };
      received.push(publish);
      for (const waiter of [...waiters]) {
        if (waiter.match(publish)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          clearTimeout(waiter.timer);
          waiter.resolve(publish);
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"id":"stand-in"}');
    }).catch(() => {
      response.writeHead(400);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(match, timeoutMs) {
      const already = received.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter: (typeof waiters)[number] = { match, resolve };
        waiters.push(waiter);
        waiter.timer = setTimeout(() => {
          const index = waiters.indexOf(waiter);
          if (index >= 0) {
            waiters.splice(index, 1);
            const seen = received.map((publish) => publish.title).join(', ') || 'nothing';
            reject(new Error(`no matching ntfy publish within ${timeoutMs} ms; received: ${seen}`));
          }
        }, timeoutMs);
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
