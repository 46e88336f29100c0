// Detection vocabulary shared by detectors, the store, the API and reports: detector ids and severities.

/** Every detector Backstop ships, by stable id (stored on each detection row, used in filters and reports). */
export const DETECTOR_IDS = [
  'oracle-deviation',
  'thin-market-push',
  'self-trading',
  'oi-concentration',
  'liquidation-cascade',
  'funding-manipulation',
  'oracle-front-running',
  'withdrawal-to-maintenance',
] as const
export type DetectorId = (typeof DETECTOR_IDS)[number]

/** Ordered from least to most severe; each detector documents the thresholds that map its score onto these. */
export const SEVERITIES = ['info', 'warning', 'critical'] as const
export type Severity = (typeof SEVERITIES)[number]

export const isDetectorId = (value: string): value is DetectorId => (DETECTOR_IDS as readonly string[]).includes(value)
