// Where every worker thread Backstop starts begins (replay kernels, sweeps, scenario generation): one boot module,
// shared by the layers that start threads, so none reaches into another's folder for it.

/** The boot module (workerBoot.mjs, copied beside the build by scripts/build.mjs): give it the entry in workerData. */
export const WORKER_BOOT = new URL('./workerBoot.mjs', import.meta.url)
