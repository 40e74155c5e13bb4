import { describe, expect, it } from 'vitest';
import { applyChmod, parseChmod, parseExposePorts, parseGoDuration, parseSignal } from './values.js';

describe('parseGoDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30e9],
    ['1m30s', 90e9],
    ['1.5h', 5400e9],
    ['300ms', 300e6],
    ['10us', 10e3],
    ['10µs', 10e3],
    ['7ns', 7],
    ['-2s', -2e9],
    ['.5s', 500e6],
  ])('%s -> %d ns', (s, ns) => {
    expect(parseGoDuration(s)).toBe(ns);
  });

  it.each([
    ['', 'time: invalid duration ""'],
    ['s', 'time: invalid duration "s"'],
    ['10', 'time: missing unit in duration "10"'],
    ['10x', 'time: unknown unit "x" in duration "10x"'],
    ['1..2s', 'time: missing unit in duration "1..2s"'],
    ['x1s', 'time: invalid duration "x1s"'],
  ])('%j fails: %s', (s, message) => {
    expect(() => parseGoDuration(s)).toThrow(message);
  });
});

describe('parseExposePorts', () => {
  it('expands protocols, ranges and several words', () => {
    expect(parseExposePorts(['80', '53/UDP', '8000-8002/tcp', '132/sctp'])).toEqual([
      '80/tcp',
      '53/udp',
      '8000/tcp',
      '8001/tcp',
      '8002/tcp',
      '132/sctp',
    ]);
  });

  it('tolerates an ip:host: prefix as Docker does', () => {
    expect(parseExposePorts(['127.0.0.1:8080:80', '9000:90/udp'])).toEqual(['80/tcp', '90/udp']);
  });

  it.each([
    ['abc', 'invalid containerPort: abc'],
    ['70000', 'invalid containerPort: 70000'],
    ['90-80', 'invalid containerPort: 90-80'],
    ['80/foo', 'invalid port: "80/foo": invalid proto: foo'],
    ['80/', 'invalid port: "80/": no protocol specified'],
    ['/tcp', 'invalid port: "/tcp": no port specified'],
  ])('%s fails: %s', (word, message) => {
    expect(() => parseExposePorts([word])).toThrow(message);
  });
});

describe('parseSignal', () => {
  it.each([
    ['SIGTERM', 15],
    ['term', 15],
    ['SIGKILL', 9],
    ['9', 9],
    ['SIGRTMIN+3', 37],
    ['SIGUSR1', 10],
  ])('%s -> %d', (s, n) => {
    expect(parseSignal(s)).toBe(n);
  });

  it.each(['SIGFOO', '0', '', 'TERM9'])('rejects %j', (s) => {
    expect(() => parseSignal(s)).toThrow(`Invalid signal: ${s}`);
  });
});

describe('parseChmod and applyChmod', () => {
  it.each([
    ['755', { kind: 'octal', mode: 0o755 }],
    ['0644', { kind: 'octal', mode: 0o644 }],
    ['7777', { kind: 'octal', mode: 0o7777 }],
    ['u=rwX,go=rX', { kind: 'symbolic', expression: 'u=rwX,go=rX' }],
    ['+x', { kind: 'symbolic', expression: '+x' }],
    ['a-w', { kind: 'symbolic', expression: 'a-w' }],
    ['g=u', { kind: 'symbolic', expression: 'g=u' }],
  ])('%s', (value, spec) => {
    expect(parseChmod(value)).toEqual(spec);
  });

  it.each([
    ['17777', "invalid chmod parameter: '17777'. it should be octal string and between 0 and 07777"],
    ['0789', "invalid chmod parameter: '0789'. it should be octal string and between 0 and 07777"],
    ['u=rwq', "invalid chmod parameter: 'u=rwq'"],
    ['', "invalid chmod parameter: ''"],
  ])('rejects %j', (value, message) => {
    expect(() => parseChmod(value)).toThrow(message);
  });

  it.each([
    ['755', 0o600, false, 0o755],
    ['+x', 0o644, false, 0o755],
    ['u=rwX,go=rX', 0o600, false, 0o644],
    ['u=rwX,go=rX', 0o700, false, 0o755],
    ['u=rwX,go=rX', 0o600, true, 0o755],
    ['a-w', 0o777, false, 0o555],
    ['g=u', 0o640, false, 0o660],
    ['u+s,o+t', 0o755, false, 0o5755],
    ['o=', 0o777, false, 0o770],
  ])('%s on %o (dir=%s) -> %o', (value, mode, dir, out) => {
    expect(applyChmod(parseChmod(value), mode, dir)).toBe(out);
  });
});
