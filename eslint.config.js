// One lint configuration for the repository; formatting is Prettier's job (eslint-config-prettier).
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', '**/*.svelte'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['web/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // shared/ is the pure core: time and randomness are parameters, never read inside.
    files: ['shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: 'shared/ is pure: pass now in.',
        },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'shared/ is pure: pass now in.' },
        {
          selector: "MemberExpression[object.name='Math'][property.name='random']",
          message: 'shared/ is pure: pass randomness in.',
        },
        {
          selector: "MemberExpression[object.name='performance'][property.name='now']",
          message: 'shared/ is pure: pass now in.',
        },
      ],
    },
  },
  prettier,
)
