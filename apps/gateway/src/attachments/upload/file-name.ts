/** What file systems and Content-Disposition allow for one name (ext4, NTFS, APFS: 255). */
export const MAX_NAME_BYTES = 255;

/** A longer "extension" is part of the name, not something to keep when cutting it. */
const MAX_EXTENSION_BYTES = 16;

/**
 * Removed wherever they are: controls (CR and LF would break a header), line and paragraph
 * separators, and the bidi controls that reorder what is shown ('abc\u202Egpj.exe' reads as
 * 'abcexe.jpg'), the same set nicknames refuse.
 */
const UNSAFE = /[\p{Cc}\p{Zl}\p{Zp}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The client's file name made safe to show and to send back in Content-Disposition: the last
 * path segment only (either slash), without unsafe characters, NFC, trimmed, at most
 * MAX_NAME_BYTES of UTF-8 cut between characters (keeping a short extension), and "file" when
 * nothing is left.
 */
export function safeFileName(raw: string | undefined): string {
  const clean = (raw ?? '').replace(UNSAFE, '').normalize('NFC');
  const base = clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1).trim();
  const name = base === '.' || base === '..' ? '' : fitBytes(base);
  return name || 'file';
}

function fitBytes(name: string): string {
  if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && Buffer.byteLength(name.slice(dot)) <= MAX_EXTENSION_BYTES ? name.slice(dot) : '';
  return cut(name.slice(0, name.length - extension.length), MAX_NAME_BYTES - Buffer.byteLength(extension)).trimEnd() + extension;
}

/** The longest start of `text` within `maxBytes` that ends between two user-perceived characters. */
function cut(text: string, maxBytes: number): string {
  let kept = '';
  let bytes = 0;
  for (const { segment } of graphemes.segment(text)) {
    bytes += Buffer.byteLength(segment);
    if (bytes > maxBytes) break;
    kept += segment;
  }
  return kept;
}
