// Built-in presets as the API shows them (RulePreset) and as an in-memory connection (rulePresetsConnection).
import { listPresets } from '../../../replay/rules/catalog.ts'
import type { MemoryListSpec } from '../../../store/query/memoryList.ts'
import type { ConnectionModel } from '../../common/pagination.ts'

export interface RulePresetView {
  id: string
  name: string
  venue: string
  description: string
  effectiveFrom: string
  effectiveBasis: string
  effectiveNote: string
  sources: string[]
  notes: string[]
  hash: string
  body: unknown
}

export type RulePresetConnectionModel = ConnectionModel<RulePresetView>

/** Every preset (of one venue or preset name when given), in the catalog's order. */
export function presetViews(venue?: string | null): RulePresetView[] {
  return listPresets(venue).map((p) => ({
    id: p.id,
    name: p.rules.name,
    venue: p.rules.venue,
    description: p.rules.description,
    effectiveFrom: p.rules.effective.from,
    effectiveBasis: p.rules.effective.basis,
    effectiveNote: p.rules.effective.note,
    sources: p.rules.sources,
    notes: p.rules.notes,
    hash: p.hash,
    body: p.rules,
  }))
}

const TEXT_FIELDS = ['id', 'name', 'venue', 'effectiveFrom', 'effectiveBasis', 'hash'] as const
const SORTABLE = new Set(['id', 'name', 'venue', 'effectiveFrom'])

export const PRESET_LIST: MemoryListSpec<RulePresetView> = {
  fields: Object.fromEntries(TEXT_FIELDS.map((f) => [f, { type: 'string' as const, sortable: SORTABLE.has(f) }])),
  value: (p, field) => p[field as (typeof TEXT_FIELDS)[number]],
  id: 'id',
  defaultOrder: [
    { field: 'venue', direction: 'ASC' },
    { field: 'effectiveFrom', direction: 'ASC' },
  ],
}
