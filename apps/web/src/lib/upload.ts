/** Called with the fraction of the body sent so far, 0 to 1. */
export type UploadProgress = (fraction: number) => void;

/** How an upload ended: an HTTP answer of any status, no answer at all, or cancelled. */
export type UploadOutcome =
  | { kind: 'answered'; status: number; statusText: string; text: string; retryAfter: string | null }
  | { kind: 'unreachable' }
  | { kind: 'aborted' };

/** POSTs `file` as the multipart field `file`, reporting progress as the body goes out. */
export function uploadFile(
  url: string,
  token: string | null,
  file: File,
  onProgress: UploadProgress,
  signal: AbortSignal,
): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ kind: 'aborted' });
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () =>
      resolve({
        kind: 'answered',
        status: xhr.status,
        statusText: xhr.statusText,
        text: xhr.responseText,
        retryAfter: xhr.getResponseHeader('retry-after'),
      });
    xhr.onerror = () => resolve({ kind: 'unreachable' });
    xhr.onabort = () => resolve({ kind: 'aborted' });
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
