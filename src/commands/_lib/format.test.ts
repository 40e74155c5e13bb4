import { describe, expect, it } from 'vitest';
import { findEngineError, hasCode } from '../../engine/errdefs.js';
import {
  formatInspect,
  formatListing,
  listingFieldsUsed,
  listingTemplateText,
  parseFormat,
  planListing,
  renderInspect,
  type ListingOptions,
} from './format.js';

interface Row {
  ID: string;
  Image: string;
  Names: string;
  Labels: string;
  Label: (k: string) => string;
}

function row(id: string, image: string, names: string, labels: Record<string, string> = {}): Row {
  return {
    ID: id,
    Image: image,
    Names: names,
    Labels: Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Label: (k: string) => labels[k] ?? '',
  };
}

const rows = [row('0123456789ab', 'nginx:latest', 'web', { 'com.docker.compose.project': 'demo' }), row('ba9876543210', 'busybox', 'job')];

const ps: ListingOptions<Row> = {
  defaultFormat: 'table {{.ID}}\t{{.Image}}\t{{.Names}}',
  headers: { ID: 'CONTAINER ID', Image: 'IMAGE', Names: 'NAMES', Labels: 'LABELS' },
  quietField: (r) => r.ID,
};

describe('formatListing', () => {
  it.each([
    ['the default table', {}, 'CONTAINER ID   IMAGE          NAMES\n0123456789ab   nginx:latest   web\nba9876543210   busybox        job\n'],
    ['--format table', { format: 'table' }, 'CONTAINER ID   IMAGE          NAMES\n0123456789ab   nginx:latest   web\nba9876543210   busybox        job\n'],
    ['-q', { quiet: true }, '0123456789ab\nba9876543210\n'],
    ['-q --format table', { quiet: true, format: 'table' }, '0123456789ab\nba9876543210\n'],
    ['a custom table', { format: 'table {{.Names}}\t{{.ID}}' }, 'NAMES     CONTAINER ID\nweb       0123456789ab\njob       ba9876543210\n'],
    ['literal \\t in a table', { format: 'table {{.Names}}\\t{{.Image}}' }, 'NAMES     IMAGE\nweb       nginx:latest\njob       busybox\n'],
    ['a raw template', { format: '{{.Names}}: {{.Image}}' }, 'web: nginx:latest\njob: busybox\n'],
    ['literal \\n in a raw template', { format: '{{.Names}}\\n{{.ID}}' }, 'web\n0123456789ab\njob\nba9876543210\n'],
    // Docker images/network ls: a custom format wins over -q.
    ['-q with a custom format', { quiet: true, format: '{{.Names}}' }, 'web\njob\n'],
    // Label method: the header is the key's last dotted part.
    ['a label column', { format: 'table {{.Names}}\t{{.Label "com.docker.compose.project"}}' }, 'NAMES     project\nweb       demo\njob       \n'],
    // A field without a header prints <no value> in the header row, as in Docker.
    ['a field without header', { format: 'table {{.Names}}\t{{.Label "x"}}\t{{.Foo2}}' }, undefined],
    // Header functions leave names intact; pad is applied to the header too.
    ['functions in a table', { format: 'table {{upper .Names}}\t{{pad .Image 1 1}}|' }, 'NAMES      IMAGE |\nWEB        nginx:latest |\nJOB        busybox |\n'],
  ] as [string, Partial<ListingOptions<Row>>, string | undefined][])('%s', (_name, opts, want) => {
    if (want === undefined) {
      expect(() => formatListing(rows, { ...ps, ...opts })).toThrow(/template parsing error: .*can't evaluate field Foo2/);
      return;
    }
    expect(formatListing(rows, { ...ps, ...opts })).toBe(want);
  });

  it('prints json one object per line with sorted keys', () => {
    const out = formatListing([{ Names: 'web', ID: 'abc', Size: 3 }], {
      format: 'json',
      defaultFormat: 'table {{.ID}}',
      headers: { ID: 'ID' },
      quietField: (r) => r.ID,
    });
    expect(out).toBe('{"ID":"abc","Names":"web","Size":3}\n');
    expect(formatListing([{ B: 1, A: '<x>' }], { format: '{{json .}}', defaultFormat: '', headers: {}, quietField: () => '' })).toBe('{"A":"<x>","B":1}\n');
  });

  it('keeps non-enumerable methods of an item callable and out of its JSON', () => {
    const item = { ID: 'x' };
    Object.defineProperty(item, 'Label', { value: (k: string) => `v-${k}`, enumerable: false });
    const opts = { defaultFormat: '', headers: {}, quietField: () => '' };
    expect(formatListing([item], { ...opts, format: '{{.Label "a"}} {{json .}}' })).toBe('v-a {"ID":"x"}\n');
  });

  it('prints the header alone for an empty table and nothing otherwise', () => {
    expect(formatListing([], ps)).toBe('CONTAINER ID   IMAGE     NAMES\n');
    expect(formatListing([], { ...ps, format: '{{.ID}}' })).toBe('');
    expect(formatListing([], { ...ps, format: 'json' })).toBe('');
  });

  it('prints <no value> for a header it does not know', () => {
    expect(formatListing([{ A: 'x', B: 'y' }], { defaultFormat: 'table {{.A}}\t{{.B}}', headers: { A: 'AAA' }, quietField: () => '' })).toBe(
      'AAA       <no value>\nx         y\n',
    );
  });

  it('lets ps give -q precedence over a custom format', () => {
    expect(formatListing(rows, { ...ps, quiet: true, format: '{{.Names}}', quietOverridesFormat: true })).toBe('0123456789ab\nba9876543210\n');
    expect(planListing({ ...ps, quiet: true, format: 'json', quietOverridesFormat: true }).quiet).toBe(true);
  });

  it.each([
    ['{{.Names', 'template parsing error: template: :1: unclosed action'],
    ['{{foo}}', 'template parsing error: template: :1: function "foo" not defined'],
    ['{{.Nope}}', 'template parsing error: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type formatter.Context'],
  ])('fails on %s with Docker wording', (format, msg) => {
    let err: unknown;
    try {
      formatListing(rows, { ...ps, format });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(msg);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });

  it('reports which fields a format reads', () => {
    expect([...listingFieldsUsed({ ...ps, format: 'table {{.ID}}\t{{.Size}}' })].sort()).toEqual(['ID', 'Size']);
    expect([...listingFieldsUsed(ps)].sort()).toEqual(['ID', 'Image', 'Names']);
    expect(listingFieldsUsed({ ...ps, quiet: true }).size).toBe(0);
  });
});

describe('listingTemplateText', () => {
  it.each([
    ['table', ''],
    ['json', '{{json .}}'],
    ['table {{.ID}}\\t{{.Names}}', '{{.ID}}\t{{.Names}}'],
    ['  {{.ID}}  ', '{{.ID}}'],
    ['{{.ID}}\\n', '{{.ID}}\n'],
    ['\t{{.ID}}', '\t{{.ID}}'],
  ])('%j -> %j', (format, want) => {
    expect(listingTemplateText(format)).toBe(want);
  });
});

const objects = [
  { Id: 'a1', Name: '/web', State: { Status: 'running' }, Config: { Labels: { z: '1', a: '<2>' }, Healthcheck: { Test: ['CMD-SHELL', 'a && b'] } } },
  { Id: 'b2', Name: '/db', State: { Status: 'exited' }, Config: { Labels: {} } },
];

describe('renderInspect and formatInspect', () => {
  it('prints an indented JSON array by default, with encoding/json escaping', () => {
    const out = formatInspect([objects[0]]);
    expect(out.startsWith('[\n    {\n        "Id": "a1",\n        "Name": "/web",')).toBe(true);
    expect(out).toContain('"Labels": {\n                "a": "\\u003c2\\u003e",\n                "z": "1"\n            }');
    expect(out).toContain('"a \\u0026\\u0026 b"');
    expect(out.endsWith('}\n]\n')).toBe(true);
  });

  it('prints [] for nothing', () => {
    expect(formatInspect([])).toBe('[]\n');
    expect(formatInspect([], 'json')).toBe('[]\n');
  });

  it('prints a compact array for --format json', () => {
    expect(formatInspect([{ Id: 'x' }, { Id: 'y' }], 'json')).toBe('[{"Id":"x"},{"Id":"y"}]\n');
  });

  it('executes a template per object', () => {
    expect(formatInspect(objects, '{{.Name}} {{.State.Status}} {{index .Config.Labels "z"}}')).toBe('/web running 1\n/db exited \n');
    expect(formatInspect(objects, '{{json .Config.Labels}}')).toBe('{"a":"<2>","z":"1"}\n{}\n');
  });

  it('falls back to the raw view with missingkey=error, as Docker does, and keeps the other objects', () => {
    const r = renderInspect(objects, '{{.Config.Healthcheck.Test}}');
    expect(r.output).toBe('[CMD-SHELL a && b]\n');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]?.message).toBe(
      'template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Test>: map has no entry for key "Healthcheck"',
    );
    expect(() => formatInspect(objects, '{{.Nope}}')).toThrow('map has no entry for key "Nope"');
  });

  it('prints an empty line when every object failed', () => {
    expect(renderInspect([{ A: 1 }], '{{.B}}').output).toBe('\n');
  });

  it('fails on a template that does not parse, with exit status 64 as Docker', () => {
    let err: unknown;
    try {
      renderInspect(objects, '{{.Name');
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe('template parsing error: template: :1: unclosed action');
    expect(findEngineError(err)?.exitCode).toBe(64);
  });
});

describe('parseFormat', () => {
  it('validates a format up front', () => {
    expect(parseFormat('{{.ID}}').execute({ ID: 'x' })).toBe('x');
    expect(() => parseFormat('{{if}}')).toThrow('template parsing error: template: :1: missing value for if');
  });
});
