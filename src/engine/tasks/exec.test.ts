import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildExecProcess, readBundleProcess, serializeProcess, type OciProcess } from './exec.js';

const base: OciProcess = {
  terminal: false,
  user: { uid: 1000, gid: 1000, additionalGids: [10] },
  args: ['nginx', '-g', 'daemon off;'],
  env: ['PATH=/usr/bin:/bin', 'HOME=/root', 'FOO=container'],
  cwd: '/srv',
  capabilities: { bounding: ['CAP_CHOWN'], effective: ['CAP_CHOWN'], permitted: ['CAP_CHOWN'] },
  noNewPrivileges: true,
  apparmorProfile: 'docker-default',
};

describe('buildExecProcess', () => {
  it('keeps the container\'s identity, cwd, caps and labels', () => {
    const p = buildExecProcess(base, { args: ['sh'] });
    expect(p).toMatchObject({
      args: ['sh'],
      user: { uid: 1000, gid: 1000, additionalGids: [10] },
      cwd: '/srv',
      capabilities: base.capabilities,
      noNewPrivileges: true,
      apparmorProfile: 'docker-default',
      terminal: false,
    });
    expect(p.env).toEqual(base.env);
  });

  it('adds and overrides env entries like docker exec -e', () => {
    const p = buildExecProcess(base, { args: ['env'], env: ['FOO=exec', 'BAR=1'] });
    expect(p.env).toEqual(['PATH=/usr/bin:/bin', 'HOME=/root', 'FOO=exec', 'BAR=1']);
  });

  it('supplies a PATH when the container has none', () => {
    const p = buildExecProcess({ ...base, env: [] }, { args: ['ls'] });
    expect(p.env?.[0]).toMatch(/^PATH=\/usr\/local\/sbin/);
  });

  it('takes -w, -u and -t', () => {
    const p = buildExecProcess(base, {
      args: ['sh'],
      cwd: '/tmp',
      user: { uid: 0, gid: 0 },
      terminal: true,
      consoleSize: { rows: 40, cols: 120 },
    });
    expect(p.cwd).toBe('/tmp');
    expect(p.user).toEqual({ uid: 0, gid: 0, additionalGids: [10] });
    expect(p.terminal).toBe(true);
    expect(p.consoleSize).toEqual({ height: 40, width: 120 });
  });

  it('grants the host\'s capabilities when privileged', () => {
    const host = ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'];
    const p = buildExecProcess(base, { args: ['sh'], privileged: true }, host);
    expect(p.capabilities).toEqual({ bounding: host, effective: host, permitted: host });
  });

  it('refuses an empty command', () => {
    expect(() => buildExecProcess(base, { args: [] })).toThrow(/no command/);
  });
});

describe('readBundleProcess / serializeProcess', () => {
  it('keeps 64-bit rlimits exact through the round trip', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'config.json'),
        '{"process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615},{"type":"RLIMIT_NOFILE","hard":1024,"soft":1024}]}}',
      );
      const p = await readBundleProcess(dir);
      const out = serializeProcess(buildExecProcess(p, { args: ['id'] }));
      expect(out).toContain('"hard":18446744073709551615,"soft":18446744073709551615');
      expect(out).toContain('"hard":1024');
      expect(JSON.parse(out).args).toEqual(['id']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
