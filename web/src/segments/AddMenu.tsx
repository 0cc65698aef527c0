import { useEffect, useRef, useState } from 'react';

/**
 * "+ Add condition" as a button with a menu: a condition is added only by an explicit choice
 * (click, Enter or Space on an item), never by moving through the items with the arrow keys.
 */
export function AddMenu({ items, onChoose, label = '+ Add condition' }: { items: [string, string][]; onChoose(value: string): void; label?: string }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const focusItem = (i: number) => {
    const els = box.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]');
    if (els?.length) els[(i + els.length) % els.length].focus();
  };
  useEffect(() => {
    if (!open) return;
    focusItem(0);
    const away = (e: MouseEvent) => { if (!box.current?.contains(e.target as Node)) setOpen(false); };
    document.addEventListener('mousedown', away);
    return () => document.removeEventListener('mousedown', away);
  }, [open]);
  const close = () => { setOpen(false); button.current?.focus(); };
  return (
    <div ref={box} style={{ position: 'relative', display: 'inline-block' }}>
      <button ref={button} className="small" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}
        onKeyDown={(e) => { if (e.key === 'ArrowDown') { e.preventDefault(); setOpen(true); } }}>
        {label}…
      </button>
      {open && (
        <div role="menu" aria-label="Condition types" style={{ position: 'absolute', zIndex: 10, background: '#fff', border: '1px solid #dfe3ea', borderRadius: 6, padding: 4, minWidth: 200, boxShadow: '0 4px 12px rgba(0,0,0,.08)' }}
          onKeyDown={(e) => {
            const els = [...(box.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
            const at = els.indexOf(document.activeElement as HTMLButtonElement);
            if (e.key === 'ArrowDown') { e.preventDefault(); focusItem(at + 1); }
            else if (e.key === 'ArrowUp') { e.preventDefault(); focusItem(at - 1); }
            else if (e.key === 'Home') { e.preventDefault(); focusItem(0); }
            else if (e.key === 'End') { e.preventDefault(); focusItem(-1); }
            else if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); close(); }
          }}>
          {items.map(([value, text]) => (
            <button key={value} role="menuitem" tabIndex={-1} style={{ display: 'block', width: '100%', textAlign: 'left', border: 0, background: 'none', padding: '5px 8px' }}
              onClick={() => { close(); onChoose(value); }}>
              {text}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
