// Lint rules: typescript-eslint recommended, plus import boundaries that keep data flowing one way
// (ingest → store → replay → detect → incidents → api/report; jobs/ and cli/ compose, nothing reaches back).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

const forbid = (...groups) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: groups.map((g) => ({
        group: [`**/${g}/**`, `**/${g}`],
        message: `data flows one way: this layer may not import from ${g}`,
      })),
    },
  ],
})

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      'coverage/',
      'scratch/',
      'src/store/meta/generated/',
      'src/api/generated/',
      'bench/out/',
      'dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error', 'warn'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  { files: ['src/store/**'], rules: forbid('ingest', 'replay', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs') },
  { files: ['src/ingest/**'], rules: forbid('replay', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs') },
  // Venue connectors describe files; only the orchestrator (src/ingest/*.ts) hands them to the store.
  {
    files: ['src/ingest/*/**'],
    rules: forbid('store', 'replay', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs'),
  },
  // Pure types shared by the stages: they import nothing from the stages.
  {
    files: ['src/domain/**'],
    rules: forbid(
      'store',
      'ingest',
      'replay',
      'detect',
      'incidents',
      'api',
      'report',
      'cli',
      'jobs',
      'config',
      'obs',
      'app',
    ),
  },
  { files: ['src/replay/**'], rules: forbid('ingest', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs') },
  // The detector runner (detect/run.ts) rebuilds incidents after writing detections, so incidents read detections
  // through the store and never import detect (that would be a cycle).
  { files: ['src/detect/**'], rules: forbid('ingest', 'api', 'report', 'cli', 'jobs') },
  {
    files: ['src/incidents/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...forbid('ingest', 'replay', 'api', 'report', 'cli', 'jobs')['no-restricted-imports'][1].patterns,
            { group: ['../detect', '../detect/**'], message: 'incidents read detections through src/store' },
          ],
        },
      ],
    },
  },
  { files: ['src/report/**'], rules: forbid('ingest', 'api', 'cli', 'jobs') },
  { files: ['src/api/**'], rules: forbid('ingest', 'cli', 'jobs') },
  // API modules share src/api/common, never one another (`../<sibling>/…` from inside a module).
  {
    files: ['src/api/modules/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/ingest/**', '**/cli/**', '**/jobs/**'], message: 'data flows one way' },
            {
              regex: '^\\.\\./(?!\\.\\.)[^/]+/',
              message: 'API modules may not import one another: share code in src/api/common',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/config/**', 'src/obs/**'],
    rules: forbid('store', 'ingest', 'replay', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs'),
  },
  { files: ['src/app/**'], rules: forbid('ingest', 'replay', 'detect', 'incidents', 'api', 'report', 'cli', 'jobs') },
  { files: ['jobs/**'], rules: forbid('api', 'cli') },
  // The CLI's output is the product: printing is its job.
  { files: ['src/cli/**'], rules: { 'no-console': 'off' } },
  { files: ['test/**', 'bench/**', 'scripts/**', 'bin/**'], rules: { 'no-console': 'off' } },
)
