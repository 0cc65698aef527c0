import { get, post } from '../api.ts';
import { useAction } from '../data.ts';
import { navigate } from '../router.tsx';
import type { TemplateSummary } from './types.ts';

/**
 * "Use this template": the template's full content copied into a new message named after it,
 * then its editor. The message keeps its copy; the template can change or go afterwards.
 */
export function useTemplateAction() {
  return useAction(
    async (t: TemplateSummary) => {
      const full = await get<{ name: string; channel: 'email' | 'sms'; content: Record<string, unknown> }>(`/api/v1/templates/${encodeURIComponent(t.id)}`);
      return post<{ id: number }>('/api/v1/messages', { name: full.name, channel: full.channel, content: full.content });
    },
    ['/api/v1/messages'],
    (m) => navigate(`/messages/${m.id}`),
  );
}
