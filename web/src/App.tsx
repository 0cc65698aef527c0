import type { ReactNode } from 'react';
import { match, useLocation } from './router.tsx';
import { Layout } from './shell/Layout.tsx';
import { HomePage } from './home/HomePage.tsx';
import { ContactsPage } from './contacts/ContactsPage.tsx';
import { ContactPage } from './contacts/ContactPage.tsx';
import { ContactFormPage } from './contacts/ContactForm.tsx';
import { ListsPage } from './contacts/ListsPage.tsx';
import { FieldsPage } from './contacts/FieldsPage.tsx';
import { ImportWizard } from './contacts/ImportWizard.tsx';
import { SegmentsPage } from './segments/SegmentsPage.tsx';
import { SegmentPage } from './segments/SegmentPage.tsx';
import { MessagesPage } from './messages/MessagesPage.tsx';
import { MessageEditor } from './messages/MessageEditor.tsx';
import { JourneysPage } from './journeys/JourneysPage.tsx';
import { JourneyPage } from './journeys/JourneyPage.tsx';
import { CampaignsPage } from './campaigns/CampaignsPage.tsx';
import { CampaignPage } from './campaigns/CampaignPage.tsx';
import { OutboxPage } from './outbox/OutboxPage.tsx';
import { SettingsPage } from './settings/SettingsPage.tsx';
import { Empty } from './ui/bits.tsx';

type Route = [pattern: string, render: (p: Record<string, string>) => ReactNode];

// Client routes; none starts with a server page prefix (/f, /t, /u, /p, /s, /v, /api).
const ROUTES: Route[] = [
  ['/', () => <HomePage />],
  ['/contacts', () => <ContactsPage />],
  ['/contacts/new', () => <ContactFormPage />],
  ['/contacts/:id', (p) => <ContactPage id={Number(p.id)} />],
  ['/contacts/:id/edit', (p) => <ContactFormPage id={Number(p.id)} />],
  ['/imports/new', () => <ImportWizard />],
  ['/imports/:id', (p) => <ImportWizard importId={Number(p.id)} />],
  ['/lists', () => <ListsPage />],
  ['/fields', () => <FieldsPage />],
  ['/segments', () => <SegmentsPage />],
  ['/segments/new', () => <SegmentPage id="new" />],
  ['/segments/:id', (p) => <SegmentPage id={p.id} />],
  ['/messages', () => <MessagesPage />],
  ['/messages/:id', (p) => <MessageEditor id={Number(p.id)} />],
  ['/journeys', () => <JourneysPage />],
  ['/journeys/:id', (p) => <JourneyPage id={Number(p.id)} />],
  ['/campaigns', () => <CampaignsPage />],
  ['/campaigns/:id', (p) => <CampaignPage id={Number(p.id)} />],
  ['/outbox', () => <OutboxPage />],
  ['/outbox/:id', (p) => <OutboxPage id={Number(p.id)} />],
  ['/settings', () => <SettingsPage />],
];

export function App() {
  const { path } = useLocation();
  let page: ReactNode = <Empty title="Page not found">Use the navigation on the left.</Empty>;
  for (const [pattern, render] of ROUTES) {
    const params = match(pattern, path === '' ? '/' : path);
    if (params) {
      page = render(params);
      break;
    }
  }
  return <Layout><div key={path} className="page">{page}</div></Layout>;
}
