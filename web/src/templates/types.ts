/** A template as GET /api/v1/templates lists it (src/templates/routes.ts). */
export interface TemplateSummary {
  id: string;
  kind: 'builtin' | 'own';
  name: string;
  category: string;
  description: string;
  channel: 'email' | 'sms';
  subject: string | null;
  created_at: string | null;
}

export type TemplatePreview = { channel: 'email'; subject: string; html: string } | { channel: 'sms'; text: string };

export const previewPath = (id: string) => `/api/v1/templates/${encodeURIComponent(id)}/preview`;
