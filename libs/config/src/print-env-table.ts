import { envSchema } from './env.schema';

/** Prints the README's configuration table from the schema, so the two never drift apart. */
const rows = Object.entries(envSchema.shape).map(([name, type]) => {
  const fallback = type.parse(undefined);
  // An optional variable's default depends on others: its description says which.
  const shown = name === 'REPLICA_ID' ? '`<hostname>-<pid>`' : fallback === undefined ? '—' : `\`${String(fallback)}\``;
  return `| \`${name}\` | ${shown} | ${type.description ?? ''} |`;
});
process.stdout.write(['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n') + '\n');
