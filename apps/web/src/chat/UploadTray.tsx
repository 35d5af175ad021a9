import { formatBytes } from '../lib/format';
import { FileIcon } from '../ui/icons';
import type { PendingUpload, Uploads } from './useUploads';

function summary(items: PendingUpload[]): string {
  const uploading = items.filter((u) => u.state === 'uploading').length;
  const failed = items.filter((u) => u.state === 'failed').length;
  if (uploading) return `Uploading ${uploading} ${uploading === 1 ? 'file' : 'files'}…`;
  if (failed) return `${failed} ${failed === 1 ? 'file' : 'files'} could not be uploaded.`;
  return `${items.length} ${items.length === 1 ? 'file' : 'files'} ready to send.`;
}

/** The files that will go with the next message, each with its progress, preview and error. */
export function UploadTray({ uploads }: { uploads: Uploads }) {
  const { items } = uploads;
  return (
    <div className="upload-tray">
      <p className="sr-only" role="status">
        {summary(items)}
      </p>
      <ul className="uploads" aria-label="Files to send">
        {items.map((upload) => {
          const name = upload.file.name;
          return (
            <li key={upload.key} className={`upload ${upload.state}`}>
              {upload.previewUrl ? (
                <img className="preview" src={upload.previewUrl} alt="" />
              ) : (
                <span className="preview file">
                  <FileIcon />
                </span>
              )}
              <div className="upload-info">
                <span className="upload-name" title={name}>
                  {name}
                </span>
                <span className="muted">{formatBytes(upload.file.size)}</span>
                {upload.state === 'uploading' && <progress max={1} value={upload.progress} aria-label={`Uploading ${name}`} />}
                {upload.state === 'done' && <span className="upload-state">Uploaded</span>}
                {upload.state === 'failed' && (
                  <span className="error" role="alert">
                    <span className="sr-only">{name}: </span>
                    {upload.error}
                  </span>
                )}
              </div>
              <div className="upload-actions">
                {upload.state === 'failed' && upload.retryable && (
                  <button type="button" className="link" aria-label={`Retry uploading ${name}`} onClick={() => uploads.retry(upload.key)}>
                    Retry
                  </button>
                )}
                <button type="button" className="icon" aria-label={`Remove ${name}`} onClick={() => uploads.remove(upload.key)}>
                  ×
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
