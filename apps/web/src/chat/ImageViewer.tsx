import { useEffect, useRef, useState } from 'react';
import type { Attachment } from '@chat/contracts';

/**
 * The full image in a modal dialog: the browser's own <dialog> keeps focus inside, closes on
 * Escape and gives focus back to the thumbnail that opened it.
 */
export function ImageViewer({ image, onClose }: { image: Attachment; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [broken, setBroken] = useState(false);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  const close = () => dialog.current?.close();

  return (
    <dialog
      ref={dialog}
      className="viewer"
      aria-label={image.name}
      onClose={onClose}
      // A click on the backdrop lands on the dialog itself; clicks inside land on its content.
      onClick={(event) => event.target === event.currentTarget && close()}
    >
      <div className="viewer-bar">
        <span className="viewer-name">{image.name}</span>
        <a href={image.url} target="_blank" rel="noopener noreferrer">
          Open in new tab
        </a>
        <a href={image.url} download={image.name}>
          Download
        </a>
        <button type="button" onClick={close} autoFocus>
          Close
        </button>
      </div>
      {broken ? (
        <p className="error">The image could not be loaded; its link may have expired. Open the room again to refresh it.</p>
      ) : (
        <img src={image.url} alt={image.name} width={image.width} height={image.height} onError={() => setBroken(true)} />
      )}
    </dialog>
  );
}
