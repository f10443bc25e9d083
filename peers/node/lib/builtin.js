'use strict';
// Reflection and health on the Node peer's server (docs/peer-protocol.md, "Reflection and
// health"), from @grpc/reflection (grpc.reflection.v1 and v1alpha) and grpc-health-check. They are
// services of their own: their calls never reach the peer's handlers nor its event log.

const protoLoader = require('@grpc/proto-loader');
const { ReflectionService } = require('@grpc/reflection');
const health = require('grpc-health-check');
const descriptor = require('protobufjs/ext/descriptor');
const protos = require('./protos');

// The server as a whole ('') and the hosted service.
const HEALTH_SERVICES = ['', protos.SERVICE];

class Builtin {
  constructor() {
    this.health = new health.HealthImplementation(
      Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'SERVING'])));
    // streaming.proto and health.proto: `list` names both and `describe` resolves both.
    const pkg = protoLoader.loadSync([protos.PROTO_FILE, health.protoPath]);
    this.reflection = new ReflectionService(fixMapEntries(pkg));
  }

  addToServer(server) {
    this.health.addToServer(server);
    this.reflection.addToServer(server);
  }

  /** Every service NOT_SERVING (before the drain): Watch streams get it. */
  shuttingDown() {
    for (const s of HEALTH_SERVICES) this.health.setStatus(s, 'NOT_SERVING');
  }
}

// protobufjs names a map field's entry type after the field ("Metadata") where protoc and every
// descriptor consumer (grpc-go's protodesc, grpcurl) require "<Field>Entry" ("MetadataEntry"):
// rename the entry types, and point the fields at them by full name, in the file descriptors the
// reflection service serves.
function fixMessage(msg, scope) {
  const full = `${scope}.${msg.name}`;
  for (const nested of msg.nestedType || []) {
    if (!nested.options || !nested.options.mapEntry) continue;
    const field = (msg.field || []).find((f) => f.typeName === nested.name || f.typeName === `${full}.${nested.name}`);
    if (!field) continue;
    nested.name = `${field.name.replace(/(^|_)([a-z])/g, (m, u, c) => c.toUpperCase())}Entry`;
    field.typeName = `${full}.${nested.name}`;
  }
  for (const nested of msg.nestedType || []) fixMessage(nested, full);
}

function fixFile(bin) {
  const file = descriptor.FileDescriptorProto.decode(bin);
  for (const msg of file.messageType || []) fixMessage(msg, file.package ? `.${file.package}` : '');
  return Buffer.from(descriptor.FileDescriptorProto.encode(file).finish());
}

function fixMapEntries(pkg) {
  const fixed = new Map(); // one fix per file, shared by every entry naming it
  for (const entry of Object.values(pkg)) {
    if (!Array.isArray(entry.fileDescriptorProtos)) continue;
    entry.fileDescriptorProtos = entry.fileDescriptorProtos.map((bin) => {
      const key = Buffer.from(bin).toString('base64');
      if (!fixed.has(key)) fixed.set(key, fixFile(bin));
      return fixed.get(key);
    });
  }
  return pkg;
}

module.exports = { Builtin, HEALTH_SERVICES, fixMapEntries };
