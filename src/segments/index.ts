// Segments and engagement (S-1 … S-5, J-5, J-7, J-10): criteria → SQL, counts, members,
// explain, tracked membership, engagement levels. Other modules import only this file.
import type { Ctx } from '../context.ts';
import type { JobHandler } from '../queue/index.ts';
import { ENGAGEMENT_JOB, engagementJob } from './engagement.ts';
import { REFRESH_JOB, refreshJob } from './membership.ts';

export {
  parseCriteria,
  criteriaSchema,
  conditionSchema,
  ENGAGEMENT_LEVELS,
  MAX_DEPTH,
  MAX_CONDITIONS,
  type Criteria,
  type Condition,
  type Group,
  type EngagementLevel,
} from './schema.ts';
export { compileCriteria, type CriteriaEnv } from './compile.ts';
export { criteriaEnv, validateCriteria, selectMemberIds, countSegment, segmentMembers, evaluateFor } from './query.ts';
export { explainContact, type ExplainedNode } from './explain.ts';
export { describeCondition, LEVEL_NAMES } from './describe.ts';
export { addMembersToList, exportMembersCsv, exportColumns } from './actions.ts';
export {
  listSegments,
  getSegment,
  segmentCriteria,
  createSegment,
  updateSegment,
  deleteSegment,
  copySegment,
  BUILTIN_SEGMENTS,
  type Segment,
  type SegmentId,
  type BuiltinSegmentId,
} from './segments.ts';
export {
  recomputeEngagement,
  recomputeWorkspace,
  engagementSettings,
  engagementSummary,
  contactEngagement,
  currentEngagement,
  ensureEngagementSchedule,
  ensureEngagementSchedules,
  requestEngagementRecompute,
  ENGAGEMENT_DEFAULTS,
  ENGAGEMENT_JOB,
  type EngagementSettings,
} from './engagement.ts';
export { refreshSegmentMembers, requestSegmentRefresh, segmentRefreshSource, REFRESH_JOB } from './membership.ts';
export { segmentRoutes } from './routes.ts';

export function segmentJobHandlers(_ctx: Ctx): [string, JobHandler][] {
  return [
    [ENGAGEMENT_JOB, engagementJob],
    [REFRESH_JOB, refreshJob],
  ];
}
