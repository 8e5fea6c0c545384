import type { Creator } from '../catalog/repo';
import { toUnixSeconds } from '../http/validate';
import { type Conversion, commissionCurrencyOf } from './repo';
import type { ConversionResponse } from './schemas';

type NamedCreator = Pick<Creator, 'handle' | 'name' | 'email' | 'customerId'>;

export function presentConversion(conversion: Conversion, creator: NamedCreator | null): ConversionResponse {
  return {
    id: conversion.id,
    object: 'conversion',
    livemode: conversion.livemode,
    kind: conversion.kind,
    creator: conversion.creatorId,
    creator_handle: creator?.handle ?? null,
    creator_name: creator?.name ?? null,
    creator_email: creator?.email ?? null,
    creator_customer_id: creator?.customerId ?? null,
    campaign: conversion.campaignId,
    promo_code: conversion.promoCodeId,
    code: conversion.code,
    click: conversion.clickId,
    source: conversion.source,
    status: conversion.status,
    flag: conversion.flag,
    amount: conversion.amount,
    discount: conversion.discount,
    currency: conversion.currency,
    commission: conversion.commission,
    commission_currency: commissionCurrencyOf(conversion),
    refunded: conversion.refunded,
    order_id: conversion.orderId,
    stripe_checkout_session: conversion.checkoutSessionId,
    stripe_invoice: conversion.invoiceId,
    stripe_subscription: conversion.subscriptionId,
    stripe_payment_intent: conversion.paymentIntentId,
    stripe_charge: conversion.chargeId,
    stripe_customer: conversion.stripeCustomerId,
    created: toUnixSeconds(conversion.createdAt),
  };
}
