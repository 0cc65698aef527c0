export { compileEmail, renderEmail, type EmailVersion, type CompiledEmail, type RenderedEmail } from './email.ts';
export { compileSms, renderSms, smsSegments, type CompiledSms, type SmsSegments } from './sms.ts';
export { rewriteLinks, listLinks, injectOpenPixel, validateUrls, hasUnsubscribeLink, type LinkFilter, type InvalidUrl } from './links.ts';
export { htmlToText } from './text-part.ts';
export type { RenderVars, TemplatePath } from './engines.ts';
export { planEmail, renderPlanned, type EmailPlan, type Tracking } from './plan.ts';
export { unknownVariables, CONTACT_VARIABLES, LINK_VARIABLES, type KnownVariables, type UnknownVariable } from './variables.ts';
