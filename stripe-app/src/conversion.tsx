import { Badge, Box, Inline } from '@stripe/ui-extension-sdk/ui';
import { describeSource, formatDate, formatMoney } from './format';
import type { Conversion } from './types';

const STATUS: Record<Conversion['status'], { label: string; type: 'positive' | 'warning' | 'neutral' | 'urgent' }> = {
  credited: { label: 'Credited', type: 'positive' },
  partially_refunded: { label: 'Partially refunded', type: 'warning' },
  refunded: { label: 'Refunded', type: 'neutral' },
  flagged: { label: 'Self-referral, not credited', type: 'urgent' },
};

export function StatusBadge({ status }: { status: Conversion['status'] }) {
  const { label, type } = STATUS[status] ?? { label: status, type: 'neutral' };
  return <Badge type={type}>{label}</Badge>;
}

export function ConversionRow({ conversion, locale, withCreator = false }: { conversion: Conversion; locale: string; withCreator?: boolean }) {
  return (
    <Box css={{ stack: 'y', gap: 'xxsmall' }}>
      <Inline css={{ gap: 'small', alignY: 'center' }}>
        <Inline css={{ font: 'bodyEmphasized' }}>{formatMoney(conversion.amount, conversion.currency, locale)}</Inline>
        <StatusBadge status={conversion.status} />
      </Inline>
      <Box css={{ color: 'secondary', font: 'caption' }}>
        {withCreator && `@${conversion.creator_handle ?? conversion.creator} · `}
        {formatDate(conversion.created, locale)} · {conversion.code ?? describeSource(conversion.source)} · commission{' '}
        {formatMoney(conversion.commission, conversion.commission_currency, locale)}
      </Box>
    </Box>
  );
}
