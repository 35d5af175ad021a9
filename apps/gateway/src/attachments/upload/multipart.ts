import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import busboy, { type Busboy } from 'busboy';
import { type Digest, writeWithDigest } from './file-digest';
import { invalidUpload, uploadTooLarge } from './upload-errors';

const FILE_FIELD = 'file';

/**
 * What a form may hold besides its file: text fields are ignored, so a handful will do. busboy
 * 1.6 applies these to multipart bodies; there it caps each part's headers itself at 16 KiB and
 * 2000 pairs (a longer part name is a "Malformed part header"), and its fieldNameSize and
 * headerPairs limits apply to urlencoded bodies only, which are refused before it.
 */
const FORM_LIMITS = { files: 1, fields: 8, fieldSize: 1024, parts: 10 } as const;

/**
 * The most a well-formed form adds to its file: each part's headers at busboy's cap with their
 * delimiter, and the text fields. busboy skips a preamble, an epilogue, or a body that never
 * holds its boundary without any limit, so the body as a whole is held to the file's limit plus
 * this, by its Content-Length before anything is read and by the bytes that arrive.
 */
const FORM_OVERHEAD_BYTES = FORM_LIMITS.parts * (16 * 1024 + 256) + FORM_LIMITS.fields * FORM_LIMITS.fieldSize;

export interface ReceivedFile extends Digest {
  path: string;
  /** As the client sent it, path included. */
  filename: string | undefined;
}

/**
 * Streams the one file of a multipart/form-data request, in the field FILE_FIELD, to a new file
 * at `path`, and refuses anything else (VALIDATION_FAILED) or a file over `maxBytes`
 * (PAYLOAD_TOO_LARGE). On a refusal the request is left paused, partly unread; the temp file is
 * closed before the promise settles.
 */
export function receiveFile(request: IncomingMessage, maxBytes: number, path: string): Promise<ReceivedFile> {
  const maxBodyBytes = maxBytes + FORM_OVERHEAD_BYTES;
  return new Promise((resolve, reject) => {
    if (Number(request.headers['content-length']) > maxBodyBytes) throw uploadTooLarge(maxBytes);
    const form = openForm(request, maxBytes);
    let saving: Promise<ReceivedFile> | undefined;
    let stopped = false;
    const stop = (error: Error) => {
      if (stopped) return;
      stopped = true;
      // At once, even amid a run of buffered chunks. Destroying the form (which would unpipe too)
      // waits a tick: busboy goes on using its file stream after emitting an event.
      request.unpipe(form);
      request.pause();
      process.nextTick(() => form.destroy());
      void Promise.allSettled([saving]).then(() => reject(error));
    };
    form.on('file', (field, stream, info) => {
      if (stopped || field !== FILE_FIELD) {
        stream.on('error', () => undefined).resume(); // busboy destroys it with an error
        stop(invalidUpload(`Send the file in the form field "${FILE_FIELD}", not "${field}"`));
        return;
      }
      stream.once('limit', () => stop(uploadTooLarge(maxBytes)));
      saving = writeWithDigest(stream, path).then((digest) => ({ ...digest, path, filename: info.filename }));
      // A form that breaks off fails the write too, but its own 'error' comes first: what stops
      // here is the disk, the server's fault.
      saving.catch(stop);
    });
    form.on('field', (_name, _value, info) => {
      if (info.valueTruncated) stop(invalidUpload(`A text field may hold at most ${FORM_LIMITS.fieldSize} bytes`));
    });
    form.on('filesLimit', () => stop(invalidUpload('Send exactly one file')));
    form.on('fieldsLimit', () => stop(invalidUpload(`A form may hold at most ${FORM_LIMITS.fields} text fields`)));
    form.on('partsLimit', () => stop(invalidUpload(`A form may hold at most ${FORM_LIMITS.parts} parts`)));
    form.on('error', (error: Error) => stop(invalidUpload(`Malformed multipart/form-data body: ${error.message}`)));
    form.on('close', () => {
      if (!saving) stop(invalidUpload(`No file in the form field "${FILE_FIELD}"`));
      else if (!stopped) saving.then(resolve, stop);
    });
    finished(request, (error) => {
      if (error) stop(invalidUpload('The request ended before the upload was complete'));
    });

    request.pipe(form);
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > maxBodyBytes) stop(uploadTooLarge(maxBytes));
    });
  });
}

function openForm(request: IncomingMessage, maxBytes: number): Busboy {
  const expected = invalidUpload(`Expected a multipart/form-data body (with a boundary) holding the file in the field "${FILE_FIELD}"`);
  const type = request.headers['content-type']?.split(';', 1)[0].trim().toLowerCase();
  if (type !== 'multipart/form-data') throw expected;
  try {
    return busboy({
      headers: request.headers,
      // The name is the client's to show, but its path is ours to drop (safeFileName), and
      // browsers send names as raw UTF-8 where busboy would assume latin1.
      preservePath: true,
      defParamCharset: 'utf8',
      // busboy reports the limit on reaching fileSize, not on passing it: a file of exactly
      // maxBytes needs one byte more of room, and a file reaching maxBytes + 1 is too large.
      limits: { ...FORM_LIMITS, fileSize: maxBytes + 1 },
    });
  } catch {
    throw expected; // no boundary
  }
}
