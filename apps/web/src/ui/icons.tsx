import type { ReactNode } from 'react';

// Inline outlines (no icon font): they take the text colour and are hidden from screen readers,
// so the control around each one carries the name.

function Outline({ children }: { children: ReactNode }) {
  return (
    <svg className="icon-svg" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      {children}
    </svg>
  );
}

export const PaperclipIcon = () => (
  <Outline>
    <path d="M21 11.5 12.5 20a5 5 0 0 1-7-7L14 4.5a3.3 3.3 0 0 1 4.7 4.7L10.2 17.7a1.7 1.7 0 0 1-2.4-2.4L15.5 7.6" />
  </Outline>
);

export const FileIcon = () => (
  <Outline>
    <path d="M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8z" />
    <path d="M14 3v5h5" />
  </Outline>
);

export const MenuIcon = () => (
  <Outline>
    <path d="M4 6h16M4 12h16M4 18h16" />
  </Outline>
);

export const PeopleIcon = () => (
  <Outline>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20a6.5 6.5 0 0 1 13 0M16 4.7a3.5 3.5 0 0 1 0 6.6M18 14.2a6.5 6.5 0 0 1 3.5 5.8" />
  </Outline>
);

export const SmileIcon = () => (
  <Outline>
    <circle cx="12" cy="12" r="9" />
    <path d="M8.5 14.5a4.5 4.5 0 0 0 7 0M9 9.5h.01M15 9.5h.01" />
  </Outline>
);

export const ReplyIcon = () => (
  <Outline>
    <path d="M9 14 4 9l5-5" />
    <path d="M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />
  </Outline>
);

export const PencilIcon = () => (
  <Outline>
    <path d="M16.5 3.5a2.1 2.1 0 0 1 3 3L7 19l-4 1 1-4z" />
  </Outline>
);

export const TrashIcon = () => (
  <Outline>
    <path d="M4 7h16M10 11v6M14 11v6M5 7l1 12a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2l1-12M9 7V4h6v3" />
  </Outline>
);
