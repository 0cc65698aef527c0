import { useEffect, useRef, useState } from 'react';
import { patch, post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { navigate } from '../router.tsx';
import { Badge, Card, Loading, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { CriteriaBuilder } from './CriteriaBuilder.tsx';
import { asRootGroup, complete, type Group } from './criteria.ts';
import { SegmentTools } from './SegmentTools.tsx';

/**
 * The live count of unsaved criteria (S-4), debounced while the builder changes; asked only
 * when every condition is complete (a half-typed one would only fail).
 */
function useLiveCount(criteria: Group) {
  const [state, setState] = useState<{ count?: number; error?: unknown; busy: boolean; incomplete?: boolean }>({ busy: true });
  const seq = useRef(0);
  const json = JSON.stringify(criteria);
  const ready = complete(criteria);
  useEffect(() => {
    const mine = ++seq.current;
    if (!ready) {
      setState({ busy: false, incomplete: true });
      return;
    }
    setState((s) => ({ ...s, busy: true, incomplete: false }));
    const t = setTimeout(() => {
      post<{ count: number }>('/api/v1/segments/count', { criteria: JSON.parse(json) }).then(
        (r) => mine === seq.current && setState({ count: r.count, busy: false }),
        (e) => mine === seq.current && setState({ error: e, busy: false }),
      );
    }, 350);
    return () => clearTimeout(t);
  }, [json, ready]);
  return state;
}

export function SegmentPage({ id }: { id: string }) {
  const isNew = id === 'new';
  const q = useGet<any>(isNew ? null : `/api/v1/segments/${id}`);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [criteria, setCriteria] = useState<Group>({ all: [] });
  // a new segment's save leads to its own page, which says so
  const [saved, setSaved] = useState<boolean>(() => !!history.state?.saved);
  const [triedSave, setTriedSave] = useState(false);
  useEffect(() => {
    if (!q.data) return;
    setName(q.data.name);
    setDescription(q.data.description ?? '');
    setCriteria(asRootGroup(q.data.criteria));
  }, [q.data]);
  const live = useLiveCount(criteria);
  const builtin = !!q.data?.builtin;

  const save = useAction(
    (body: any) => (isNew ? post('/api/v1/segments', body) : patch(`/api/v1/segments/${id}`, body)),
    ['/api/v1/segments'],
    (s: any) => { setSaved(true); if (isNew) navigate(`/segments/${s.id}`, true, { saved: true }); },
  );
  const copy = useAction(() => post(`/api/v1/segments/${id}/copy`, {}), ['/api/v1/segments'], (s: any) => navigate(`/segments/${s.id}`));

  if (!isNew && q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const err = save.error ?? live.error;
  return (
    <>
      <PageHeader
        title={isNew ? 'New segment' : name || 'Segment'}
        sub={builtin ? 'A built-in engagement segment (S-2): copy it to change it.' : 'Contacts matching these conditions, counted live.'}
        actions={<>
          {!isNew && <button onClick={() => copy.mutate(undefined)}>Copy</button>}
          {!builtin && <button className="primary" disabled={save.isPending} onClick={() => { setSaved(false); setTriedSave(true); save.mutate({ name, description, criteria }); }}>Save segment</button>}
        </>}
      />
      <ErrorBanner error={save.error ?? copy.error} fields={['name', 'description', 'criteria']} />
      {saved && !save.error && <div className="banner good">Saved.</div>}
      <div className="grid sidebar-right">
        <div>
          {!builtin && (
            <Card>
              <div className="row">
                <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={save.error} />
                <TextField label="Description" name="description" value={description} onChange={(e) => setDescription(e.target.value)} error={save.error} />
              </div>
            </Card>
          )}
          <Card title="Conditions">
            <CriteriaBuilder value={criteria} onChange={setCriteria} error={err} readOnly={builtin} showMissing={triedSave} />
          </Card>
        </div>
        <div>
          <Card title="Matching contacts now">
            <div className="count-pill" data-testid="live-count">
              {live.incomplete ? '—' : live.error ? <Badge tone="bad">fix the conditions</Badge> : live.count === undefined ? '…' : live.count.toLocaleString()}
            </div>
            <p className="muted small">{live.incomplete ? 'Complete the conditions to count.' : live.busy ? 'Counting…' : 'Updates as you edit.'}</p>
          </Card>
          {!isNew && <SegmentTools id={id} />}
        </div>
      </div>
    </>
  );
}
