// How a server delivers reports: retries, backoff and the base of the links from its configuration, failures logged.
import type { Config } from '../../src/config/load.ts'
import type { DeliveryOptions } from '../../src/report/delivery/deliver.ts'
import type { Logger } from '../../src/obs/logger.ts'

export function deliveryOptions(config: Config, log: Logger, signal: AbortSignal): DeliveryOptions {
  return {
    retries: config.reportDeliveryRetries,
    baseMs: config.reportDeliveryRetryBaseMs,
    baseUrl: config.reportBaseUrl ?? `http://${config.host}:${config.port}`,
    signal,
    onFailure: (target, attempt, error) => log.warn({ target, attempt, error }, 'report delivery failed'),
  }
}
