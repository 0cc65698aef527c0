import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Badge, Card, Empty, Loading, PageHeader, formatDate } from '../ui/bits.tsx';

function Count({ id }: { id: string | number }) {
  const q = useGet<{ count: number }>(`/api/v1/segments/${id}/count`);
  return <>{q.data ? q.data.count : '…'}</>;
}

export function SegmentsPage() {
  const q = useGet<{ data: any[] }>('/api/v1/segments');
  const rows = q.data?.data ?? [];
  const saved = rows.filter((s) => !s.builtin);
  return (
    <>
      <PageHeader title="Segments" sub="Saved criteria, evaluated live whenever they are used." actions={<Link className="button primary" to="/segments/new">New segment</Link>} />
      {q.isLoading ? <Loading /> : (
        <Card>
          {saved.length === 0 && <Empty title="No saved segment yet">Build one with <Link to="/segments/new">New segment</Link>, or copy an engagement segment below and refine it.</Empty>}
          <table className="table" data-testid="segments-table">
            <thead><tr><th>Segment</th><th className="num">Contacts now</th><th>Updated</th></tr></thead>
            <tbody>
              {rows.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link to={`/segments/${s.id}`}>{s.name}</Link> {s.builtin && <Badge tone="info">built-in</Badge>}
                    {s.description && <div className="muted small">{s.description}</div>}
                  </td>
                  <td className="num"><Count id={s.id} /></td>
                  <td className="muted">{s.builtin ? '—' : formatDate(s.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </>
  );
}
