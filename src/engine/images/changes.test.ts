import { describe, expect, it } from 'vitest';
import { applyChanges, splitWords } from './changes.js';

describe('applyChanges (import --change)', () => {
  it('takes CMD and ENTRYPOINT in JSON and shell form', () => {
    expect(applyChanges({}, ['CMD ["sh", "-c", "echo hi"]']).Cmd).toEqual(['sh', '-c', 'echo hi']);
    expect(applyChanges({}, ['CMD echo $HOME']).Cmd).toEqual(['/bin/sh', '-c', 'echo $HOME']);
    expect(applyChanges({}, ['SHELL ["/bin/bash", "-c"]', 'ENTRYPOINT exec app']).Entrypoint).toEqual(['/bin/bash', '-c', 'exec app']);
  });

  it('resets an inherited CMD on ENTRYPOINT, but not one set by the same changes', () => {
    expect(applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["app"]']).Cmd).toBeNull();
    expect(applyChanges({ Cmd: ['old'] }, ['CMD ["new"]', 'ENTRYPOINT ["app"]']).Cmd).toEqual(['new']);
  });

  it('reads ENV and LABEL in both forms, with quotes', () => {
    const c = applyChanges({ Env: ['A=0'] }, ['ENV A=1 B="two words" C=\'x y\'', 'ENV D legacy form value', 'LABEL a=b "c d"=e', 'LABEL k v w']);
    expect(c.Env).toEqual(['A=1', 'B=two words', 'C=x y', 'D=legacy form value']);
    expect(c.Labels).toEqual({ a: 'b', 'c d': 'e', k: 'v w' });
  });

  it('expands EXPOSE ranges and protocols', () => {
    expect(applyChanges({}, ['EXPOSE 80 53/udp 8000-8002']).ExposedPorts).toEqual({
      '80/tcp': {},
      '53/udp': {},
      '8000/tcp': {},
      '8001/tcp': {},
      '8002/tcp': {},
    });
    expect(() => applyChanges({}, ['EXPOSE http'])).toThrow('invalid containerPort: http');
  });

  it('sets VOLUME, WORKDIR (relative to the previous one), USER, STOPSIGNAL, ONBUILD', () => {
    const c = applyChanges({}, ['VOLUME ["/data", "/logs"]', 'VOLUME /cache', 'WORKDIR /app', 'WORKDIR src', 'USER nobody:nogroup', 'STOPSIGNAL SIGQUIT', 'ONBUILD RUN make']);
    expect(c.Volumes).toEqual({ '/data': {}, '/logs': {}, '/cache': {} });
    expect(c.WorkingDir).toBe('/app/src');
    expect(c.User).toBe('nobody:nogroup');
    expect(c.StopSignal).toBe('SIGQUIT');
    expect(c.OnBuild).toEqual(['RUN make']);
  });

  it('reads HEALTHCHECK with flags, and NONE', () => {
    expect(applyChanges({}, ['HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/']).Healthcheck).toEqual({
      Interval: 5e9,
      Retries: 3,
      Test: ['CMD-SHELL', 'curl -f http://localhost/'],
    });
    expect(applyChanges({}, ['HEALTHCHECK CMD ["true"]']).Healthcheck).toEqual({ Test: ['CMD', 'true'] });
    expect(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck).toEqual({ Test: ['NONE'] });
  });

  it.each([
    ['RUN make', 'RUN is not a valid change command'],
    ['FROM scratch', 'FROM is not a valid change command'],
    ['FROB x', 'dockerfile parse error line 1: unknown instruction: FROB'],
    ['ENV ONLYKEY', 'ENV must have two arguments'],
    ['SHELL sh -c', 'SHELL requires the arguments to be in JSON form'],
    ['ENV A="unterminated', 'unexpected end of statement while looking for matching double-quote'],
  ])('refuses %s', (change, message) => {
    expect(() => applyChanges({}, [change])).toThrow(message);
  });

  it('does not change the base config', () => {
    const base = { Env: ['A=1'] };
    applyChanges(base, ['ENV B=2']);
    expect(base.Env).toEqual(['A=1']);
  });
});

describe('splitWords', () => {
  it('splits on blanks and honours quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g ""`)).toEqual(['a', 'b c', 'd e', 'f g', '']);
  });
});
