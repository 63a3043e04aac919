// ailab's folders, XDG style (env-paths), each overridable for tests and CI caches.
import envPaths from 'env-paths';

const paths = envPaths('ailab', { suffix: '' });

export function cacheDir(): string {
  return process.env.AILAB_CACHE_DIR ?? paths.cache;
}

export function stateDir(): string {
  return process.env.AILAB_STATE_DIR ?? paths.log;
}
