'use strict';
// Reflection and health on the Node peer's server (docs/peer-protocol.md, "Reflection and
// health"), from @grpc/reflection (grpc.reflection.v1 and v1alpha) and grpc-health-check. They are
// services of their own: their calls never reach the peer's handlers nor its event log.

const protoLoader = require('@grpc/proto-loader');
const { ReflectionService } = require('@grpc/reflection');
const health = require('grpc-health-check');
const protos = require('./protos');

// The server as a whole ('') and the hosted service.
const HEALTH_SERVICES = ['', protos.SERVICE];

class Builtin {
  constructor() {
    this.health = new health.HealthImplementation(
      Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'SERVING'])));
    // streaming.proto and health.proto: `list` names both and `describe` resolves both.
    const pkg = protoLoader.loadSync([protos.PROTO_FILE, health.protoPath], { keepCase: true });
    this.reflection = new ReflectionService(pkg);
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

module.exports = { Builtin, HEALTH_SERVICES };
