import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { Box, ContextView, Divider, PropertyList, PropertyListItem } from '@stripe/ui-extension-sdk/ui';
import { useCallback } from 'react';
import { type Api, useApi } from '../api';
import { Empty, ErrorBanner, Loading } from '../components';
import { ConversionRow } from '../conversion';
import { describeRewards, describeSource, formatDate, formatMoney, userLocale } from '../format';
import type { CustomerAttribution } from '../types';
import { useResource } from '../useResource';

/** On a customer's page: the creator who referred them, how, when, and what it earned. */
const CustomerDetail = (context: ExtensionContextValue) => {
  const { api, error: configError } = useApi(context);
  const customerId = context.environment.objectContext?.id ?? '';
  const load = useCallback((client: Api) => client.get<CustomerAttribution>(`customers/${encodeURIComponent(customerId)}`), [customerId]);
  const { resource, reload } = useResource(api, load);
  const locale = userLocale(context);

  let body: React.ReactNode;
  if (configError) body = <ErrorBanner error={configError} />;
  else if (resource.status === 'loading') body = <Loading label="Looking up this customer’s referral…" />;
  else if (resource.status === 'error') body = <ErrorBanner error={resource.error} onRetry={reload} />;
  else {
    const { referral, signup_referral: signup, totals, conversions, rewards } = resource.data;
    const who = referral ?? signup;
    if (!who) {
      body = <Empty title="Not referred by a creator">Neither a purchase nor the signup of this customer was credited to a creator{context.environment.mode === 'test' ? ' in test mode' : ''}.</Empty>;
    } else {
      body = (
        <Box css={{ stack: 'y', gap: 'medium' }}>
          <PropertyList>
            <PropertyListItem label="Referred by" value={who.creator_handle ? `@${who.creator_handle}` : who.creator} />
            <PropertyListItem label="Through" value={who.code ? `${who.code} (${describeSource(who.source)})` : describeSource(who.source)} />
            {/* The signup's date is when its own creator referred them: wrong beside another creator's name. */}
            {signup?.creator === who.creator && <PropertyListItem label="Referred on" value={formatDate(signup.referred_at, locale)} />}
            {referral && <PropertyListItem label="First credited" value={formatDate(referral.created, locale)} />}
            {totals.map((total) => (
              <PropertyListItem key={`revenue-${total.currency}`} label={`Revenue after refunds (${total.currency.toUpperCase()})`} value={formatMoney(total.revenue, total.currency, locale)} />
            ))}
            {totals.map((total) => (
              <PropertyListItem key={`commission-${total.currency}`} label={`Commission (${total.currency.toUpperCase()})`} value={formatMoney(total.commission, total.currency, locale)} />
            ))}
            {/* The customer's own rewards as the friend of this referral, to spend with the brand. */}
            {rewards && rewards.balances.length > 0 && <PropertyListItem label="Their rewards to spend" value={describeRewards(rewards, locale)} />}
          </PropertyList>
          <Divider />
          <Box css={{ font: 'heading' }}>Conversions</Box>
          {conversions.length === 0 ? (
            <Box css={{ color: 'secondary' }}>No purchase credited yet.</Box>
          ) : (
            conversions.map((conversion) => <ConversionRow key={conversion.id} conversion={conversion} locale={locale} />)
          )}
        </Box>
      );
    }
  }

  return (
    <ContextView title="Creator referral" description={context.environment.mode === 'test' ? 'Test mode data' : undefined}>
      {body}
    </ContextView>
  );
};

export default CustomerDetail;
