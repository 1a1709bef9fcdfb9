import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrnoException } from '../guards.ts';
import type { Storage } from './types.ts';

const KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,299}$/;

/**
 * Files under `dir` (dev and tests). The content type is kept in a `<key>.type` side file. Keys are
 * checked so that no key can leave the folder.
 */
export function localStorage(dir: string): Storage {
  const root = path.resolve(dir);
  const file = (key: string) => {
    const full = path.resolve(root, key);
    if (!KEY.test(key) || key.includes('..') || !full.startsWith(`${root}${path.sep}`))
      throw new Error(`invalid storage key ${key}`);
    return full;
  };
  return {
    async put(key, body, contentType) {
      const f = file(key);
      await mkdir(path.dirname(f), { recursive: true });
      await writeFile(f, body);
      await writeFile(`${f}.type`, contentType);
    },
    async get(key) {
      const f = file(key);
      try {
        const [body, type] = await Promise.all([readFile(f), readFile(`${f}.type`, 'utf8')]);
        return { body, contentType: type };
      } catch (err) {
        if (isErrnoException(err) && err.code === 'ENOENT') return null;
        throw err;
      }
    },
    async delete(key) {
      const f = file(key);
      await rm(f, { force: true });
      await rm(`${f}.type`, { force: true });
    },
  };
}
