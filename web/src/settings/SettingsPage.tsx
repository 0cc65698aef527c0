import { navigate, useLocation } from '../router.tsx';
import { PageHeader } from '../ui/bits.tsx';
import { WorkspaceSettings } from './WorkspaceSettings.tsx';
import { Senders } from './Senders.tsx';
import { ApiKeys } from './ApiKeys.tsx';
import { Users } from './Users.tsx';
import { Webhooks } from './Webhooks.tsx';
import { Engagement } from './Engagement.tsx';
import { DefaultWindow } from './DefaultWindow.tsx';

const TABS = {
  workspace: 'Workspace and approval', senders: 'Sender identities', windows: 'Delivery windows', engagement: 'Engagement',
  webhooks: 'Webhooks', users: 'Users and roles', keys: 'API keys',
} as const;

type Tab = keyof typeof TABS;

/** The settings, a tab each; the tab is in the address (`/settings?tab=senders`) so that other pages link to it. */
export function SettingsPage() {
  const asked = useLocation().query.get('tab') ?? '';
  const tab: Tab = asked in TABS ? (asked as Tab) : 'workspace';
  const setTab = (t: Tab) => navigate(t === 'workspace' ? '/settings' : `/settings?tab=${t}`, true);
  return (
    <>
      <PageHeader title="Settings" />
      <div className="tabs">
        {Object.entries(TABS).map(([k, label]) => <button key={k} className={tab === k ? 'active' : ''} aria-current={tab === k ? 'page' : undefined} onClick={() => setTab(k as Tab)}>{label}</button>)}
      </div>
      {tab === 'workspace' && <WorkspaceSettings />}
      {tab === 'senders' && <Senders />}
      {tab === 'windows' && <DefaultWindow />}
      {tab === 'engagement' && <Engagement />}
      {tab === 'webhooks' && <Webhooks />}
      {tab === 'users' && <Users />}
      {tab === 'keys' && <ApiKeys />}
    </>
  );
}
