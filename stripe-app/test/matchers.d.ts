import 'vitest';

// The SDK's testing matchers (registered by importing '@stripe/ui-extension-sdk/testing') are typed for Jest only.
declare module 'vitest' {
  interface Assertion {
    toContainText(text: string): void;
    toContainComponent(type: unknown, props?: Record<string, unknown>): void;
    toContainComponentTimes(type: unknown, times: number, props?: Record<string, unknown>): void;
    toHaveProps(props: Record<string, unknown>): void;
  }
}
