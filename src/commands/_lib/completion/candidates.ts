/**
 * Static completion candidates: values that do not depend on any stored state (restart policies, capabilities,
 * signals, platforms, log drivers, `--format` keywords).
 */
import { constants } from 'node:os';
import { KNOWN_CAPABILITIES } from '../../../engine/oci/caps.js';

/** One completion candidate; the description is shown by zsh, fish and bash (when there are several). */
export interface Candidate {
  readonly value: string;
  readonly description?: string;
}

export const restartPolicyCandidates: readonly Candidate[] = [
  { value: 'no', description: 'Do not restart the container when it exits (default)' },
  { value: 'always', description: 'Always restart the container when it stops' },
  { value: 'on-failure', description: 'Restart on a non-zero exit status (on-failure[:max-retries])' },
  { value: 'unless-stopped', description: 'Like always, except after the container was stopped' },
];

/** Capabilities as nerdctl completes them: lowercase, without `CAP_` (`sys_admin`); `all` for every one. */
export function capabilityCandidates(): Candidate[] {
  return ['all', ...KNOWN_CAPABILITIES.map((c) => c.replace(/^CAP_/, '').toLowerCase())].map((value) => ({ value }));
}

/** Signal names (`SIGTERM`...) known to this platform, in signal-number order. */
export function signalCandidates(): Candidate[] {
  const byNumber = new Map<number, string>();
  for (const [name, num] of Object.entries(constants.signals)) {
    // The first name for a number is the canonical one (SIGABRT before SIGIOT).
    if (!byNumber.has(num)) byNumber.set(num, name);
  }
  return [...byNumber.entries()].sort(([a], [b]) => a - b).map(([, value]) => ({ value }));
}

export const platformCandidates: readonly Candidate[] = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/v7',
  'linux/arm/v6',
  'linux/386',
  'linux/ppc64le',
  'linux/s390x',
  'linux/riscv64',
  'linux/mips64le',
].map((value) => ({ value }));

export const logDriverCandidates: readonly Candidate[] = [
  { value: 'json-file', description: "Log to a file read back by 'logs' (default)" },
  { value: 'k8s-file', description: 'Log to a file in the Kubernetes CRI format' },
  { value: 'journald', description: 'Log to the systemd journal' },
  { value: 'none', description: 'Keep no logs' },
];

/**
 * `--format` keywords: `json`, `table`, and for listings each field as a template (`{{.ID}}`). Candidates never
 * contain spaces (`table {{.ID}}` would break word splitting in the shells).
 */
export function formatCandidates(fields: readonly string[] = []): Candidate[] {
  const out: Candidate[] = [
    { value: 'json', description: 'Print in JSON format' },
    { value: '{{json .}}', description: 'Print each object as JSON' },
  ];
  if (fields.length > 0) out.splice(1, 0, { value: 'table', description: 'Print in table format with column headers (default)' });
  for (const f of fields) out.push({ value: `{{.${f}}}`, description: `The ${f} field` });
  return out;
}
