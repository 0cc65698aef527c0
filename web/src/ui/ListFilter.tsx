/** Case- and accent-insensitive: "hiver" finds "Soldes d’Hiver", "lumiere" finds "Lumière". */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

export function nameMatches(name: string, search: string): boolean {
  const q = fold(search);
  return q === '' || fold(name).includes(q);
}

/** A status select and a name search above a list; the page does the filtering. */
export function ListFilter({ what, statuses, status, onStatus, search, onSearch, shown, total }: {
  what: string;
  statuses: readonly string[];
  status: string;
  onStatus(s: string): void;
  search: string;
  onSearch(s: string): void;
  shown?: number;
  total?: number;
}) {
  const filtered = status !== '' || search.trim() !== '';
  return (
    <div className="row filters" role="search" aria-label={`Filter ${what}`}>
      <label className="field">
        <span className="field-label">Status</span>
        <select aria-label={`Status of the ${what} listed`} value={status} onChange={(e) => onStatus(e.target.value)}>
          <option value="">Any status</option>
          {statuses.map((s) => <option key={s} value={s}>{s.replace(/_/g, ' ')}</option>)}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Search</span>
        <input type="search" aria-label={`Search ${what}`} placeholder="Part of the name" value={search} onChange={(e) => onSearch(e.target.value)} />
      </label>
      {filtered && (
        <div className="field">
          <span className="muted small">{shown !== undefined && total !== undefined ? `${shown} of ${total} shown` : ''}</span>
          <button type="button" className="small" onClick={() => { onStatus(''); onSearch(''); }}>Clear filters</button>
        </div>
      )}
    </div>
  );
}
