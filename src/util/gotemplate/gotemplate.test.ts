import { describe, expect, it } from 'vitest';
import { goMap, goStruct, parseTemplate, renderTemplate, TemplateError } from './index.js';
import { hasCode } from '../../engine/errdefs.js';

// The expected outputs and error messages below were checked against Docker 28's CLI (Go 1.24 text/template),
// `docker context ls --format '<template>'` over a row with these fields.
const row = {
  Name: 'default',
  Description: 'Current DOCKER_HOST based configuration',
  DockerEndpoint: 'unix:///var/run/docker.sock',
  Error: '',
  Current: true,
};

const inspect = {
  Id: 'abc123',
  Name: '/web',
  State: { Status: 'running', Running: true, Pid: 42, Health: null },
  Config: {
    Image: 'nginx:latest',
    Env: ['A=1', 'B=2'],
    Labels: { 'com.docker.compose.project': 'demo', 'com.example.vendor': 'ACME' },
    ExposedPorts: { '80/tcp': {}, '443/tcp': {} },
  },
  NetworkSettings: {
    Networks: { bridge: { IPAddress: '10.4.0.2', Gateway: '10.4.0.1' }, front: { IPAddress: '10.5.0.3', Gateway: '10.5.0.1' } },
  },
  Mounts: [
    { Type: 'volume', Source: '/var/lib/x', Destination: '/data' },
    { Type: 'bind', Source: '/src', Destination: '/app' },
  ],
};

