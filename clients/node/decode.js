#!/usr/bin/env node
// Reads COUNT records from the start of TOPIC and prints each value, decoded through the
// schema registry, as one JSON line. Exits 0 once COUNT records decoded, 1 on any error,
// 2 on timeout. LIBRARY picks the decoder: "kafkajs" (@kafkajs/confluent-schema-registry)
// or "confluent" (Confluent's own @confluentinc/schemaregistry, the stricter REST client).
//   node decode.js BOOTSTRAP REGISTRY_URL TOPIC COUNT [LIBRARY] [TIMEOUT_MS]
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, registryUrl, topic, countArg, library = 'kafkajs', timeoutArg = '30000'] = process.argv.slice(2);
if (!bootstrap || !registryUrl || !topic || !countArg) {
  console.error('usage: node decode.js BOOTSTRAP REGISTRY_URL TOPIC COUNT [kafkajs|confluent] [TIMEOUT_MS]');
  process.exit(1);
}
const count = Number(countArg);

function decoderFor(name) {
  if (name === 'kafkajs') {
    const { SchemaRegistry } = require('@kafkajs/confluent-schema-registry');
    const registry = new SchemaRegistry({ host: registryUrl });
    return (value) => registry.decode(value);
  }
  if (name === 'confluent') {
    const { SchemaRegistryClient, AvroDeserializer, SerdeType } = require('@confluentinc/schemaregistry');
    const client = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
    return (value) => deserializer.deserialize(topic, value);
  }
  throw new Error(`unknown library ${name}`);
}

// JSON has no bytes, 64-bit integers or dates: print them as base64, strings and epoch millis.
const printable = (key, v) =>
  typeof v === 'bigint' ? v.toString()
    : v instanceof Date ? v.getTime()
    : v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('base64')
    : v;

async function main() {
  const decode = decoderFor(library);
  // kafkajs's own log lines go to stderr: stdout carries only decoded records.
  const toStderr = () => ({ namespace, level, label, log }) => console.error(`kafkajs ${label} ${namespace}: ${log.message}`);
  const kafka = new Kafka({ clientId: 'facestream-node-client', brokers: bootstrap.split(','), logLevel: logLevel.ERROR, logCreator: toStderr });
  const consumer = kafka.consumer({ groupId: `facestream-node-client-${process.pid}-${Date.now()}` });
  const timer = setTimeout(() => {
    console.error(`timed out after ${timeoutArg} ms with ${seen} of ${count} records`);
    process.exit(2);
  }, Number(timeoutArg));
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise((resolve, reject) => {
    consumer.run({
      eachMessage: async ({ message }) => {
        try {
          const value = await decode(message.value);
          console.log(JSON.stringify({ key: message.key && message.key.toString(), value }, printable));
          if (++seen >= count) resolve();
        } catch (e) {
          reject(e);
        }
      },
    }).catch(reject);
  });
  clearTimeout(timer);
  await consumer.disconnect();
}

main().then(() => process.exit(0), (e) => {
  console.error(`decode failed: ${e && e.stack || e}`);
  process.exit(1);
});
