import express from 'express';

/**
 * The JSON body parser for API routes. Routers that take JSON use it themselves rather than the app
 * running it for every request: the pixel posts text/plain and Stripe signs raw bytes.
 */
export const jsonBody = express.json({ limit: '64kb' });
