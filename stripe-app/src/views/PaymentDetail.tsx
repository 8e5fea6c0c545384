import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import { ContextView, PropertyList, PropertyListItem } from '@stripe/ui-extension-sdk/ui';
import { useCallback } from 'react';
import { type Api, useApi } from '../api';
import { Empty, ErrorBanner, Loading } from '../components';
import { StatusBadge } from '../conversion';
import { describeSource, formatDate, formatMoney, userLocale } from '../format';
import type { PaymentAttribution } from '../types';
import { useResource } from '../useResource';

/** On a payment's page: the conversion this payment was credited as, if any. */
const PaymentDetail = (context: ExtensionContextValue) => {
  const { api, error: configError } = useApi(context);
  const paymentId = context.environment.objectContext?.id ?? '';
  const load = useCallback((client: Api) => client.get<PaymentAttribution>(`payments/${encodeURIComponent(paymentId)}`), [paymentId]);
  const { resource, reload } = useResource(api, load);
  const locale = userLocale(context);

  let body: React.ReactNode;
  if (configError) body = <ErrorBanner error={configError} />;
  else if (resource.status === 'loading') body = <Loading label="Looking up this payment’s conversion…" />;
  else if (resource.status === 'error') body = <ErrorBanner error={resource.error} onRetry={reload} />;
  else if (!resource.data.conversion) {
    body = <Empty title="No creator credited">This payment was not attributed to a creator’s code or link.</Empty>;
  } else {
    const conversion = resource.data.conversion;
    body = (
      <PropertyList>
        <PropertyListItem label="Creator" value={conversion.creator_handle ? `@${conversion.creator_handle}` : conversion.creator} />
        <PropertyListItem label="Code" value={conversion.code ?? '—'} />
        <PropertyListItem label="Attributed by" value={describeSource(conversion.source)} />
        <PropertyListItem label="Status" value={<StatusBadge status={conversion.status} />} />
        <PropertyListItem label="Amount" value={formatMoney(conversion.amount, conversion.currency, locale)} />
        {conversion.refunded > 0 && <PropertyListItem label="Refunded" value={formatMoney(conversion.refunded, conversion.currency, locale)} />}
        <PropertyListItem label="Commission" value={formatMoney(conversion.commission, conversion.commission_currency, locale)} />
        <PropertyListItem label="Credited" value={formatDate(conversion.created, locale)} />
      </PropertyList>
    );
  }

  return (
    <ContextView title="Creator conversion" description={context.environment.mode === 'test' ? 'Test mode data' : undefined}>
      {body}
    </ContextView>
  );
};

export default PaymentDetail;
