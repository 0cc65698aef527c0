export { listTemplates, getTemplate, saveTemplate, deleteTemplate, OWN_CATEGORY, type Template, type TemplateSummary } from './templates.ts';
export { previewTemplate, SAMPLE_CONTACT, type TemplatePreview } from './preview.ts';
export { BUILTIN, type BuiltinTemplate } from './builtin.ts';
export { templateRoutes } from './routes.ts';
