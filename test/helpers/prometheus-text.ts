/**
 * A strict parser of the Prometheus text exposition format 0.0.4, for tests: it throws on
 * anything a scraper would reject or that the format forbids (a malformed line, a bad name or
 * label, an unescaped character, a TYPE after samples, a family's samples split by another's,
 * a duplicate series, a histogram without its +Inf bucket or with decreasing buckets).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string | null;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: ['', '_total'] };

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  let current: Family | null = null;
  const seen = new Set<string>();
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) {
        if (/^# (HELP|TYPE)\b/.test(line)) throw new Error(`malformed ${where}`);
        return; // a comment
      }
      const [, kind, name, rest] = m;
      if (!NAME.test(name)) throw new Error(`bad metric name in ${where}`);
      const family = familyOf(name);
      if (kind === 'HELP') {
        if (family.help !== null) throw new Error(`second HELP in ${where}`);
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) throw new Error(`bad escape in HELP, ${where}`);
        family.help = rest;
      } else {
        if (!TYPES.has(rest)) throw new Error(`unknown type in ${where}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples, ${where}`);
        family.type = rest as Family['type'];
      }
      return;
    }
    if (line.trim() === '') return;
    const sample = parseSample(line, where);
    const family = ownerOf(sample.name);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;

  function familyOf(name: string): Family {
    let f = families.get(name);
    if (!f) {
      if (closed.has(name)) throw new Error(`family ${name} appears twice`);
      f = { name, help: null, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    if (current && current !== f) closed.add(current.name);
    current = f;
    return f;
  }

  function ownerOf(sampleName: string): Family {
    if (current) {
      const suffixes = SUFFIXES[current.type] ?? [''];
      if (suffixes.some((s) => sampleName === `${current!.name}${s}`)) return current;
    }
    if (families.has(sampleName) || closed.has(sampleName)) throw new Error(`samples of ${sampleName} are not together`);
    return familyOf(sampleName);
  }
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?$/.exec(line);
  if (!m) throw new Error(`malformed sample, ${where}`);
  const labels: Record<string, string> = {};
  let rest = m[3] ?? '';
  while (rest.length > 0) {
    const lm = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!lm || !LABEL.test(lm[1])) throw new Error(`malformed labels, ${where}`);
    if (lm[1] in labels) throw new Error(`label ${lm[1]} twice, ${where}`);
    labels[lm[1]] = lm[2].replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(lm[0].length);
  }
  const value = parseValue(m[4]);
  if (value === null) throw new Error(`bad value, ${where}`);
  return { name: m[1], labels, value };
}

/**
 * Prometheus reads values with Go's strconv.ParseFloat, which takes the words NaN and Inf in any
 * case (prom-client writes NaN as `Nan`); anything else must be a decimal or exponent number.
 */
function parseValue(raw: string): number | null {
  const word = /^([+-]?)(inf|infinity|nan)$/i.exec(raw);
  if (word) return word[2].toLowerCase() === 'nan' ? (word[1] ? null : NaN) : word[1] === '-' ? -Infinity : Infinity;
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw) ? Number(raw) : null;
}

function checkHistogram(f: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const s of f.samples.filter((x) => x.name.endsWith('_bucket'))) {
    if (!('le' in s.labels)) throw new Error(`${f.name}: a bucket without le`);
    const { le: _le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const [key, buckets] of groups) {
    const inf = buckets.find((b) => b.labels.le === '+Inf');
    if (!inf) throw new Error(`${f.name}${key}: no +Inf bucket`);
    const sorted = [...buckets].sort((a, b) => Number(a.labels.le.replace('+Inf', 'Infinity')) - Number(b.labels.le.replace('+Inf', 'Infinity')));
    for (let i = 1; i < sorted.length; i++) if (sorted[i].value < sorted[i - 1].value) throw new Error(`${f.name}${key}: buckets decrease`);
    const count = f.samples.find((s) => s.name === `${f.name}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key);
    if (!count || count.value !== inf.value) throw new Error(`${f.name}${key}: _count differs from the +Inf bucket`);
  }
}
