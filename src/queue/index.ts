export { enqueue, endJobLeases, jobBacklog, completeJob, checkpointJob, failJob, getJob, backoffMs, WAKE_CHANNEL, type Job, type EnqueueInput } from './jobs.ts';
export { jobsSource, drainDue, inLanes, Worker, PermanentJobError, JobInterrupted, JOB_LEASE_MS, type DueSource, type JobHandler, type JobContext } from './worker.ts';
export { advanceClock } from './advance.ts';
