// The JSON report: the model itself (every figure, exact amounts as decimal text) and the chart files beside it.
import type { ReportModel } from '../model.ts'

export function renderJson(model: ReportModel, chartFiles: string[]): string {
  return `${JSON.stringify({ ...model, charts: chartFiles }, null, 2)}\n`
}
