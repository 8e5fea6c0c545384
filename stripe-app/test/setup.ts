// The Dashboard's RPCs (signature, toast, clipboard) do not exist outside the Dashboard iframe.
vi.mock('@stripe/ui-extension-sdk/utils', async () => {
  const { SIGNATURE } = await import('./signature');
  return {
    fetchStripeSignature: vi.fn(async () => SIGNATURE),
    showToast: vi.fn(async () => ({ update: () => undefined, dismiss: () => undefined })),
    clipboardWriteText: vi.fn(async () => undefined),
  };
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.clearAllMocks();
});
