// Certificates with chosen names and validity dates (including expired ones, through `openssl ca
// -selfsign`), served by `openssl s_server` on a free loopback port, for the TLS checks.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface Certificate {
  readonly cert: string;
  readonly key: string;
}

function opensslDate(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

/** A self-signed certificate for `host`, valid from `fromDays` to `toDays` days from now. */
export function makeCertificate(dir: string, host: string, fromDays: number, toDays: number): Certificate {
  const work = fs.mkdtempSync(path.join(dir, `cert-${host}-`));
  const key = path.join(work, 'key.pem');
  const cert = path.join(work, 'cert.pem');
  const request = path.join(work, 'request.csr');
  fs.writeFileSync(path.join(work, 'index.txt'), '');
  fs.writeFileSync(path.join(work, 'serial'), '01\n');
  fs.writeFileSync(
    path.join(work, 'ca.cnf'),
    ['[ca]', 'default_ca = self', '[self]', `database = ${work}/index.txt`, `new_certs_dir = ${work}`, `serial = ${work}/serial`,
      'default_md = sha256', 'policy = any', 'copy_extensions = copy', '[any]', 'commonName = supplied', ''].join('\n'),
  );
  const quiet = { stdio: 'pipe' as const };
  execFileSync('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key,
    '-out', request, '-subj', `/CN=${host}`, '-addext', `subjectAltName=DNS:${host}`], quiet);
  const day = 86400_000;
  execFileSync('openssl', ['ca', '-batch', '-config', path.join(work, 'ca.cnf'), '-selfsign', '-keyfile', key, '-in', request,
    '-out', cert, '-startdate', opensslDate(new Date(Date.now() + fromDays * day)),
    '-enddate', opensslDate(new Date(Date.now() + toDays * day))], quiet);
  return { cert, key };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TlsServer {
  readonly port: number;
  stop(): Promise<void>;
}

/** Serves `certificate` on 127.0.0.1 until stopped. */
export async function serveCertificate(certificate: Certificate): Promise<TlsServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'openssl',
    ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certificate.cert, '-key', certificate.key, '-quiet'],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`openssl s_server did not listen on ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
