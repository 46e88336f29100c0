// The node fields a query selects on a connection (`nodes { … }` and `edges { node { … } }`, through fragments), so a
// list read can fetch only those columns. Directives (@include / @skip) are not evaluated: a field under one counts
// as selected, which reads a column too many, never one too few.
import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql'

type Fragments = Record<string, FragmentDefinitionNode>

/** Calls `visit` for every field of a selection set, fragments expanded (each named fragment once). */
function eachField(
  set: SelectionSetNode | undefined,
  fragments: Fragments,
  visit: (field: FieldNode) => void,
  seen = new Set<string>(),
): void {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === 'Field') visit(selection)
    else if (selection.kind === 'InlineFragment') eachField(selection.selectionSet, fragments, visit, seen)
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value)
      eachField(fragments[selection.name.value]?.selectionSet, fragments, visit, seen)
    }
  }
}

/** The names of the node fields the connection field being resolved selects (empty when it selects no node). */
export function selectedNodeFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> {
  const names = new Set<string>()
  const addNodeFields = (node: FieldNode) =>
    eachField(node.selectionSet, info.fragments, (f) => names.add(f.name.value))
  for (const connection of info.fieldNodes)
    eachField(connection.selectionSet, info.fragments, (field) => {
      if (field.name.value === 'nodes') addNodeFields(field)
      else if (field.name.value === 'edges')
        eachField(field.selectionSet, info.fragments, (inner) => {
          if (inner.name.value === 'node') addNodeFields(inner)
        })
    })
  return names
}

/** The names of the fields selected on the object field being resolved (e.g. `detections { id score }`). */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> {
  const names = new Set<string>()
  for (const node of info.fieldNodes) eachField(node.selectionSet, info.fragments, (f) => names.add(f.name.value))
  return names
}
