import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w apps/web` serves the app with hot reload and forwards the API to a running cluster.
const cluster = 'http://localhost:8080';
const apiPaths = ['/auth', '/users', '/rooms', '/messages', '/health', '/api'];

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      ...Object.fromEntries(apiPaths.map((path) => [path, { target: cluster }])),
      '/socket.io': { target: cluster, ws: true },
    },
  },
});
