// `npm run check`: the promise and exhaustiveness rules that keep a replica from dying on a
// forgotten rejection or a new event type, on top of typescript-eslint's type-checked set.
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const gateway = 'apps/gateway/src';
/**
 * The gateway's layers, top to bottom: which folders each folder may import (besides itself and
 * libs/). Features sit on the socket edge (realtime), auth, the repositories and common; nothing
 * imports upwards, and a folder not listed here imports none of the others. The composition root
 * (main, bootstrap, cluster, app.module) may import anything. docs/ARCHITECTURE.md draws it.
 */
const layers = {
  admin: ['auth', 'common'],
  health: ['lifecycle', 'repositories', 'common'],
  lifecycle: ['repositories', 'common'],
  moderation: ['rooms', 'realtime', 'auth', 'repositories', 'common'],
  messages: ['attachments', 'rooms', 'realtime', 'auth', 'repositories', 'common'],
  search: ['attachments', 'rooms', 'auth', 'repositories', 'common'],
  attachments: ['rooms', 'auth', 'repositories', 'common'],
  rooms: ['realtime', 'auth', 'repositories', 'common'],
  users: ['auth', 'repositories', 'common'],
  presence: ['repositories', 'common'],
  realtime: ['auth', 'repositories', 'common'],
  auth: ['repositories', 'common'],
  repositories: ['common'],
  metrics: [],
  common: [],
};
/** Features other features build on: those import only their index.ts, never their internals. */
const published = ['attachments', 'auth', 'realtime', 'rooms'];

const layerZones = Object.entries(layers).map(([folder, allowed]) => ({
  target: `${gateway}/${folder}`,
  from: gateway,
  except: [folder, ...allowed].map((f) => `./${f}`),
  message: `${folder}/ may import only ${allowed.join(', ') || 'libs/'} (the layers in eslint.config.mjs)`,
}));
const internalsZones = published.map((folder) => ({
  target: Object.keys(layers)
    .filter((f) => f !== folder)
    .map((f) => `${gateway}/${f}`),
  from: `${gateway}/${folder}`,
  except: ['./index.ts'],
  message: `Import ${folder}/ through its index.ts: the rest of the folder is its own`,
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.run/**', 'loadtest/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // eslint.config.mjs belongs to no tsconfig project: it is checked with the base compiler options.
        projectService: { allowDefaultProject: ['eslint.config.mjs'], defaultProject: 'tsconfig.base.json' },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ project: ['apps/*/tsconfig.json', 'libs/*/tsconfig.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  {
    files: [`${gateway}/**/*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: [...layerZones, ...internalsZones] }] },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'before', 'after'] }] },
      ],
    },
  },
);
