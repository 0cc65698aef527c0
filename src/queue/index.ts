export { enqueue, endJobLeases, jobBacklog, completeJob, checkpointJob, failJob, getJob, backoffMs, type JobRow, WAKE_CHANNEL, type Job, type EnqueueInput } from './jobs.ts';
export { jobsSource, drainDue, inLanes, Worker, Turns, PermanentJobError, JobInterrupted, JOB_LEASE_MS, type DueSource, type JobHandler, type JobContext } from './worker.ts';
export { advanceClock } from './advance.ts';
export { jobRoutes } from './routes.ts';
