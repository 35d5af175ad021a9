import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { assertByteRange, assertObjectKey } from './object-key';
import { type ByteRange, ObjectNotFoundError, type ObjectStorage } from './object-storage';

/**
 * Files in the store's directory hold objects in progress. No key can name it (keys start with a
 * letter or digit), and it is on the same filesystem as every object, so a rename out of it is atomic.
 */
const SCRATCH = '.tmp';

/** A rename can meet a directory that a concurrent delete has just pruned; it is made again, this often. */
const RENAME_ATTEMPTS = 5;

/**
 * Objects as files under one directory (every gateway replica and the worker mount the same one).
 * A file is copied into the scratch directory, flushed, then renamed over its key: a reader sees the
 * old object or the new one, never part of one, and an object acknowledged survives a crash.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly driver = 'local';
  private readonly root: string;
  private readonly scratch: string;

  constructor(dir: string) {
    this.root = resolve(dir);
    this.scratch = join(this.root, SCRATCH);
  }

  async putFile(key: string, sourcePath: string): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(this.scratch, { recursive: true });
    const temp = join(this.scratch, randomUUID());
    try {
      // copy_file_range (or a reflink) in the kernel: the bytes never pass through this process.
      await copyFile(sourcePath, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      await fsync(temp, 'r+');
      await this.renameInto(temp, target);
      await fsync(dirname(target), 'r');
    } finally {
      await rm(temp, { force: true });
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    if (range) assertByteRange(range);
    const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
      throw absent(error) ? new ObjectNotFoundError(key, { cause: error }) : error;
    });
    try {
      const stats = await handle.stat();
      // A key that is a prefix of other keys names a directory here, and no object.
      if (!stats.isFile()) throw new ObjectNotFoundError(key);
      if (range && range.start >= stats.size) throw new RangeError(`range ${range.start}-${range.end} starts past the end of ${key}`);
    } catch (error) {
      await handle.close();
      throw error;
    }
    // The open handle keeps reading the file it opened, even if a put renames a new one over it.
    return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
  }

  async delete(keys: readonly string[]): Promise<void> {
    const paths = keys.map((key) => this.pathOf(key));
    await Promise.all(
      [...new Set(paths)].map(async (path) => {
        try {
          await unlink(path);
        } catch (error) {
          if (absent(error as NodeJS.ErrnoException)) return;
          throw error;
        }
        await this.pruneEmptyParents(path);
      }),
    );
  }

  /** Nothing the directory could serve by itself: the gateway streams local objects. The key is checked all the same. */
  presignedGetUrl(key: string): Promise<undefined> {
    return new Promise((resolve) => {
      assertObjectKey(key);
      resolve(undefined);
    });
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.scratch, { recursive: true });
      const probe = join(this.scratch, `check-${randomUUID()}`);
      await writeFile(probe, 'ok', { flag: 'wx' });
      await unlink(probe);
    } catch (error) {
      throw new Error(`storage directory ${this.root} is not writable: ${(error as Error).message}`, { cause: error });
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    return join(this.root, key);
  }

  private async renameInto(temp: string, target: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(target), { recursive: true });
      try {
        return await rename(temp, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === RENAME_ATTEMPTS) throw error;
      }
    }
  }

  /** Removes the directories a delete left empty (one per attachment), up to the store's own. */
  private async pruneEmptyParents(path: string): Promise<void> {
    for (let dir = dirname(path); dir !== this.root; dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        // Not empty (another object, or a put between its mkdir and its rename), or pruned already.
        return;
      }
    }
  }
}

/** Makes a file's data, or a directory's entries, durable. */
async function fsync(path: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** ENOTDIR: a segment of the path is a file, so no object can be there either. */
function absent(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOENT' || error.code === 'ENOTDIR';
}
