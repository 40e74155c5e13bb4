/**
 * Shared pieces of the image integration tests: a private CLI environment per test, "nothing left behind" checks,
 * and a small HTTP proxy in front of a real registry that can corrupt or slow down a chosen blob.
 */
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'vitest';
import type { TestEnv } from '../helpers/cli.js';

/** Names of entries in a directory (none when it does not exist). */
export function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Asserts that the environment holds no images, content, snapshots or ingests. */
export async function expectNothingLeft(env: TestEnv): Promise<void> {
  expect((await env.ok(['images', '-q'])).trim()).toBe('');
  expect((await env.ok(['content', 'ls', '-q'])).trim()).toBe('');
  expect((await env.ok(['snapshot', 'ls', '-q'])).trim()).toBe('');
  expect(entries(path.join(env.dataRoot, 'content', 'blobs', 'sha256'))).toEqual([]);
  expect(entries(path.join(env.dataRoot, 'content', 'ingest'))).toEqual([]);
  expect(entries(path.join(env.dataRoot, 'snapshots', 'overlayfs')).filter((n) => /^\d+$/.test(n))).toEqual([]);
}

/** What the proxy does with one blob. */
export interface BlobRule {
  /** Flip one byte in the middle (same size, other digest). */
  corrupt?: boolean;
  /** Send at most this many bytes per second. */
  bytesPerSecond?: number;
}

/** One request the proxy forwarded. */
export interface ProxiedRequest {
  method: string;
  url: string;
  range: string | undefined;
  /** Body bytes sent to the client. */
  sent: number;
}

export interface RegistryProxy {
  readonly host: string;
  readonly requests: ProxiedRequest[];
  /** Rules by blob digest; change them at any time. */
  readonly rules: Map<string, BlobRule>;
  close(): Promise<void>;
}

/** An HTTP proxy to `upstream` (`127.0.0.1:<port>`) applying {@link BlobRule}s to blob GETs. */
export async function startRegistryProxy(upstream: string): Promise<RegistryProxy> {
  const requests: ProxiedRequest[] = [];
  const rules = new Map<string, BlobRule>();
  const [uhost, uport] = upstream.split(':');
  const server = http.createServer((req, res) => {
    const record: ProxiedRequest = { method: req.method ?? '', url: req.url ?? '', range: req.headers.range, sent: 0 };
    requests.push(record);
    const digest = /\/blobs\/(sha256:[a-f0-9]{64})$/.exec(req.url ?? '')?.[1];
    const rule = digest !== undefined ? rules.get(digest) : undefined;
    const up = http.request(
      { host: uhost, port: Number(uport), method: req.method, path: req.url, headers: { ...req.headers, host: upstream } },
      (ures) => {
        // Redirects to blob storage stay on the registry; pass everything else through.
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        if (rule === undefined || req.method !== 'GET' || (ures.statusCode !== 200 && ures.statusCode !== 206)) {
          ures.on('data', (c: Buffer) => (record.sent += c.length));
          ures.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        ures.on('data', (c: Buffer) => chunks.push(c));
        ures.on('end', () => {
          const body = Buffer.concat(chunks);
          if (rule.corrupt && body.length > 0) body[Math.floor(body.length / 2)]! ^= 0xff;
          const rate = rule.bytesPerSecond;
          if (rate === undefined) {
            record.sent += body.length;
            res.end(body);
            return;
          }
          const step = Math.max(1024, Math.floor(rate / 20));
          let off = 0;
          const tick = () => {
            if (res.destroyed) return;
            const slice = body.subarray(off, off + step);
            off += slice.length;
            record.sent += slice.length;
            if (off >= body.length) res.end(slice);
            else res.write(slice, () => setTimeout(tick, 50));
          };
          tick();
        });
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    rules,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
