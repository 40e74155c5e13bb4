// The wrapper's shutdown paths against a local SEQPACKET server (no root needed). conmon itself is exercised by
// test/tasks; here each path that once crashed or hung the process is pinned down.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SeqpacketServer, type SeqpacketSocket } from 'node-unix-socket';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { connectSeqpacket } from './seqpacket.js';

let dir: string;
let server: SeqpacketServer | undefined;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seqpacket-'));
});
afterEach(() => {
  server?.close();
  server = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

function listen(socketPath: string, onConn: (s: SeqpacketSocket) => void): void {
  server = new SeqpacketServer();
  server.on('connection', (s: SeqpacketSocket) => {
    s.on('error', () => {});
    onConn(s);
  });
  server.listen(socketPath);
}

const later = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('connectSeqpacket', () => {
  it('receives every packet before the peer closes, then ends with eof', async () => {
    const sock = path.join(dir, 's');
    listen(sock, (s) => {
      s.write(Buffer.from('one'));
      s.write(Buffer.from('two'));
      setTimeout(() => s.destroy(), 20);
    });
    const got: string[] = [];
    const c = await connectSeqpacket(sock, { onPacket: (p) => got.push(p.toString()) });
    expect(await c.done).toEqual({ reason: 'eof' });
    expect(got).toEqual(['one', 'two']);
  });

  it('survives close() from inside the packet handler', async () => {
    const sock = path.join(dir, 's');
    listen(sock, (s) => {
      for (let i = 0; i < 5; i++) s.write(Buffer.from(`p${i}`));
    });
    const got: string[] = [];
    let closeIt: () => void = () => {};
    const c = await connectSeqpacket(sock, {
      onPacket: (p) => {
        got.push(p.toString());
        closeIt();
      },
    });
    closeIt = () => c.close();
    expect((await c.done).reason).toBe('closed');
    expect(got[0]).toBe('p0');
    // The process is still alive and the loop still turns.
    await later();
  });

  it('half-closes: the peer sees end of input and can still send', async () => {
    const sock = path.join(dir, 's');
    const seen: string[] = [];
    listen(sock, (s) => {
      s.on('data', (d: Buffer) => seen.push(d.toString()));
      s.on('end', () => {
        seen.push('<eof>');
        s.write(Buffer.from('reply'));
        setTimeout(() => s.destroy(), 20);
      });
    });
    const got: string[] = [];
    const c = await connectSeqpacket(sock, { onPacket: (p) => got.push(p.toString()) });
    c.send(Buffer.from('hello'));
    c.endInput();
    c.send(Buffer.from('dropped after end'));
    expect((await c.done).reason).toBe('eof');
    expect(seen).toEqual(['hello', '<eof>']);
    expect(got).toEqual(['reply']);
  });

  it('ends quietly when the peer vanishes while we write', async () => {
    const sock = path.join(dir, 's');
    listen(sock, (s) => setTimeout(() => s.destroy(), 10));
    const c = await connectSeqpacket(sock, { onPacket: () => {} });
    for (let i = 0; i < 20; i++) {
      c.send(Buffer.from('x'));
      await later(5);
    }
    expect(['eof', 'error']).toContain((await c.done).reason);
  });

  it('reaches a socket whose path is longer than sun_path', async () => {
    const deep = path.join(dir, 'x'.repeat(60), 'y'.repeat(60));
    fs.mkdirSync(deep, { recursive: true });
    const sock = path.join(deep, 'attach');
    expect(Buffer.byteLength(sock)).toBeGreaterThan(107);
    // Bind through /proc/self/fd as conmon does.
    const fd = fs.openSync(deep, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      listen(`/proc/self/fd/${fd}/attach`, (s) => {
        s.write(Buffer.from('far'));
        setTimeout(() => s.destroy(), 10);
      });
    } finally {
      fs.closeSync(fd);
    }
    const got: string[] = [];
    const c = await connectSeqpacket(sock, { onPacket: (p) => got.push(p.toString()) });
    await c.done;
    expect(got).toEqual(['far']);
  });

  it('rejects with not-found when there is no socket', async () => {
    await expect(connectSeqpacket(path.join(dir, 'none'), { onPacket: () => {} })).rejects.toSatisfy((e) =>
      hasCode(e, 'not-found'),
    );
  });

  it('rejects with unavailable when nobody listens', async () => {
    const sock = path.join(dir, 's');
    listen(sock, () => {});
    server?.close();
    server = undefined;
    await expect(connectSeqpacket(sock, { onPacket: () => {} })).rejects.toSatisfy((e) => hasCode(e, 'unavailable'));
  });

  it('close() twice and after the end is harmless', async () => {
    const sock = path.join(dir, 's');
    listen(sock, () => {});
    const c = await connectSeqpacket(sock, { onPacket: () => {} });
    c.close();
    c.close();
    expect((await c.done).reason).toBe('closed');
    c.close();
    c.send(Buffer.from('ignored'));
    c.endInput();
  });
});
