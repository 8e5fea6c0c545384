import uiExtensionConfig from '@stripe/ui-extension-tools/eslint.config.ui-extension.mjs';

// Stripe's own rules for UI extensions (no raw HTML elements, hooks rules), applied to the app's code.
export default [
  { ignores: ['.stripe-app-build/**'] },
  ...uiExtensionConfig.map((config) => ({ ...config, files: config.files ?? ['stripe-app/**/*.{ts,tsx}'] })),
  {
    files: ['stripe-app/scripts/**/*.ts', 'stripe-app/test/**/*.{ts,tsx}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
  },
];
