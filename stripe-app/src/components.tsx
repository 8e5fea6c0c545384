import { Banner, Box, Button, Spinner } from '@stripe/ui-extension-sdk/ui';
import type { BackendError } from './api';
import type { Access } from './roles';

export function Loading({ label }: { label: string }) {
  return (
    <Box css={{ stack: 'y', alignX: 'center', gap: 'small', padding: 'large' }}>
      <Spinner />
      <Box css={{ color: 'secondary' }}>{label}</Box>
    </Box>
  );
}

/** The backend's own message, with a retry when retrying can help. */
export function ErrorBanner({ error, onRetry }: { error: BackendError; onRetry?: () => void }) {
  return (
    <Banner
      type="critical"
      title="Shoutout could not load this"
      description={error.message}
      actions={onRetry ? <Button onPress={onRetry}>Try again</Button> : undefined}
    />
  );
}

export function Empty({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <Box css={{ stack: 'y', gap: 'small', padding: 'medium', borderRadius: 'medium', backgroundColor: 'container' }}>
      <Box css={{ font: 'heading' }}>{title}</Box>
      {children && <Box css={{ color: 'secondary' }}>{children}</Box>}
    </Box>
  );
}

/** Why the actions are missing: a role that only looks, or a user the server has not granted. */
export function AccessNotice({ notice }: { notice: Access['notice'] }) {
  return notice ? <Banner title={notice.title} description={notice.description} /> : null;
}
