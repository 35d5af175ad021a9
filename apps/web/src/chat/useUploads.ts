import { useCallback, useEffect, useRef, useState } from 'react';
import { isImageType, MAX_ATTACHMENTS_PER_MESSAGE, type StoredAttachment } from '@chat/contracts';
import { ApiError, describeError } from '../lib/api';
import { formatBytes } from '../lib/format';
import { useSession } from '../shell/SessionContext';

/** A file in the composer: uploading, uploaded (ready to send) or refused. */
export interface PendingUpload {
  key: number;
  file: File;
  /** An object URL of an image, for its preview; revoked when the file leaves the composer. */
  previewUrl: string | null;
  /** 0 to 1. */
  progress: number;
  state: 'uploading' | 'done' | 'failed';
  attachment: StoredAttachment | null;
  error: string | null;
  /** Whether trying again may help (a rate limit, a lost connection), unlike a file that is too large. */
  retryable: boolean;
}

export type Uploads = ReturnType<typeof useUploads>;

let nextKey = 1;

/**
 * The files waiting to go with the next message. Each starts uploading as soon as it is added;
 * leaving the room (unmounting) cancels what is still uploading, and the server forgets uploads
 * that were never sent.
 */
export function useUploads(roomId: number) {
  const { api, notify } = useSession();
  const [items, setItems] = useState<PendingUpload[]>([]);
  // The list as last set, so changes made before the next render (a drop, then a paste) see each other.
  const latest = useRef<PendingUpload[]>([]);
  const controllers = useRef(new Map<number, AbortController>());

  const change = useCallback((next: (all: PendingUpload[]) => PendingUpload[]) => {
    latest.current = next(latest.current);
    setItems(latest.current);
  }, []);
  const patch = useCallback(
    (key: number, fields: Partial<PendingUpload>) => change((all) => all.map((u) => (u.key === key ? { ...u, ...fields } : u))),
    [change],
  );

  const start = useCallback(
    (key: number, file: File) => {
      const controller = new AbortController();
      controllers.current.set(key, controller);
      let shown = -1;
      // Whole percents: a progress event per few kilobytes would re-render the composer for nothing.
      const onProgress = (fraction: number) => {
        const percent = Math.floor(fraction * 100);
        if (percent === shown) return;
        shown = percent;
        patch(key, { progress: fraction });
      };
      api
        .upload(roomId, file, onProgress, controller.signal)
        .then(
          (attachment) => patch(key, { state: 'done', progress: 1, attachment }),
          (e: unknown) => {
            if (e instanceof ApiError && e.code === 'ABORTED') return;
            patch(key, { state: 'failed', ...describeUploadError(e) });
          },
        )
        .finally(() => controllers.current.delete(key));
    },
    [api, roomId, patch],
  );

  const add = useCallback(
    (files: File[]) => {
      const room = MAX_ATTACHMENTS_PER_MESSAGE - latest.current.length;
      const taken = files.slice(0, Math.max(0, room));
      if (taken.length < files.length) notify(`At most ${MAX_ATTACHMENTS_PER_MESSAGE} files can go with one message.`);
      const added = taken.map((file): PendingUpload => ({
        key: nextKey++,
        file,
        previewUrl: isImageType(file.type) ? URL.createObjectURL(file) : null,
        progress: 0,
        state: 'uploading',
        attachment: null,
        error: null,
        retryable: false,
      }));
      change((all) => [...all, ...added]);
      for (const upload of added) start(upload.key, upload.file);
    },
    [change, start, notify],
  );

  const remove = useCallback(
    (key: number) => {
      controllers.current.get(key)?.abort();
      const upload = latest.current.find((u) => u.key === key);
      if (upload?.previewUrl) URL.revokeObjectURL(upload.previewUrl);
      change((all) => all.filter((u) => u.key !== key));
    },
    [change],
  );

  const retry = useCallback(
    (key: number) => {
      const upload = latest.current.find((u) => u.key === key);
      if (!upload || upload.state !== 'failed') return;
      patch(key, { state: 'uploading', progress: 0, error: null, retryable: false });
      start(key, upload.file);
    },
    [patch, start],
  );

  /** Hands over the uploaded files for a message and clears them from the composer; the others stay. */
  const take = useCallback((): StoredAttachment[] => {
    const done = latest.current.filter((u) => u.state === 'done');
    for (const upload of done) if (upload.previewUrl) URL.revokeObjectURL(upload.previewUrl);
    change((all) => all.filter((u) => u.state !== 'done'));
    return done.flatMap((u) => (u.attachment ? [u.attachment] : []));
  }, [change]);

  useEffect(() => {
    const open = controllers.current;
    return () => {
      for (const controller of open.values()) controller.abort();
      for (const upload of latest.current) if (upload.previewUrl) URL.revokeObjectURL(upload.previewUrl);
      latest.current = [];
    };
  }, []);

  return { items, add, remove, retry, take, ready: items.some((u) => u.state === 'done') };
}

/** A refused upload as a sentence that says what to do about it. */
export function describeUploadError(error: unknown): { error: string; retryable: boolean } {
  if (!(error instanceof ApiError)) return { error: describeError(error), retryable: true };
  if (error.status === 413 || error.code === 'PAYLOAD_TOO_LARGE') return { error: tooLarge(error), retryable: false };
  if (error.status === 429) {
    const wait = error.retryAfterSeconds;
    return { error: `Too many uploads right now. Try again ${wait ? `in ${formatWait(wait)}` : 'in a moment'}.`, retryable: true };
  }
  const retryable = error.status === 0 || error.status >= 500;
  return { error: error.status === 400 ? `Not accepted: ${error.message}` : error.message, retryable };
}

const UNIT_BYTES: Record<string, number> = { bytes: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

function tooLarge(error: ApiError): string {
  const said = `Too large: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`;
  // A full storage quota is told as it is: what is left is no per-file limit.
  if (/quota/i.test(error.message)) return said;
  const stated = error.body.maxBytes;
  // The gateway names its limit in bytes ("… larger than the limit of 2097152 bytes"), nginx in MiB ("The upload exceeds 2 MiB"):
  // either is said the way sizes are shown here.
  const named = /(\d+(?:\.\d+)?)\s*(bytes|KiB|MiB|GiB)/i.exec(error.message);
  const limit = typeof stated === 'number' ? stated : named ? Number(named[1]) * UNIT_BYTES[named[2].toLowerCase()] : NaN;
  if (Number.isFinite(limit)) return `Too large: files can be at most ${formatBytes(limit)}.`;
  // A bare "Payload Too Large" names no limit.
  return /\d/.test(error.message) ? said : 'Too large: the file is over the upload limit.';
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}
