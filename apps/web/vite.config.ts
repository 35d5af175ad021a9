import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `npm run dev -w apps/web` serves the app with hot reload and forwards the API to a running cluster.
const cluster = 'http://localhost:8080';
const apiPaths = ['/auth', '/users', '/rooms', '/messages', '/health', '/api', '/attachments', '/search'];

export default defineConfig({
  plugins: [react()],
  // The contract's sources (as tsconfig's paths): its few runtime values (the reconnect policy) are bundled from them, never from the Node build.
  resolve: { alias: { '@chat/contracts': fileURLToPath(new URL('../../libs/contracts/src/index.ts', import.meta.url)) } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      ...Object.fromEntries(apiPaths.map((path) => [path, { target: cluster }])),
      '/socket.io': { target: cluster, ws: true },
    },
  },
});
