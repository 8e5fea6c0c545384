import { Banner, Box, Button, Spinner } from '@stripe/ui-extension-sdk/ui';
import type { BackendError } from './api';

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

/** Why the actions are missing, for a Dashboard user whose roles only let them look. */
export function ReadOnlyNotice({ roleNames }: { roleNames: string[] }) {
  return (
    <Banner
      title="View only"
      description={`Your Dashboard role (${roleNames.join(', ')}) can see the referral program but not change it. Administrators and developers add creators and campaigns, switch codes, record payouts and change settings.`}
    />
  );
}
