import { del, post } from '../api.ts';
import { useAction } from '../data.ts';
import { navigate } from '../router.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

/** Lifecycle (J-14): activate, lock, stop, archive, delete, duplicate. */
export function JourneyActions({ j, dirty }: { j: any; dirty: boolean }) {
  const base = `/api/v1/journeys/${j.id}`;
  const refresh = [base, '/api/v1/journeys'];
  const act = useAction(({ verb, body }: { verb: string; body?: any }) => post(`${base}/${verb}`, body ?? {}), refresh);
  const remove = useAction(() => del(base), ['/api/v1/journeys'], () => navigate('/journeys'));
  const duplicate = useAction(() => post(`${base}/duplicate`, {}), ['/api/v1/journeys'], (x: any) => navigate(`/journeys/${x.id}`));
  const live = j.status === 'active' || j.status === 'locked';
  const s = j.status;
  return (
    <>
      {(s === 'draft' || s === 'stopped') && <button disabled={dirty || act.isPending} title={dirty ? 'Save first' : ''} onClick={() => act.mutate({ verb: 'activate' })}>{s === 'stopped' ? 'Reactivate' : 'Activate'}</button>}
      {s === 'active' && <ConfirmButton question={'Lock this journey? No new contacts enter; those in it finish.'} onConfirm={() => act.mutate({ verb: 'lock' })}>Lock</ConfirmButton>}
      {s === 'active' && <ConfirmButton question={'Stop this journey? No new entries and no sends; steps falling due are skipped.'} onConfirm={() => act.mutate({ verb: 'stop' })}>Stop</ConfirmButton>}
      {s !== 'archived' && s !== 'draft' && <ConfirmButton question={live ? 'Archive this live journey? It is stopped first and contacts in it leave.' : 'Archive this journey?'} onConfirm={() => act.mutate({ verb: 'archive', body: { confirm: true } })}>Archive</ConfirmButton>}
      <button onClick={() => duplicate.mutate(undefined)}>Duplicate</button>
      {(s === 'draft' || s === 'archived') && <ConfirmButton className="danger" question={'Delete this journey?'} onConfirm={() => remove.mutate(undefined)}>Delete</ConfirmButton>}
      {(act.error || remove.error || duplicate.error) && <div style={{ flexBasis: '100%' }}><ErrorBanner error={act.error ?? remove.error ?? duplicate.error} /></div>}
    </>
  );
}
