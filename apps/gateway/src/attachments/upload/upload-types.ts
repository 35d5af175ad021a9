export interface UploadLimits {
  /** The largest file accepted, in bytes; one byte more is PAYLOAD_TOO_LARGE. */
  maxBytes: number;
  /** The most pixels an image may have, all frames of an animation together (default DEFAULT_MAX_PIXELS). */
  maxPixels?: number;
  /** Where the upload's private temp directory is made (default `os.tmpdir()`). */
  tmpDir?: string;
}

/** 40 megapixels: above what phones take by default (12 to 24), and about 160 MB once decoded to RGBA. */
export const DEFAULT_MAX_PIXELS = 40e6;

export interface ProcessedFile {
  path: string;
  contentType: string;
  size: number;
  /** Hex SHA-256 of the bytes at `path` (the ETag). */
  sha256: string;
}

export interface ProcessedUpload {
  /**
   * The client's file name made safe for display and for Content-Disposition: no path, no
   * control or bidi characters, NFC, at most 255 UTF-8 bytes, never empty ("file"). It may still
   * hold quotes, semicolons and non-ASCII: encode it (RFC 6266 `filename*`) when sending it.
   */
  name: string;
  /**
   * From the bytes (magic numbers), never from the client's claim; application/octet-stream when
   * unknown. Other image types (image/apng, image/tiff, image/bmp…) keep their sniffed type
   * without `image`: only an upload with `image` is safe to show inline.
   */
  original: ProcessedFile;
  /** For PNG, JPEG, GIF and WebP only; `original` is then stripped of EXIF, XMP, IPTC and comments. */
  image?: {
    /** As displayed: after the EXIF orientation. */
    width: number;
    height: number;
    /** WebP, inside 320×320 (never enlarged), the first frame of an animation, no metadata. */
    thumbnail: ProcessedFile;
  };
  /** Removes every temp file; safe to call twice. Move (rename) the files away first to keep them. */
  cleanup(): Promise<void>;
}
