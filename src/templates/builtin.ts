import { readFileSync } from 'node:fs';

/**
 * The gallery's built-in templates (M-7, issue 19): responsive MJML emails, kept as files in
 * builtin/ (the build copies them into dist/), and SMS starters. Every one passes Prepare's
 * checklist as it is (test/templates.test.ts): known variables only, an unsubscribe link in
 * every email, "Reply STOP" in every SMS, links to placeholders the marketer replaces.
 */
export interface BuiltinTemplate {
  id: string;
  name: string;
  category: string;
  description: string;
  channel: 'email' | 'sms';
  subject?: string;
  preheader?: string;
  /** SMS: the text itself; email: the body is read from builtin/<id>.mjml. */
  text?: string;
}

const EMAIL: BuiltinTemplate[] = [
  { id: 'welcome', name: 'Welcome', category: 'Onboarding', description: 'Greets a new subscriber, says what to expect and points to a first step.', channel: 'email',
    subject: 'Welcome to {{ workspace.name }}, {{ contact.first_name | default: "friend" }}', preheader: 'Here is what to expect from us, and a first step to get started.' },
  { id: 'newsletter', name: 'Newsletter', category: 'Newsletters', description: 'A lead story and two shorter articles side by side (stacked on phones).', channel: 'email',
    subject: 'This month at {{ workspace.name }}', preheader: 'Our latest story, two quick reads and what is coming next.' },
  { id: 'promotion', name: 'Promotion', category: 'Promotions', description: 'A time-limited offer with a code, a call to action and three highlights.', channel: 'email',
    subject: '{{ contact.first_name | default: "Hello" }}, 20% off everything this weekend', preheader: 'Use code WEEKEND20 at checkout. Ends Sunday at midnight.' },
  { id: 'abandoned-cart', name: 'Abandoned cart', category: 'E-commerce', description: 'Reminds a shopper of the cart they left, with reassurance and a way back.', channel: 'email',
    subject: 'You left something in your cart', preheader: 'Your items are saved. Complete your order whenever you are ready.' },
  { id: 'order-confirmation', name: 'Order confirmation', category: 'E-commerce', description: 'Confirms an order: a summary table, the delivery address and what happens next.', channel: 'email',
    subject: 'Thank you for your order, {{ contact.first_name | default: "friend" }}', preheader: 'We have received your order and are getting it ready.' },
  { id: 'birthday', name: 'Birthday', category: 'Lifecycle', description: 'A warm birthday greeting with a small gift code.', channel: 'email',
    subject: 'Happy birthday, {{ contact.first_name | default: "friend" }}!', preheader: 'A little gift from all of us at {{ workspace.name }}.' },
  { id: 're-engagement', name: 'Re-engagement', category: 'Lifecycle', description: 'Asks a quiet subscriber whether to keep writing, with a clear way to stay or leave.', channel: 'email',
    subject: 'We miss you, {{ contact.first_name | default: "friend" }}', preheader: 'Still interested? One click keeps you on the list.' },
  { id: 'event-invitation', name: 'Event invitation', category: 'Events', description: 'Invites to an event: date, time and place side by side, the agenda and an RSVP button.', channel: 'email',
    subject: 'You are invited: Spring Open House', preheader: 'Thursday, April 16, 6 to 9 pm. Save your seat.' },
  { id: 'survey', name: 'Survey', category: 'Feedback', description: 'A one-question rating (1 to 5) and a link to a short survey.', channel: 'email',
    subject: '{{ contact.first_name | default: "Hi" }}, how are we doing?', preheader: 'One question, ten seconds. Your answer shapes what we do next.' },
  { id: 'announcement', name: 'Announcement', category: 'Announcements', description: 'Announces news: a headline, three key points and a link to learn more.', channel: 'email',
    subject: 'Big news from {{ workspace.name }}', preheader: 'Something new is here, and we think you will like it.' },
  { id: 'plain-letter', name: 'Plain letter', category: 'Basic', description: 'A personal note in a single column, like a letter: no banner, no buttons.', channel: 'email',
    subject: 'A note from {{ workspace.name }}', preheader: 'A few words from our team.' },
  { id: 'receipt', name: 'Transactional receipt', category: 'Transactional', description: 'A payment receipt: amount paid, payment details and the line items.', channel: 'email',
    subject: 'Your receipt from {{ workspace.name }}', preheader: 'Thank you for your payment. Keep this email for your records.' },
];

// within 160 GSM-7 characters with a workspace name of up to 20 characters and a first name of 10
const SMS: BuiltinTemplate[] = [
  { id: 'sms-promotion', name: 'Promotion', category: 'Promotions', description: 'A short offer with a code and a link.', channel: 'sms',
    text: '{{ workspace.name }}: {{ contact.first_name | default: "Hi" }}, 20% off everything this weekend with code WEEKEND20. https://www.example.com/sale Reply STOP to opt out' },
  { id: 'sms-reminder', name: 'Reminder', category: 'Reminders', description: 'A friendly reminder of something coming up.', channel: 'sms',
    text: '{{ workspace.name }}: Hi {{ contact.first_name | default: "there" }}, a quick reminder that our spring sale ends tomorrow at midnight. Reply STOP to opt out' },
  { id: 'sms-order-shipped', name: 'Order shipped', category: 'E-commerce', description: 'Tells a customer the order is on its way, with a tracking link.', channel: 'sms',
    text: '{{ workspace.name }}: Hi {{ contact.first_name | default: "there" }}, good news: your order has shipped. Track it: https://www.example.com/track Reply STOP to opt out' },
  { id: 'sms-appointment', name: 'Appointment confirmation', category: 'Reminders', description: 'Confirms an appointment and says how to change it.', channel: 'sms',
    text: '{{ workspace.name }}: Hi {{ contact.first_name | default: "there" }}, your appointment is confirmed. Need to change it? Call us. Reply STOP to opt out' },
  { id: 'sms-optin-welcome', name: 'Opt-in welcome', category: 'Onboarding', description: 'Welcomes a contact who just opted into texts and says how to stop.', channel: 'sms',
    text: 'Welcome to {{ workspace.name }} texts, {{ contact.first_name | default: "friend" }}! Expect up to 4 msgs/month. Msg & data rates may apply. Reply STOP to opt out' },
];

export const BUILTIN: readonly BuiltinTemplate[] = [...EMAIL, ...SMS];

const bodies = new Map<string, string>();

/** The stored content of a built-in template, as a message takes it (POST /api/v1/messages). */
export function builtinContent(t: BuiltinTemplate): Record<string, unknown> {
  if (t.channel === 'sms') return { text: t.text };
  let body = bodies.get(t.id);
  if (body === undefined) {
    body = readFileSync(new URL(`./builtin/${t.id}.mjml`, import.meta.url), 'utf8');
    bodies.set(t.id, body);
  }
  return { subject: t.subject, preheader: t.preheader, format: 'mjml', body };
}
