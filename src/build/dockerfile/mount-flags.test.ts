import { describe, expect, it } from 'vitest';
import { parseCsvRecord, parseMountSpec, parseRamSize, resolveMount, type RunMount } from './mount-flags.js';
import { envFrom, expandWord } from './shell-lexer.js';

const env = envFrom({ T: 'cache', DIR: '/root/.cache', ID: 'mine' });
const expand = (w: string) => expandWord(w, env);
const resolve = (raw: string, sshIndex = 0): RunMount => resolveMount(parseMountSpec(raw), expand, sshIndex);

describe('parseCsvRecord', () => {
  it.each([
    ['a=1,b=2', ['a=1', 'b=2']],
    ['"a=1,2",b', ['a=1,2', 'b']],
    ['"say ""hi""",x', ['say "hi"', 'x']],
    ['a,,b', ['a', '', 'b']],
    ['a=1,', ['a=1', '']],
    ['', []],
  ])('%s -> %j', (line, fields) => {
    expect(parseCsvRecord(line)).toEqual(fields);
  });

  it.each([
    ['a="b",c', /bare " in non-quoted-field/],
    ['"ab"c', /extraneous or missing " in quoted-field/],
    ['"abc', /extraneous or missing " in quoted-field/],
  ])('rejects %s', (line, re) => {
    expect(() => parseCsvRecord(line)).toThrow(re);
  });
});

describe('resolveMount', () => {
  it.each<[string, RunMount]>([
    ['target=/src', { type: 'bind', target: '/src', source: '/', readOnly: true }],
    ['type=bind,src=app,dst=/app,from=build,rw', { type: 'bind', target: '/app', source: 'app', from: 'build', readOnly: false }],
    ['type=bind,source=a,destination=/b,readwrite=true', { type: 'bind', target: '/b', source: 'a', readOnly: false }],
    ['type=bind,target=/b,ro=false', { type: 'bind', target: '/b', source: '/', readOnly: false }],
    [
      'type=$T,target=$DIR',
      { type: 'cache', target: '/root/.cache', id: '/root/.cache', sharing: 'shared', source: '/', readOnly: false, mode: 0o755, uid: 0, gid: 0 },
    ],
    [
      'type=cache,target=/c/../d/,id=$ID,sharing=LOCKED,mode=0700,uid=1000,gid=1001,from=base,source=/seed,ro',
      { type: 'cache', target: '/c/../d/', id: 'mine', sharing: 'locked', from: 'base', source: '/seed', readOnly: true, mode: 0o700, uid: 1000, gid: 1001 },
    ],
    [
      'type=cache,target=/c/../d/',
      { type: 'cache', target: '/c/../d/', id: '/d', sharing: 'shared', source: '/', readOnly: false, mode: 0o755, uid: 0, gid: 0 },
    ],
    ['type=tmpfs,target=/t,size=64m', { type: 'tmpfs', target: '/t', size: 64 * 1024 * 1024, readOnly: false }],
    ['type=tmpfs,target=/t', { type: 'tmpfs', target: '/t', readOnly: false }],
    ['type=secret,id=aws', { type: 'secret', id: 'aws', target: '/run/secrets/aws', required: false, mode: 0o400, uid: 0, gid: 0 }],
    ['type=secret,target=/etc/token', { type: 'secret', id: 'token', target: '/etc/token', required: false, mode: 0o400, uid: 0, gid: 0 }],
    ['type=secret,source=tok,required', { type: 'secret', id: 'tok', target: '/run/secrets/tok', required: true, mode: 0o400, uid: 0, gid: 0 }],
    ['type=secret,id=k,env=API_KEY,required=true,mode=0440,uid=1', { type: 'secret', id: 'k', env: 'API_KEY', required: true, mode: 0o440, uid: 1, gid: 0 }],
    ['type=ssh', { type: 'ssh', id: 'default', target: '/run/buildkit/ssh_agent.0', required: false, mode: 0o600, uid: 0, gid: 0 }],
    ['TYPE=SSH,id=gh,target=/s.sock,required', { type: 'ssh', id: 'gh', target: '/s.sock', required: true, mode: 0o600, uid: 0, gid: 0 }],
  ])('%s', (raw, mount) => {
    expect(resolve(raw)).toEqual(mount);
  });

  it('numbers default ssh sockets by their position', () => {
    expect(resolve('type=ssh', 2)).toMatchObject({ target: '/run/buildkit/ssh_agent.2' });
  });

  it('does not expand from=', () => {
    expect(resolve('type=bind,target=/x,from=$')).toMatchObject({ from: '$' });
  });

  it.each([
    ['type=volume,target=/x', 'unsupported mount type "volume"'],
    ['type=cach,target=/x', 'unsupported mount type "cach" (did you mean cache?)'],
    ['type=bind,target=/x,sharing=shared', 'invalid cache sharing set for bind mount'],
    ['type=cache,target=/x,sharing=sometimes', 'unsupported sharing value "sometimes"'],
    ['type=bind,target=/x,mode=0700', 'mode not allowed for "bind" type mounts'],
    ['type=tmpfs,target=/x,uid=1', 'uid not allowed for "tmpfs" type mounts'],
    ['type=bind,target=/x,gid=1', 'gid not allowed for "bind" type mounts'],
    ['type=bind,target=/x,size=1m', "unexpected key 'size' for mount type 'bind'"],
    ['type=bind,target=/x,required', "unexpected key 'required' for mount type 'bind'"],
    ['type=cache,target=/x,mode=999', 'invalid value 999 for mode'],
    ['type=cache,target=/x,uid=-1', 'invalid value -1 for uid'],
    ['type=bind,target=/x,ro=maybe', 'invalid value for ro: maybe'],
    ['type=bind,target=/x,bogus', "invalid field 'bogus' must be a key=value pair"],
    ['type=bind,targt=/x', "unexpected key 'targt' in 'targt=/x' (did you mean target?)"],
    ['type=secret', 'invalid secret mount. one of source, target required'],
    ['type=secret,id=a,source=b', "both source and id can't be set"],
    ['type=secret,id=a,from=x', 'secret mount should not have a from'],
    ['type=secret,id=a,sharing=shared', 'secret mount should not define sharing'],
    ['type=ssh,source=x', 'ssh does not support source'],
    ['type=tmpfs,target=/x,size=lots', 'invalid value for size: lots'],
  ])('%s fails: %s', (raw, message) => {
    expect(() => resolve(raw)).toThrow(message);
  });
});

describe('parseRamSize', () => {
  it.each([
    ['1024', 1024],
    ['1k', 1024],
    ['64m', 64 * 1024 ** 2],
    ['1.5g', 1.5 * 1024 ** 3],
    ['2GiB', 2 * 1024 ** 3],
  ])('%s -> %d', (s, n) => {
    expect(parseRamSize(s)).toBe(n);
  });
});
