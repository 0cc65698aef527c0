import { lazy, Suspense, useEffect, type ComponentType, type ReactNode } from 'react';
import { match, useLocation } from './router.tsx';
import { Layout } from './shell/Layout.tsx';
import { Empty, Loading } from './ui/bits.tsx';

/** A page loaded when first opened (its own chunk), so the first load carries only the shell. */
function page<K extends string>(load: () => Promise<Record<K, ComponentType<any>>>, name: K) {
  return lazy(async () => ({ default: (await load())[name] }));
}

const HomePage = page(() => import('./home/HomePage.tsx'), 'HomePage');
const ContactsPage = page(() => import('./contacts/ContactsPage.tsx'), 'ContactsPage');
const ContactPage = page(() => import('./contacts/ContactPage.tsx'), 'ContactPage');
const ContactFormPage = page(() => import('./contacts/ContactForm.tsx'), 'ContactFormPage');
const ListsPage = page(() => import('./contacts/ListsPage.tsx'), 'ListsPage');
const FieldsPage = page(() => import('./contacts/FieldsPage.tsx'), 'FieldsPage');
const ImportWizard = page(() => import('./contacts/ImportWizard.tsx'), 'ImportWizard');
const SegmentsPage = page(() => import('./segments/SegmentsPage.tsx'), 'SegmentsPage');
const SegmentPage = page(() => import('./segments/SegmentPage.tsx'), 'SegmentPage');
const MessagesPage = page(() => import('./messages/MessagesPage.tsx'), 'MessagesPage');
const MessageEditor = page(() => import('./messages/MessageEditor.tsx'), 'MessageEditor');
const TemplatesPage = page(() => import('./templates/TemplatesPage.tsx'), 'TemplatesPage');
const JourneysPage = page(() => import('./journeys/JourneysPage.tsx'), 'JourneysPage');
const JourneyPage = page(() => import('./journeys/JourneyPage.tsx'), 'JourneyPage');
const CampaignsPage = page(() => import('./campaigns/CampaignsPage.tsx'), 'CampaignsPage');
const CampaignPage = page(() => import('./campaigns/CampaignPage.tsx'), 'CampaignPage');
const OutboxPage = page(() => import('./outbox/OutboxPage.tsx'), 'OutboxPage');
const SettingsPage = page(() => import('./settings/SettingsPage.tsx'), 'SettingsPage');

type Route = [pattern: string, title: string, render: (p: Record<string, string>) => ReactNode];

// Client routes; none starts with a server page prefix (/f, /t, /u, /p, /s, /v, /api).
// The title is the tab's (document.title): "Contacts · Parcours".
const ROUTES: Route[] = [
  ['/', 'Home', () => <HomePage />],
  ['/contacts', 'Contacts', () => <ContactsPage />],
  ['/contacts/new', 'New contact', () => <ContactFormPage />],
  ['/contacts/:id', 'Contact', (p) => <ContactPage id={Number(p.id)} />],
  ['/contacts/:id/edit', 'Edit contact', (p) => <ContactFormPage id={Number(p.id)} />],
  ['/imports/new', 'Import contacts', () => <ImportWizard />],
  ['/imports/:id', 'Import', (p) => <ImportWizard importId={Number(p.id)} />],
  ['/lists', 'Lists', () => <ListsPage />],
  ['/fields', 'Custom fields', () => <FieldsPage />],
  ['/segments', 'Segments', () => <SegmentsPage />],
  ['/segments/new', 'New segment', () => <SegmentPage id="new" />],
  ['/segments/:id', 'Segment', (p) => <SegmentPage id={p.id} />],
  ['/messages', 'Messages', () => <MessagesPage />],
  ['/messages/:id', 'Message', (p) => <MessageEditor id={Number(p.id)} />],
  ['/templates', 'Templates', () => <TemplatesPage />],
  ['/journeys', 'Journeys', () => <JourneysPage />],
  ['/journeys/:id', 'Journey', (p) => <JourneyPage id={Number(p.id)} />],
  ['/campaigns', 'Campaigns', () => <CampaignsPage />],
  ['/campaigns/:id', 'Campaign', (p) => <CampaignPage id={Number(p.id)} />],
  ['/outbox', 'Outbox', () => <OutboxPage />],
  ['/outbox/:id', 'Outbox', (p) => <OutboxPage id={Number(p.id)} />],
  ['/settings', 'Settings', () => <SettingsPage />],
];

export function App() {
  const { path } = useLocation();
  let title = 'Page not found';
  let content: ReactNode = <Empty title="Page not found">Use the navigation menu.</Empty>;
  for (const [pattern, name, render] of ROUTES) {
    const params = match(pattern, path === '' ? '/' : path);
    if (params) {
      title = name;
      content = render(params);
      break;
    }
  }
  useEffect(() => {
    document.title = `${title} · Parcours`;
  }, [title]);
  return (
    <Layout>
      <div key={path} className="page">
        <Suspense fallback={<Loading />}>{content}</Suspense>
      </div>
    </Layout>
  );
}
