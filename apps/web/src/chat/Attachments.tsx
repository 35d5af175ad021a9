import { useState } from 'react';
import { type Attachment, isImageType, type StoredAttachment } from '@chat/contracts';
import { formatBytes } from '../lib/format';
import { FileIcon } from '../ui/icons';
import { ImageViewer } from './ImageViewer';

// Thumbnails are shown at most this big, in the image's proportions.
const THUMB_MAX_PX = 240;

/** The box a thumbnail takes before it loads, so the list does not jump when it does. */
function thumbSize(a: StoredAttachment): { width: number; height: number } {
  const width = a.width ?? THUMB_MAX_PX;
  const height = a.height ?? THUMB_MAX_PX;
  const scale = Math.min(1, THUMB_MAX_PX / width, THUMB_MAX_PX / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A message's images (inline thumbnails that open the full image) and files (download chips). */
export function AttachmentList({ attachments }: { attachments: Attachment[] }) {
  const [viewing, setViewing] = useState<Attachment | null>(null);
  const images = attachments.filter((a) => isImageType(a.contentType));
  const files = attachments.filter((a) => !isImageType(a.contentType));
  return (
    <div className="attachments">
      {images.length > 0 && (
        <ul className="images" aria-label="Images">
          {images.map((image) => (
            <li key={image.id}>
              <button type="button" className="thumb" aria-label={`Open image ${image.name}`} onClick={() => setViewing(image)}>
                <img src={image.thumbnailUrl ?? image.url} alt={image.name} {...thumbSize(image)} loading="lazy" decoding="async" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {files.length > 0 && (
        <ul className="files" aria-label="Files">
          {files.map((file) => (
            <li key={file.id}>
              <a className="file-chip" href={file.url} download={file.name} aria-label={`Download ${file.name}, ${formatBytes(file.size)}`}>
                <FileIcon />
                <span className="file-name">{file.name}</span>
                <span className="muted">{formatBytes(file.size)}</span>
              </a>
            </li>
          ))}
        </ul>
      )}
      {viewing && <ImageViewer image={viewing} onClose={() => setViewing(null)} />}
    </div>
  );
}

/** Attachments of a message still on its way: names only, the server has not given links yet. */
export function PendingAttachments({ attachments }: { attachments: StoredAttachment[] }) {
  return (
    <ul className="files" aria-label="Files">
      {attachments.map((a) => (
        <li key={a.id} className="file-chip">
          <FileIcon />
          <span className="file-name">{a.name}</span>
          <span className="muted">{formatBytes(a.size)}</span>
        </li>
      ))}
    </ul>
  );
}
