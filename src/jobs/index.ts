// assort/jobs: the worker-thread job runner `assort serve` uses (one worker thread per train, classify or cluster job).
export { WorkerJobRunner, JobTaskError } from "./job-runner.js";
