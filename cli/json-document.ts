/**
 * JSON text as the CLI prints it: two-space indent, and bigints written as exact integers (state
 * IDs and votes are uint64, which `JSON.stringify` refuses and a double would round). Fields whose
 * value is `undefined` are left out, as in `JSON.stringify`.
 */
export function jsonText(value: unknown): string {
  return write(value, '');
}

function write(value: unknown, indent: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const items = value.map((v) => inner + (v === undefined ? 'null' : write(v, inner)));
    return `[\n${items.join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const fields = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${write(v, inner)}`);
  return `{\n${fields.join(',\n')}\n${indent}}`;
}
