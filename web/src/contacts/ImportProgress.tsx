import { useEffect } from 'react';
import { invalidate, useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, Stat, Status } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';

const FINISHED = ['done', 'failed', 'cancelled'];

export function ImportProgress({ id }: { id: number }) {
  const q = useGet<any>(`/api/v1/imports/${id}`, { refetchInterval: (query: any) => (FINISHED.includes(query.state.data?.status) ? false : 700) });
  const imp = q.data;
  const finished = imp && FINISHED.includes(imp.status);
  const errors = useGet<{ data: { line: number; column?: string; reason: string }[] }>(finished && imp.error_count > 0 ? `/api/v1/imports/${id}/errors` : null);
  useEffect(() => {
    if (finished) void invalidate('/api/v1/contacts', '/api/v1/lists', '/api/v1/tags');
  }, [finished]);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  return (
    <>
      <Card title={<>Import #{id} <Status value={imp.status} /></>}>
        <div className="progress" aria-label="progress"><div style={{ width: `${imp.progress ?? 0}%` }} /></div>
        <p className="muted small">{imp.rows_done} of {imp.total_rows ?? '?'} lines ({imp.progress ?? 0} %)</p>
        <div className="stats" data-testid="import-counters">
          <Stat label="Created" value={imp.created} />
          <Stat label="Updated" value={imp.updated} />
          <Stat label="Unchanged" value={imp.unchanged} />
          <Stat label="Rejected lines" value={imp.error_count} />
        </div>
        {imp.error && <div className="banner error">{imp.error}</div>}
        {finished && <div className="actions"><Link className="button primary" to="/contacts">See the contacts</Link><Link className="button" to="/imports/new">Import another file</Link></div>}
      </Card>
      {finished && imp.error_count > 0 && (
        <Card title="Rejected lines">
          {errors.isLoading ? <Loading /> : (errors.data?.data ?? []).length === 0 ? <Empty title="No details" /> : (
            <table className="table" data-testid="import-errors">
              <thead><tr><th className="num">Line</th><th>Column</th><th>Reason</th></tr></thead>
              <tbody>{errors.data!.data.map((e, i) => <tr key={i}><td className="num">{e.line}</td><td>{e.column ?? '—'}</td><td>{e.reason}</td></tr>)}</tbody>
            </table>
          )}
        </Card>
      )}
    </>
  );
}