describe('gotemplate: output', () => {
  it.each([
    ['{{.Name}}|{{.Current}}', 'default|true'],
    ['{{ .Name }} {{- " x " -}} {{ .Name }}', 'default x default'],
    ['a {{- /* comment */ -}} b', 'ab'],
    ['{{/* comment */}}x', 'x'],
    ['a  {{- .Name}}', 'adefault'],
    ['{{.Name -}}  \n  b', 'defaultb'],
    ['{{-3}}', '-3'],
    ['{{ if eq .Name "default" }}yes{{ else if .Current }}cur{{ else }}no{{ end }}', 'yes'],
    ['{{ if eq .Name "x" }}yes{{ else if .Current }}cur{{ else }}no{{ end }}', 'cur'],
    ['{{ if .Error }}yes{{ else }}no{{ end }}', 'no'],
    ['{{range $i, $v := split "a,b,c" ","}}{{$i}}={{$v}};{{end}}', '0=a;1=b;2=c;'],
    ['{{range split "a,b,c" ","}}[{{.}}|{{$.Name}}]{{else}}empty{{end}}', '[a|default][b|default][c|default]'],
    ['{{range split "" ","}}[{{.}}]{{else}}empty{{end}}', '[]'],
    ['{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '2'],
    ['{{ $x := "a" }}{{ range split "b c" " " }}{{ $x = . }}{{ end }}{{ $x }}', 'c'],
    ['{{ print 1 2 "a" "b" 3 true nil }}', '1 2ab3 true <nil>'],
    ['{{ println 1 "a" 2 }}', '1 a 2\n'],
    ['{{ len .Name }} {{ len (split "a b c" " ") }}', '7 3'],
    ['{{ index (split "a b c" " ") 1 }} {{ index .Name 0 }}', 'b 100'],
    ['{{ slice .Name 1 3 }} {{ slice (split "a b c d" " ") 1 3 }} {{ slice .Name 2 }}', 'ef [b c] fault'],
    ['{{ join (split "a b c" " ") "-" }} {{ upper .Name }} {{ lower "ABC" }} {{ title "hello world-foo_bar" }}', 'a-b-c DEFAULT abc Hello World-Foo_bar'],
    ['{{ pad .Name 2 3 }}|{{ pad "" 2 3 }}|{{ truncate .Name 3 }}|{{ truncate .Name 30 }}', '  default   ||def|default'],
    ['{{ and 1 0 "x" }} {{ or 0 "" "y" }} {{ not "" }}', '0 y true'],
    ['{{ eq 1 2 3 1 }} {{ ne "a" "b" }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt "b" "a" }} {{ ge 1 2 }}', 'true true true true true false'],
    ['{{ .Name | printf "%s!" | upper }}', 'DEFAULT!'],
    ['{{ (split "a b" " ") }} {{ (index (split "a b" " ") 0) }}', '[a b] a'],
    ['{{ with .Name }}[{{.}}]{{end}}{{ with .Error }}[{{.}}]{{else}}noerr{{end}}', '[default]noerr'],
    ['{{ if and .Current (eq .Error "") }}ok{{end}}', 'ok'],
    ['{{ range 3 }}{{.}}{{end}}', '012'],
    ['{{ range $i, $e := split "a b c d" " " }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $e }}{{ end }}', 'ab'],
    ['{{ range $i, $e := split "a b c d" " " }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $e }}{{ end }}', 'acd'],
    ['{{ .Name | len | printf "%03d" }}', '007'],
    ['{{ printf "%v" (len .Name) | printf "<%s>" }}', '<7>'],
    ['{{ with $x := .Name }}{{ $x }}{{ . }}{{ end }}', 'defaultdefault'],
    ['{{ if $x := .Current }}{{ $x }}{{ end }}', 'true'],
    ['{{ .Name | }}', 'default'],
    ["{{ 'a' }} {{ 0x1F }} {{ 1_000 }} {{ -5 }} {{ .5 }} {{ 1e3 }} {{ 0o17 }} {{ 0b101 }} {{ 017 }}", '97 31 1000 -5 0.5 1000 15 5 15'],
    ['{{ `raw\\n` }} {{ "esc\\u00e9\\x41\\101" }}', 'raw\\n escéAA'],
    ['{{ define "x" }}X{{ .Name }}{{ end }}{{ template "x" . }}', 'Xdefault'],
    ['{{ block "b" .Name }}[{{ . }}]{{ end }}', '[default]'],
    ['{{ printf "%s" (split "a b" " ") }} {{ printf "%q" (split "a b" " ") }}', '[a b] ["a" "b"]'],
    ['{{ html "<a href=\'x\'>&" }} {{ urlquery "a b&c=d/é" }} {{ js "a\'b\\"c<d>" }}', "&lt;a href=&#39;x&#39;&gt;&amp; a+b%26c%3Dd%2F%C3%A9 a\\'b\\\"c\\u003Cd\\u003E"],
    ['{{ $.Name }} {{ $.Current }}', 'default true'],
    ['{{range $i, $a := split "a b" " "}}{{range $j, $b := split "x y" " "}}{{$i}}{{$a}}{{$j}}{{$b}}{{$.Name}} {{end}}{{end}}', '0a0xdefault 0a1ydefault 1b0xdefault 1b1ydefault '],
    ['{{ if .Current }}\n  {{- .Name -}}\n{{ end }}', 'default'],
    ['{{ 1.5e3 }} {{ 0x10 }} {{ 1e100 }} {{ 9223372036854775807 }}', '1500 16 1e+100 9223372036854775807'],
    ['{{ printf "%s"\n .Name }}', 'default'],
    ['a\n  {{- /* c */}}\n  b', 'a\n  b'],
    ['{{ $x := 1 }}{{ if true }}{{ $x := 2 }}{{ $x }}{{ end }}{{ $x }}', '21'],
    ['{{ if eq .Name "a" "b" "default" }}in{{ end }}', 'in'],
    ['{{ printf "%T %T %T %T" .Name .Current 1 (split .Name "e") }}', 'string bool int []string'],
    ['{{ with .Name }}{{ else with .Error }}{{ end }}', ''],
    ['{{ .Name | printf "%s %s" "x" }}', 'x default'],
  ])('%s', (tmpl, want) => {
    expect(renderTemplate(tmpl, row)).toBe(want);
  });
});

describe('gotemplate: inspect-shaped data', () => {
  it.each([
    ['{{.State.Status}} {{.State.Pid}}', 'running 42'],
    ['{{.Config.Labels.missing}}', '<no value>'],
    ['{{index .Config.Labels "com.docker.compose.project"}}', 'demo'],
    // index on a missing key gives the map's zero value: "" for a map of strings, as Go's map[string]string.
    ['[{{index .Config.Labels "nope"}}]', '[]'],
    ['{{.Config.Labels}}', 'map[com.docker.compose.project:demo com.example.vendor:ACME]'],
    ['{{.Config.Env}}', '[A=1 B=2]'],
    ['{{json .Config.Labels}}', '{"com.docker.compose.project":"demo","com.example.vendor":"ACME"}'],
    ['{{json .State}}', '{"Status":"running","Running":true,"Pid":42,"Health":null}'],
    ['{{json .Mounts}}', '[{"Type":"volume","Source":"/var/lib/x","Destination":"/data"},{"Type":"bind","Source":"/src","Destination":"/app"}]'],
    ['{{range $p, $conf := .Config.ExposedPorts}}{{$p}} {{end}}', '443/tcp 80/tcp '],
    ['{{range $name, $n := .NetworkSettings.Networks}}{{$name}}={{$n.IPAddress}};{{end}}', 'bridge=10.4.0.2;front=10.5.0.3;'],
    ['{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}', '10.4.0.2 10.5.0.3 '],
    ['{{(index .NetworkSettings.Networks "bridge").Gateway}}', '10.4.0.1'],
    ['{{with index .NetworkSettings.Networks "none"}}{{.IPAddress}}{{else}}no net{{end}}', 'no net'],
    ['{{.NetworkSettings.Networks.none.IPAddress}}', '<no value>'],
    ['{{range .Mounts}}{{if eq .Type "bind"}}{{.Source}}:{{.Destination}}{{end}}{{end}}', '/src:/app'],
    ['{{range $i, $m := .Mounts}}{{if $i}},{{end}}{{$m.Destination}}{{end}}', '/data,/app'],
    ['{{join .Config.Env ","}}', 'A=1,B=2'],
    ['{{len .Config.Labels}} {{len .Mounts}}', '2 2'],
    ['{{.State.Health}}', '<nil>'],
    ['{{if .State.Health}}h{{else}}no health{{end}}', 'no health'],
    ['{{.State}}', '{running true 42 <nil>}'],
    ['{{printf "%+v" .State}}', '{Status:running Running:true Pid:42 Health:<nil>}'],
    ['{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}\n{{end}}', 'com.docker.compose.project=demo\ncom.example.vendor=ACME\n'],
    ['{{ .Config.Image | printf "%.5s" }}', 'nginx'],
  ])('%s', (tmpl, want) => {
    expect(renderTemplate(tmpl, inspect)).toBe(want);
  });

  it('calls methods on the data, with arguments', () => {
    const ctx = {
      ID: 'abc',
      Labels: 'a=1,b=2',
      Label(name: string): string {
        return name === 'com.docker.compose.project' ? 'demo' : '';
      },
    };
    expect(renderTemplate('{{.ID}} {{.Label "com.docker.compose.project"}}|{{.Label "x"}}|', ctx)).toBe('abc demo||');
    expect(renderTemplate('{{"com.docker.compose.project" | .Label}}', ctx)).toBe('demo');
  });

  it('reads class getters and methods', () => {
    class Ctx {
      get Names(): string {
        return 'web';
      }
      Size(): string {
        return '1kB';
      }
    }
    expect(renderTemplate('{{.Names}} {{.Size}}', new Ctx())).toBe('web 1kB');
  });

  it('ranges over a Map in key order and prints it as a Go map', () => {
    const m = new Map([
      ['b', 2],
      ['a', 1],
    ]);
    expect(renderTemplate('{{range $k, $v := .}}{{$k}}{{$v}}{{end}} {{.}}', m)).toBe('a1b2 map[a:1 b:2]');
  });

  it('honours goMap and goStruct markers', () => {
    const labels = goMap({ Maintainer: 'me' });
    expect(renderTemplate('{{.Labels.Missing}}', { Labels: labels })).toBe('<no value>');
    const st = goStruct({ a: 1 }, 'types.Thing');
    expect(() => renderTemplate('{{.b}}', st)).toThrow("can't evaluate field b in type types.Thing");
  });

  it('prints a Date as Go prints a time.Time', () => {
    expect(renderTemplate('{{.}}', new Date('2024-01-02T03:04:05.120Z'))).toBe('2024-01-02 03:04:05.12 +0000 UTC');
    expect(renderTemplate('{{json .}}', new Date('2024-01-02T03:04:05Z'))).toBe('"2024-01-02T03:04:05Z"');
  });

  it('missingkey=error and raw maps, as Docker falls back to the raw JSON', () => {
    const t = parseTemplate('{{.Config.Labels.Nope}}');
    expect(t.execute(inspect)).toBe('<no value>');
    expect(() => t.execute(inspect, { missingKey: 'error', rawMaps: true })).toThrow('map has no entry for key "Nope"');
    // A struct-like object has no such field: an error unless read as a raw map.
    expect(() => parseTemplate('{{.Config.Nope}}').execute(inspect)).toThrow("can't evaluate field Nope in type struct");
    expect(() => parseTemplate('{{.Nope}}').execute(inspect, { rawMaps: true, missingKey: 'error' })).toThrow(
      'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"',
    );
  });

  it('lists the fields a template reads', () => {
    expect([...parseTemplate('{{.ID}} {{with .State}}{{.Status}}{{end}} {{$.Size}} {{index .Labels "x"}}').fieldsUsed()].sort()).toEqual([
      'ID',
      'Labels',
      'Size',
      'State',
      'Status',
    ]);
  });

  it('keeps partial output on an execution error', () => {
    const r = parseTemplate('a{{.Name}}b{{.Foo}}c').executePartial(row);
    expect(r.output).toBe('adefaultb');
    expect(r.error?.message).toMatch(/can't evaluate field Foo/);
  });

  it('accepts replacement functions at execution time', () => {
    const t = parseTemplate('{{upper .Name}}');
    expect(t.execute(row, { funcs: { upper: (s: unknown) => `<${String(s)}>` } })).toBe('<default>');
  });

  it('does not evaluate the rest of and/or once decided', () => {
    let calls = 0;
    const data = {
      F() {
        calls++;
        return true;
      },
    };
    expect(renderTemplate('{{or true .F}} {{and false .F}}', data)).toBe('true false');
    expect(calls).toBe(0);
  });
});

describe('gotemplate: execution errors', () => {
  it.each([
    ['{{.Foo}}', 'template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type struct'],
    ['{{.Name.Foo}}', 'template: :1:7: executing "" at <.Name.Foo>: can\'t evaluate field Foo in type string'],
    ['{{ .Name.Foo.Bar }}', 'template: :1:8: executing "" at <.Name.Foo.Bar>: can\'t evaluate field Foo in type string'],
    ['{{ $v := .Name }}{{ $v.Foo }}', 'template: :1:22: executing "" at <$v.Foo>: can\'t evaluate field Foo in type string'],
    ['{{ .Current.X }}', 'template: :1:11: executing "" at <.Current.X>: can\'t evaluate field X in type bool'],
    ['{{ (.Name).X }}', 'template: :1:4: executing "" at <.Name>: can\'t evaluate field X in type string'],
    ['{{ index (split "a b c" " ") 5 }}', 'template: :1:3: executing "" at <index (split "a b c" " ") 5>: error calling index: index out of range: 5'],
    ['{{ slice .Name 3 1 }}', 'template: :1:3: executing "" at <slice .Name 3 1>: error calling slice: invalid slice index: 3 > 1'],
    ['{{ and }}', 'template: :1:3: executing "" at <and>: wrong number of args for and: want at least 1 got 0'],
    ['{{ eq "a" 1 }}', 'template: :1:3: executing "" at <eq "a" 1>: error calling eq: incompatible types for comparison'],
    ['{{ lt true false }}', 'template: :1:3: executing "" at <lt true false>: error calling lt: invalid type for comparison'],
    ['{{ lt "a" 1 }}', 'template: :1:3: executing "" at <lt "a" 1>: error calling lt: incompatible types for comparison'],
    ['{{ nil }}', 'template: :1:3: executing "" at <nil>: nil is not a command'],
    ['{{ upper 1 }}', 'template: :1:9: executing "" at <1>: expected string; found 1'],
    ['{{ index .Name "x" }}', 'template: :1:3: executing "" at <index .Name "x">: error calling index: cannot index slice/array with type string'],
    ['{{ len 3 }}', 'template: :1:3: executing "" at <len 3>: error calling len: len of type int'],
    ['{{ template "x" }}', 'template: :1:12: executing "" at <{{template "x"}}>: template "x" not defined'],
    ['{{ slice }}', 'template: :1:3: executing "" at <slice>: wrong number of args for slice: want at least 1 got 0'],
    ['{{ printf }}', 'template: :1:3: executing "" at <printf>: wrong number of args for printf: want at least 1 got 0'],
    ['{{ index }}', 'template: :1:3: executing "" at <index>: wrong number of args for index: want at least 1 got 0'],
    ['{{ range $k, $v := . }}{{ $k }}{{ end }}', 'template: :1:19: executing "" at <.>: range can\'t iterate over {default Current DOCKER_HOST based configuration unix:///var/run/docker.sock  true}'],
    ['x\n{{ .Foo }}', 'template: :2:3: executing "" at <.Foo>: can\'t evaluate field Foo in type struct'],
    ['{{ .Name 1 }}', 'template: :1:3: executing "" at <.Name>: Name has arguments but cannot be invoked as function'],
    ['{{ upper .Missing }}', 'template: :1:9: executing "" at <.Missing>: can\'t evaluate field Missing in type struct'],
    ['{{ 9223372036854775808 }}', 'template: :1:3: executing "" at <9223372036854775808>: 9223372036854775808 overflows int'],
    ['{{ range .Name }}{{ end }}', 'template: :1:9: executing "" at <.Name>: range can\'t iterate over default'],
    ['{{ index (split "a b" " ") -1 }}', 'template: :1:3: executing "" at <index (split "a b" " ") -1>: error calling index: index out of range: -1'],
    ['{{ slice .Name 1 2 3 }}', 'template: :1:3: executing "" at <slice .Name 1 2 3>: error calling slice: cannot 3-index slice a string'],
  ])('%s', (tmpl, want) => {
    let err: unknown;
    try {
      renderTemplate(tmpl, row);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).phase).toBe('exec');
    expect((err as Error).message).toBe(want);
    expect(hasCode(err, 'invalid-argument')).toBe(true);
  });

  it('reports the wrong type of a piped value and a missing map value passed to a typed function', () => {
    expect(() => renderTemplate('{{ upper .Labels.x }}', { Labels: {} })).toThrow('invalid value; expected string');
    expect(() => renderTemplate('{{ 3 | upper }}', {})).toThrow('wrong type for value; expected string; got int');
  });

  it('reports an error thrown by a method of the data', () => {
    const data = {
      Boom(): string {
        throw new Error('kaput');
      },
    };
    expect(() => renderTemplate('{{.Boom}}', data)).toThrow('template: :1:2: executing "" at <.Boom>: error calling Boom: kaput');
  });
});

describe('gotemplate: parse errors', () => {
  it.each([
    ['{{ foo }}', 'template: :1: function "foo" not defined'],
    ['{{ .Name', 'template: :1: unclosed action'],
    ['{{ end }}', 'template: :1: unexpected {{end}}'],
    ['{{ if .Name }}', 'template: :1: unexpected EOF'],
    ['{{ else }}', 'template: :1: unexpected {{else}}'],
    ['{{ $undefined }}', 'template: :1: undefined variable "$undefined"'],
    ['{{ 1 | 2 }}', 'template: :1: non executable command in pipeline stage 2'],
    ['{{ range $i, $v, $w := split "a b" " " }}{{ $i }}{{ end }}', 'template: :1: too many declarations in range'],
    ['{{ $a, $b := 1 }}', 'template: :1: too many declarations in command'],
    ['{{ | .Name }}', 'template: :1: unexpected "|" in command'],
    ['{{ ( .Name }}', 'template: :1: unclosed left paren'],
    ['{{ .Name ) }}', 'template: :1: unexpected right paren'],
    ['{{ "abc }}', 'template: :1: unterminated quoted string'],
    ['{{ 3x }}', 'template: :1: bad number syntax: "3x"'],
    ['{{ .Na$me }}', "template: :1: bad character U+0024 '$'"],
    ['{{ @ }}', 'template: :1: unexpected "@" in command'],
    ['{{ if "x" }}{{ $y := 5 }}{{ end }}{{ $y }}', 'template: :1: undefined variable "$y"'],
    ['{{ break }}', 'template: :1: {{break}} outside {{range}}'],
    ['a\nb\n{{ .X', 'template: :3: unclosed action'],
    ['{{/* x', 'template: :1: unclosed comment'],
    ['{{/* x */ .X}}', 'template: :1: comment ends before closing delimiter'],
    ['{{ else if }}', 'template: :1: unexpected {{else}}'],
    ['{{ if true }}{{ else }}{{ else }}{{ end }}', 'template: :1: expected end; found {{else}}'],
  ])('%s', (tmpl, want) => {
    let err: unknown;
    try {
      parseTemplate(tmpl);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).phase).toBe('parse');
    expect((err as Error).message).toBe(want);
  });
});
