import { useCallback, useState } from 'react';

export type ToastKind = 'error' | 'info';
export interface Toast {
  id: number;
  text: string;
  kind: ToastKind;
}
export type Notify = (text: string, kind?: ToastKind) => void;

const LIFETIME_MS = 6_000;
let nextId = 1;

export function useToasts(): { toasts: Toast[]; notify: Notify; dismiss: (id: number) => void } {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>(
    (text, kind = 'error') => {
      const id = nextId++;
      // The same refusal often arrives twice (an ack error and its `exception` event): show it once.
      setToasts((all) => (all.some((t) => t.text === text) ? all : [...all.slice(-3), { id, text, kind }]));
      setTimeout(() => dismiss(id), LIFETIME_MS);
    },
    [dismiss],
  );
  return { toasts, notify, dismiss };
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss: (id: number) => void }) {
  return (
    <div className="toasts">
      {toasts.map((toast) => (
        <div key={toast.id} className={`toast ${toast.kind}`} role={toast.kind === 'error' ? 'alert' : 'status'}>
          <span>{toast.text}</span>
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => onDismiss(toast.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
