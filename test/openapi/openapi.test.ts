import { z } from 'zod';
import { createCampaignSchema } from '../../server/src/catalog/schemas';
import { createConversionSchema } from '../../server/src/conversions/schemas';
import { identifySchema, lookupSchema } from '../../server/src/customers/schemas';
import { createApiKeySchema, updateOrgSchema } from '../../server/src/orgs/schemas';
import { serverClickSchema } from '../../server/src/tracking/schemas';
import { mountedRoutes } from '../helpers/routes';
import { startTestServer, type TestServer } from '../helpers/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ PUBLIC_URL: 'https://refer.brand.test' });
});
afterAll(() => server.stop());

type Operation = {
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> };
  responses: Record<string, unknown>;
  security?: Record<string, string[]>[];
};
type Document = {
  openapi: string;
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
};

async function fetchDocument(): Promise<Document> {
  const response = await server.request('GET', '/api/openapi.json');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

const documented = (document: Document) =>
  Object.entries(document.paths)
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();

/** The body's JSON schema in the document, for `METHOD /path`. */
function bodyOf(document: Document, method: string, path: string) {
  return document.paths[path][method].requestBody!.content['application/json'].schema;
}

/** What zod itself says a request body accepts: its fields and which are required. */
function zodShape(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties: Record<string, unknown>; required?: string[] };
  return { fields: Object.keys(json.properties).sort(), required: [...(json.required ?? [])].sort() };
}

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document of every route the app mounts under /api, and nothing else', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(document.servers).toEqual([{ url: 'https://refer.brand.test' }]);
    const mounted = mountedRoutes(server.deps);
    expect(mounted).toContain('POST /api/customers/identify');
    expect(mounted).toContain('PATCH /api/app/promo_codes/{id}');
    expect(documented(document)).toEqual(mounted);
  });

  it('is well formed: responses on every operation, path params declared, security schemes defined', async () => {
    const document = await fetchDocument();
    for (const [path, operations] of Object.entries(document.paths)) {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method} ${path}`;
        expect(Object.keys(operation.responses), where).toContain('default');
        const declared = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
        expect(declared.map((parameter) => parameter.name).sort(), where).toEqual(pathParams.sort());
        expect(declared.every((parameter) => parameter.required), where).toBe(true);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) expect(document.components.securitySchemes, where).toHaveProperty(scheme);
        }
      }
    }
  });

  it('describes requests with the schemas the routes validate with', async () => {
    const document = await fetchDocument();
    const identify = bodyOf(document, 'post', '/api/customers/identify');
    expect([...identify.required!].sort()).toEqual(['externalId', 'ref']);
    expect(document.paths['/api/customers/identify'].post.security).toEqual([{ apiKey: ['referrals'] }]);

    for (const [method, path, schema] of [
      ['post', '/api/customers/identify', identifySchema],
      ['post', '/api/customers/lookup', lookupSchema],
      ['post', '/api/conversions', createConversionSchema],
      ['post', '/api/campaigns', createCampaignSchema],
      ['patch', '/api/org', updateOrgSchema],
      ['post', '/api/keys', createApiKeySchema],
      ['post', '/api/tracking/click', serverClickSchema],
    ] as const) {
      const body = bodyOf(document, method, path);
      expect({ fields: Object.keys(body.properties!).sort(), required: [...(body.required ?? [])].sort() }, `${method} ${path}`).toEqual(zodShape(schema));
    }
    expect(document.paths['/api/customers'].get.parameters).toEqual([expect.objectContaining({ name: 'externalId', in: 'query', required: true })]);
    expect(document.paths['/api/reports'].get.parameters!.map((parameter) => parameter.name).sort()).toEqual(['from', 'to']);
  });
});
