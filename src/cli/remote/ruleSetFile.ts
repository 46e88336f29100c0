// A rule-set file named on the command line while a server holds the stores: the server reads no files an API
// client names, so this process reads and validates the file and stores its content with createRuleSet; what is sent
// on is the stored version's id, never a path.
import fs from 'node:fs'
import { readRuleSetFile } from '../../replay/rules/resolve.ts'
import type { ServerClient } from './client.ts'

/** A rule-set reference the in-process path would read as a file (resolveRuleSet's own test). */
export const isRuleSetFile = (ref: string) => ref.endsWith('.json') || fs.existsSync(ref)

/**
 * Validates the file here (a bad file is refused with the in-process path's message, nothing sent), then stores it
 * (the same content is the version already stored; another content is a new version of the document's name) and
 * returns the version id a run can ask for. The run's rule set and hash are the file's, as in this process.
 */
export async function storeRuleSetFile(client: ServerClient, file: string, note: string): Promise<string> {
  readRuleSetFile(file)
  const document: unknown = JSON.parse(fs.readFileSync(file, 'utf8'))
  const { createRuleSet } = await client.request<{ createRuleSet: { version: { id: string } } }>(
    `mutation ($input: CreateRuleSetInput!) { createRuleSet(input: $input) { version { id } } }`,
    { input: { document, note } },
  )
  return createRuleSet.version.id
}
