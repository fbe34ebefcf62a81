// Every workflow the worker registers. Workflow code only: no activities, no Node built-ins.
export { threatWorkflow } from './threat';
export { governorWorkflow } from './governor';
export { allowlistWorkflow } from './allowlist';
export { reconcilerWorkflow } from './reconciler';
export { accessLogScanWorkflow, crowdsecPollWorkflow, intelFeedPollWorkflow } from './scans';
export { alertInvestigationWorkflow } from './alert-investigation';
export { proactiveCycleWorkflow } from './proactive-cycle';
export { proactiveStateWorkflow } from './proactive-state';
