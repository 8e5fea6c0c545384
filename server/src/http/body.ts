import express from 'express';

/**
 * The JSON body parser for API routes. Routers that take JSON use it themselves rather than the app
 * running it for every request: the pixel posts text/plain and Stripe signs raw bytes.
 */
export const jsonBody = express.json({ limit: '64kb' });

/** For the routes that take a sheet or a bank of codes in one request. */
export const bulkJsonBody = express.json({ limit: '1mb' });

export const BULK_PATHS = ['/api/creators/import', '/api/coupon_banks/:id/codes', '/api/app/creators/import', '/api/app/coupon_banks/:id/codes'];
