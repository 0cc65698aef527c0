import { useState } from 'react';
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

export function SettingsPage() {
  const [tab, setTab] = useState<keyof typeof TABS>('workspace');
  return (
    <>
      <PageHeader title="Settings" />
      <div className="tabs">
        {Object.entries(TABS).map(([k, label]) => <button key={k} className={tab === k ? 'active' : ''} onClick={() => setTab(k as keyof typeof TABS)}>{label}</button>)}
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
