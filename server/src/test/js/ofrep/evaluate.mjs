// Evaluates flags against a Rollgate server through the official OpenFeature JavaScript server
// SDK and its OFREP provider, as an application would, and prints what it got as one JSON
// document. OfrepJavaScriptTest writes the plan and compares the answers with /api/v1/evaluate.
//
// usage: node evaluate.mjs PLAN.json
// PLAN: {"baseUrl", "headers": [[name, value]], "evaluations": [{"type": "boolean"|"string"|"number"|"object",
//        "key", "default", "context"}], "bulk": {"context"} (optional)}
import { readFileSync } from 'node:fs';
import { OpenFeature } from '@openfeature/server-sdk';
import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OFREPApi } from '@openfeature/ofrep-core';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));

await OpenFeature.setProviderAndWait(new OFREPProvider({ baseUrl: plan.baseUrl, headers: plan.headers }));
const client = OpenFeature.getClient('rollgate-ofrep-check');

const getters = {
  boolean: (k, d, c) => client.getBooleanDetails(k, d, c),
  string: (k, d, c) => client.getStringDetails(k, d, c),
  number: (k, d, c) => client.getNumberDetails(k, d, c),
  object: (k, d, c) => client.getObjectDetails(k, d, c),
};

const evaluations = [];
for (const e of plan.evaluations) {
  const get = getters[e.type];
  if (!get) {
    throw new Error(`unknown flag type '${e.type}' in the plan`);
  }
  const d = await get(e.key, e.default, e.context ?? {});
  evaluations.push({
    key: d.flagKey,
    targetingKey: e.context?.targetingKey ?? null,
    value: d.value,
    variant: d.variant ?? null,
    reason: d.reason ?? null,
    errorCode: d.errorCode ?? null,
    errorMessage: d.errorMessage ?? null,
    flagMetadata: d.flagMetadata ?? {},
  });
}

// bulk evaluation with the OFREP core library the providers share: once, then again with the
// ETag it answered, which must come back 304 Not Modified
let bulk = null;
if (plan.bulk) {
  const api = new OFREPApi(plan.baseUrl);
  const first = await api.postBulkEvaluateFlags({ context: plan.bulk.context }, { headers: plan.headers });
  const etag = first.httpResponse.headers.get('ETag');
  const again = await api.postBulkEvaluateFlags({ context: plan.bulk.context },
    { headers: [...plan.headers, ['If-None-Match', etag]] });
  bulk = { status: first.httpStatus, etag, flags: first.value?.flags ?? null, revalidated: again.httpStatus };
}

await OpenFeature.close();
process.stdout.write(JSON.stringify({ evaluations, bulk }) + '\n');
