// Campaigns (K-1 … K-8, C-6's resend): recipients, approval, scheduling, fan-out, A/B tests,
// hold-outs and results. Other modules import only this file.
import type { Ctx } from '../context.ts';
import type { JobHandler } from '../queue/index.ts';
import { abDecideJob } from './ab-test.ts';
import { AB_JOB, COMPLETE_JOB, FANOUT_JOB, runFanout } from './fanout.ts';
import { completionJob } from './lifecycle.ts';

export { campaignRoutes } from './routes.ts';
export { campaignInput, localToInstant, durationMs, type CampaignInput } from './definition.ts';
export { createCampaign, updateCampaign, getCampaign, listCampaigns, pendingApprovals, type Campaign, type CampaignStatus } from './store.ts';
export { prepareCampaign, approveCampaign, rejectCampaign } from './approval.ts';
export { pauseCampaign, resumeCampaign, cancelCampaign } from './lifecycle.ts';
export { pickWinnerByHand, pickWinner } from './ab-test.ts';
export { calculate, compileAudience } from './recipients.ts';
export { paceInterval } from './send-time.ts';
export { runFanout, FANOUT_JOB, FANOUT_BATCH, type Progress, type Slice, type FanoutOptions } from './fanout.ts';
export { campaignReport } from './report.ts';
export { compareProportions } from './holdout.ts';
export { resendDelivery } from './resend.ts';
export type { Actor } from './audit.ts';

export function campaignJobHandlers(ctx: Ctx): [string, JobHandler][] {
  return [
    [FANOUT_JOB, (job) => runFanout(ctx, job)],
    [COMPLETE_JOB, completionJob(ctx)],
    [AB_JOB, abDecideJob(ctx)],
  ];
}
