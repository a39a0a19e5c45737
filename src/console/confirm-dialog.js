// A modal question with the browser's own <dialog>: focus is trapped and Escape cancels.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';

export function ConfirmDialog({ open, title, children, confirmLabel, danger, onConfirm, onCancel }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return html`<dialog ref=${ref} onClose=${onCancel} aria-labelledby="confirm-title">
    <article>
      <h2 id="confirm-title">${title}</h2>
      ${children}
      <footer>
        <button class="secondary" onClick=${onCancel}>Cancel</button>
        <button class=${danger ? 'danger' : ''} onClick=${onConfirm}>${confirmLabel}</button>
      </footer>
    </article>
  </dialog>`;
}
