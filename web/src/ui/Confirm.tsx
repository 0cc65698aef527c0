import { useEffect, useRef, useState, type ButtonHTMLAttributes, type ReactNode } from 'react';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick'>;

/**
 * A button that asks before it acts, in the page (a modal <dialog>, not window.confirm): the
 * question, a button naming the action, and Cancel (Escape too). Focus returns to the button.
 */
export function ConfirmButton({ question, confirmLabel, onConfirm, children, ...rest }: ButtonProps & {
  question: ReactNode;
  /** The confirming button's text; the button's own text when omitted. */
  confirmLabel?: string;
  onConfirm(): void;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" {...rest} onClick={() => setOpen(true)}>{children}</button>
      {open && (
        <ConfirmDialog
          question={question}
          confirmLabel={confirmLabel ?? textOf(children) ?? 'Confirm'}
          danger={String(rest.className ?? '').includes('danger')}
          onClose={(yes) => {
            setOpen(false);
            if (yes) onConfirm();
          }}
        />
      )}
    </>
  );
}

export function ConfirmDialog({ question, confirmLabel, danger, onClose }: { question: ReactNode; confirmLabel: string; danger?: boolean; onClose(yes: boolean): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return (
    <dialog ref={ref} className="confirm" role="alertdialog" aria-modal="true" aria-label={confirmLabel} onCancel={(e) => { e.preventDefault(); onClose(false); }}>
      <p>{question}</p>
      <div className="actions">
        <button type="button" autoFocus onClick={() => onClose(false)}>No, go back</button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={() => onClose(true)}>{confirmLabel}</button>
      </div>
    </dialog>
  );
}

/** A button's text when its children are plain text (`Delete {lang} version`). */
function textOf(children: ReactNode): string | undefined {
  const parts = Array.isArray(children) ? children : [children];
  return parts.every((c) => typeof c === 'string' || typeof c === 'number') ? parts.join('') : undefined;
}
