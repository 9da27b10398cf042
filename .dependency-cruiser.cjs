// Layering check (docs/ARCHITECTURE.md): an inner layer never imports an outer one,
// and the pure layers never touch the disk, the network or processes.
const layers = ['wire', 'crypto', 'model', 'signing', 'authority', 'netmap', 'pool', 'store', 'control'];

const forbidden = layers.map((layer, i) => ({
  name: `${layer}-imports-outer-layer`,
  comment: `src/${layer}/ is an inner layer: it must not import ${layers.slice(i + 1).join(', ')}, cli/ or src/index.ts`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: [...layers.slice(i + 1).map((l) => `^src/${l}/`), '^cli/', '^src/index\\.ts$'] },
}));

const pure = ['wire', 'crypto', 'model', 'signing', 'authority', 'netmap'];

module.exports = {
  forbidden: [
    ...forbidden,
    {
      name: 'shared-imports-layer',
      comment: 'src/errors.ts and src/limits.ts sit under every layer',
      severity: 'error',
      from: { path: '^src/[^/]+\\.ts$', pathNot: '^src/index\\.ts$' },
      to: { path: ['^src/[^/]+/', '^cli/', '^src/index\\.ts$'] },
    },
    {
      name: 'pure-layer-does-io',
      comment: 'encoding, crypto, model, state machine, signing and netmap logic have no I/O',
      severity: 'error',
      from: { path: `^src/(${pure.join('|')})/` },
      to: { path: '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|readline)$' },
    },
    {
      name: 'library-imports-cli',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^cli/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
